"""The tickets API's request and response schemas (pydantic), validated on every call and published as OpenAPI.

The schemas say what is well-formed; who may ask for what (a priority, tags, an internal note, filing for someone
else) is the policy's decision (support/policy/tickets.py), and what a viewer is shown is decided there too.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from support.jsonapi import Line, PositiveInt32, QueryModel, StrictModel, Text
from support.orgs.models import SCHOOL_FORMS
from support.tickets.models import CHANNELS, MAX_BODY, MAX_SUBJECT, PRIORITIES, STATES, SYSTEMS
from support.tickets.queues import SORTS

Priority = Literal[PRIORITIES]
System = Literal[SYSTEMS]
State = Literal[STATES]
Channel = Literal[CHANNELS]
SchoolForm = Literal[SCHOOL_FORMS]
Sort = Literal[tuple(SORTS)]
Tag = Line(50, min_length=1)
SearchId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]


class TicketNumberPath(BaseModel):
    number: PositiveInt32 = Field(description="The ticket's number (#1234 is 1234).")


class NewTicket(StrictModel):
    """A new ticket. The subject and text are checked by the ticket service (its messages are in the caller's
    language)."""

    subject: Text(1000) = Field(
        description=f"A short heading, at most {MAX_SUBJECT} characters after spaces are folded.")
    body: Text(MAX_BODY) = Field(description="What it is about (Markdown).")
    system: System | None = Field(None, description="What it is about; `general` when left out.")
    school: Line(100) | None = Field(None, description="The school's slug, e.g. `ekbackaskolan`.")
    school_form: SchoolForm | None = None
    priority: Priority | None = Field(
        None, description="Staff only; a requester may leave it out or send `normal`.")
    tags: list[Tag] | None = Field(None, max_length=20, description="Staff only.")
    requester_email: EmailStr | None = Field(
        None, description="Staff who log calls: the person the ticket is for (the caller's own address is allowed "
                          "for anyone).")
    requester_name: Line(200) | None = Field(None, description="The name of a new contact (with requester_email).")
    idempotency_key: Line(64, min_length=1) | None = Field(
        None, description="The same key again returns the first ticket; the `Idempotency-Key` header wins.")
    search_ids: list[SearchId] | None = Field(
        None, max_length=5, description="The `search_id` of the knowledge-base searches (`GET /api/v1/kb/search`) "
                                        "that preceded the ticket: the editors see that they did not answer it.")


class NewMessage(StrictModel):
    body: Text(MAX_BODY) = Field(description="The reply or note (Markdown).")
    internal: bool = Field(False, description="An internal note, which only staff read (staff only).")


class TicketListQuery(QueryModel):
    """`q` searches; `queue` lists a staff queue; neither lists the caller's own tickets ("Mina ärenden")."""

    q: Line(200) | None = Field(None, description="Search words.")
    queue: Line(50) | None = Field(
        None, description="A staff queue: mine, unassigned, my_schools, tier2, system, breaching or waiting.")
    sort: Sort = Field("due", description="Order of a queue.")
    cursor: Line(500) | None = Field(None, description="`next_cursor` of the previous page.")
    limit: int = Field(50, ge=1, le=100)
    state: State | None = None
    priority: Priority | None = None
    system: System | None = None
    channel: Channel | None = None
    school: PositiveInt32 | None = Field(None, description="A school's id.")
    tag: Line(50) | None = None


class Person(BaseModel):
    name: str
    email: str | None = Field(None, description="Only for staff and the requester themselves.")


class MessageOut(BaseModel):
    id: int
    kind: Literal["public", "internal"]
    channel: str
    author: str | None
    body: str
    created_at: str = Field(json_schema_extra={"format": "date-time"})


class AttachmentOut(BaseModel):
    id: int
    filename: str
    size: int
    content_type: str
    url: str


class RatingOut(BaseModel):
    score: int
    comment: str | None


class TicketOut(BaseModel):
    """A ticket as the caller may see it. Fields marked "staff only" are left out for everyone else."""

    number: int
    display_number: str
    subject: str
    state: State
    priority: Priority
    tier: int
    channel: Channel
    system: str
    school: str | None
    requester: Person
    assignee: str | None
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    updated_at: str = Field(json_schema_extra={"format": "date-time"})
    first_response_due: str = Field(json_schema_extra={"format": "date-time"})
    resolution_due: str = Field(json_schema_extra={"format": "date-time"})
    merged_into: int | None
    url: str
    tags: list[str] | None = Field(None, description="Staff only.")
    flags: list[str] | None = Field(None, description="Staff only.")
    first_response_breached: bool | None = Field(None, description="Staff only.")
    resolution_breached: bool | None = Field(None, description="Staff only.")


class TicketDetailOut(TicketOut):
    messages: list[MessageOut]
    attachments: list[AttachmentOut]
    rating: RatingOut | None = Field(None, description="For staff and the requester, once rated.")


class TicketListOut(BaseModel):
    tickets: list[TicketOut]
    next_cursor: str | None


class IdempotencyHeader(BaseModel):
    idempotency_key: Line(64, min_length=1) | None = Field(
        None, alias="Idempotency-Key", description="Send the same key again and you get the same ticket back.")
