"""What a channel hands the ticket service. A channel (web form, phone, API, e-mail, the demo) translates its input
into a command and calls the service, which applies every rule; nothing here decides anything."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from support.accounts.models import User
    from support.orgs.models import School


@dataclass(frozen=True)
class Filing:
    """A new ticket as a channel received it, for `service.file_ticket`.

    `filed_by` is who typed it in (a requester themselves, or staff logging a call or using the API for someone);
    the ticket is for `requester`, else for the person with `contact_email` (a new contact when nobody has it),
    else for `filed_by`. `priority` None and empty `tags` mean "not asked for"; anything else is a choice the
    policy must let `filed_by` make. `read_article_id` is the knowledge-base article the person came from;
    `search_tokens` name the knowledge-base searches that preceded the ticket (the search log's tokens).
    """

    channel: str
    subject: str
    body: str
    filed_by: User | None = None
    requester: User | None = None
    contact_email: str | None = None
    contact_name: str = ""
    contact_phone: str = ""
    school: School | None = None
    user_group: str | None = None
    system: str | None = None
    school_form: str | None = None
    priority: str | None = None
    tags: Sequence[str] = ()
    body_format: str | None = None
    body_html: str | None = None  # an e-mail's own HTML, sanitised, shown on request
    attachments: Sequence = ()
    idempotency_key: str | None = None
    message_id: str | None = None
    read_article_id: str | None = None
    search_tokens: Sequence[str] = ()
    resolved_on_call: bool = False
