"""Every filing rule holds through every channel: the web form, the phone form, the API and e-mail each only
translate their input into a `Filing`, and the ticket service decides (issue 12, "the one door").

Each test is a table: a rule, the channels where it applies, and what each channel must answer. A channel is a
function that asks for a ticket the way a person using it would and reports whether a ticket was made."""

from __future__ import annotations

import email.policy
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from support.channels.email import service as mail_service
from support.extensions import db
from support.tickets import service
from support.tickets.commands import Filing
from support.tickets.models import MAX_SUBJECT, Ticket
from tests.conftest import module_data
from tests.tickets.conftest import build_org

org = module_data(build_org, name="org")


@dataclass
class Ask:
    """What a person asks a channel for."""

    subject: str = "Kan inte logga in i appen"
    body: str = "Jag får felet 'okänd användare' sedan i morse."
    for_email: str | None = None  # someone else, by address
    school: object = None
    group: str = ""
    priority: str | None = None
    key: str | None = None
    resolved_on_call: bool = False


@dataclass
class Answer:
    status: int
    ticket: Ticket | None


def _tickets() -> int:
    return db.session.scalar(select(func.count(Ticket.id)))


def _newest() -> Ticket | None:
    return db.session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))


def _answer(status: int, before: int) -> Answer:
    db.session.rollback()  # read what the request committed
    return Answer(status, _newest() if _tickets() > before else None)


def via_web(ctx, person, ask: Ask) -> Answer:
    before = _tickets()
    school = ask.school or next(m.school for m in person.groups)
    group = ask.group or next((m.group for m in person.groups if m.school_id == school.id), "")
    data = {"system": "login", "subject": ask.subject, "body": ask.body, "school": f"{school.id}:{group}",
            "idempotency_key": ask.key or "", "send": "1"}
    if ask.priority:
        data["priority"] = ask.priority  # not a field of the form: a crafted value must change nothing
    return _answer(ctx.login_as(person).post("/arenden/nytt", data=data).status_code, before)


def via_phone(ctx, person, ask: Ask) -> Answer:
    before = _tickets()
    data = {"system": "login", "priority": ask.priority or "normal", "subject": ask.subject, "summary": ask.body,
            "contact_email": ask.for_email or person.email, "idempotency_key": ask.key or "",
            "school": f"{ask.school.id}:{ask.group}" if ask.school else ""}
    if ask.resolved_on_call:
        data["resolved_on_call"] = "y"
    return _answer(ctx.login_as(person).post("/arbetsyta/samtal", data=data).status_code, before)


def via_api(ctx, person, ask: Ask) -> Answer:
    from support.accounts.service import issue_api_token

    before = _tickets()
    token = issue_api_token(person, "test")
    db.session.commit()
    body = {"subject": ask.subject, "body": ask.body, "system": "login"}
    if ask.for_email:
        body["requester_email"] = ask.for_email
    if ask.school:
        body["school"] = ask.school.slug
    if ask.priority:
        body["priority"] = ask.priority
    headers = {"Authorization": f"Bearer {token}"}
    if ask.key:
        headers["Idempotency-Key"] = ask.key
    return _answer(ctx.client.post("/api/v1/tickets", headers=headers, json=body).status_code, before)


def via_email(ctx, person, ask: Ask) -> Answer:
    before = _tickets()
    message = EmailMessage()
    message["From"] = f"{person.name} <{person.email}>"
    to = f"support+{ask.school.slug}@skolplattformen.example" if ask.school else "support@skolplattformen.example"
    message["To"] = to
    message["Subject"] = ask.subject
    message["Message-ID"] = ask.key or f"<{before}.{person.id}@example.com>"
    message.set_content(ask.body)
    inbound_id, _created = mail_service.store_raw(message.as_bytes(policy=email.policy.SMTP),
                                                  envelope_from=person.email, envelope_to=[to],
                                                  client_address="127.0.0.1")
    db.session.commit()
    mail_service.process(inbound_id)
    return _answer(250, before)


CHANNELS = {"web": via_web, "phone": via_phone, "api": via_api, "email": via_email}


@dataclass
class Context:
    client: object
    login_as: object


@pytest.fixture
def ctx(client, login_as):
    return Context(client, login_as)


def _file(ctx, channel: str, person, ask: Ask) -> Answer:
    return CHANNELS[channel](ctx, person, ask)


# --- who may file for whom ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("channel", "refusal"), [
    ("phone", 404),  # a requester has no call form at all
    ("api", 403),
])
def test_a_requester_cannot_file_for_another_person(ctx, org, channel, refusal):
    answer = _file(ctx, channel, org.guardian_a, Ask(for_email=org.teacher.email))
    assert (answer.status, answer.ticket) == (refusal, None)


@pytest.mark.parametrize("channel", ["phone", "api"])
def test_a_requester_cannot_file_for_an_unknown_address_either(ctx, org, channel):
    answer = _file(ctx, channel, org.guardian_a, Ask(for_email="ny.person@example.org"))
    assert answer.ticket is None and answer.status in (403, 404)


@pytest.mark.parametrize(("channel", "refusal"), [("phone", 400), ("api", 403)])
def test_a_superuser_cannot_file_for_someone_of_another_school(ctx, org, channel, refusal):
    answer = _file(ctx, channel, org.superuser, Ask(for_email=org.teacher_hasselby.email))
    assert (answer.status, answer.ticket) == (refusal, None)
    allowed = _file(ctx, channel, org.superuser, Ask(for_email=org.teacher.email, school=org.ekbacka))
    assert allowed.ticket is not None and allowed.ticket.requester_id == org.teacher.id


# --- which schools ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("channel", ["web", "api"])
def test_a_requester_cannot_file_at_a_school_that_is_not_theirs(ctx, org, channel):
    answer = _file(ctx, channel, org.guardian_a, Ask(school=org.hasselby, group="guardian"))
    assert (answer.status, answer.ticket) == (400, None)


def test_a_superuser_cannot_file_a_call_at_another_school(ctx, org):
    answer = _file(ctx, "phone", org.superuser, Ask(for_email=org.teacher.email, school=org.hasselby))
    assert (answer.status, answer.ticket) == (400, None)


def test_anyone_may_write_to_a_schools_own_address(ctx, org):
    """The documented exception (policy `ticket.file_own_at`): support+<school>@ is public."""
    answer = _file(ctx, "email", org.guardian_a, Ask(school=org.hasselby))
    assert answer.ticket is not None and answer.ticket.school_id == org.hasselby.id


# --- limits -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("channel", ["web", "phone", "api"])
def test_the_subject_limit_is_the_same_everywhere(ctx, org, channel):
    person = org.agent if channel == "phone" else org.guardian_a
    target = org.guardian_a.email if channel == "phone" else None
    too_long = _file(ctx, channel, person, Ask(subject="a" * (MAX_SUBJECT + 1), for_email=target))
    assert (too_long.status, too_long.ticket) == (400, None)
    longest = _file(ctx, channel, person, Ask(subject="a" * MAX_SUBJECT, for_email=target))
    assert longest.ticket is not None and len(longest.ticket.subject) == MAX_SUBJECT


def test_a_mail_subject_is_cut_at_the_same_limit(ctx, org):
    answer = _file(ctx, "email", org.guardian_a, Ask(subject="a" * (MAX_SUBJECT + 50)))
    assert len(answer.ticket.subject) == MAX_SUBJECT


# --- idempotency is scoped to the person filing -------------------------------------------------------------------

@pytest.mark.parametrize(("channel", "first", "second"), [
    ("web", "guardian_a", "guardian_b"),
    ("phone", "agent", "agent2"),
    ("api", "guardian_a", "guardian_b"),
])
def test_one_key_from_one_person_is_one_ticket_from_two_people_two(ctx, org, channel, first, second):
    target = org.guardian_a.email if channel == "phone" else None
    one = _file(ctx, channel, getattr(org, first), Ask(key="nyckel-1", for_email=target))
    again = _file(ctx, channel, getattr(org, first), Ask(key="nyckel-1", for_email=target))
    other = _file(ctx, channel, getattr(org, second), Ask(key="nyckel-1", for_email=target))
    assert one.ticket is not None and again.ticket is None  # the same ticket, not a second one
    assert other.ticket is not None and other.ticket.id != one.ticket.id
    assert _tickets() == 2


def test_one_key_is_one_ticket_whichever_channel_the_same_person_uses(ctx, org):
    first = _file(ctx, "web", org.guardian_a, Ask(key="nyckel-1"))
    again = _file(ctx, "api", org.guardian_a, Ask(key="nyckel-1"))
    assert first.ticket is not None and again.ticket is None and again.status == 201


def test_the_same_mail_twice_is_one_ticket(ctx, org):
    first = _file(ctx, "email", org.guardian_a, Ask(key="<samma@example.com>"))
    again = _file(ctx, "email", org.guardian_a, Ask(key="<samma@example.com>"))
    assert first.ticket is not None and again.ticket is None


# --- choices only staff make --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("channel", "status", "made"), [
    ("web", 302, True),  # the form has no priority: the crafted value is ignored and the ticket is normal
    ("phone", 404, False),
    ("api", 400, False),
])
def test_a_requester_cannot_choose_a_priority(ctx, org, channel, status, made):
    answer = _file(ctx, channel, org.guardian_a, Ask(priority="urgent"))
    assert answer.status == status and (answer.ticket is not None) == made
    if made:
        assert answer.ticket.priority == "normal"


@pytest.mark.parametrize("channel", ["phone", "api"])
def test_staff_choose_a_priority(ctx, org, channel):
    answer = _file(ctx, channel, org.agent, Ask(priority="urgent", for_email=org.guardian_a.email))
    assert answer.ticket.priority == "urgent"


def test_only_staff_log_a_call_as_resolved_on_the_call(ctx, org):
    answer = _file(ctx, "phone", org.agent, Ask(resolved_on_call=True, for_email=org.guardian_a.email))
    assert answer.ticket.state == "resolved"
    refused = _file(ctx, "phone", org.guardian_a, Ask(resolved_on_call=True))
    assert (refused.status, refused.ticket) == (404, None)
    with pytest.raises(service.NotAllowed):
        service.file_ticket(Filing(channel="web", subject="Hej", body="Text", filed_by=org.guardian_a,
                                   resolved_on_call=True))


# --- what the service adds to the text ----------------------------------------------------------------------------

def test_the_callers_phone_number_is_noted_by_the_service(org):
    ticket = service.file_ticket(Filing(channel="phone", subject="Samtal", body="Ringde om BankID",
                                        filed_by=org.agent, contact_email="ny@example.org",
                                        contact_phone="070-123 45 67"))
    assert "070-123 45 67" in ticket.messages[0].body


def test_a_callers_number_goes_on_their_account_only_when_the_filer_may_file_for_them(org):
    with pytest.raises(service.NotAllowed):  # a superuser calling in for a guardian of another school
        service.file_ticket(Filing(channel="phone", subject="Samtal", body="Ringde", filed_by=org.superuser,
                                   contact_email=org.guardian_b.email, contact_phone="070-999 88 77"))
    assert org.guardian_b.phone in (None, "")
    service.file_ticket(Filing(channel="phone", subject="Samtal", body="Ringde", filed_by=org.agent,
                               contact_email=org.guardian_b.email, contact_phone="070-999 88 77"))
    assert org.guardian_b.phone == "070-999 88 77"


def test_an_article_the_requester_may_not_read_is_not_noted(org):
    ticket = service.file_ticket(Filing(channel="web", subject="Hej", body="Text", filed_by=org.guardian_a,
                                        read_article_id="finns-inte"))
    assert ticket.messages[0].body == "Text"


# --- one "Mina ärenden" for the page and the API ------------------------------------------------------------------

def test_followed_and_merged_tickets_show_on_the_page_and_in_the_api(ctx, org):
    from support.accounts.service import issue_api_token

    asked = service.file_ticket(Filing(channel="email", subject="Schemat saknas", body="Tomt", filed_by=org.guardian_a))
    duplicate = service.file_ticket(Filing(channel="web", subject="Schemat saknas igen", body="Fortfarande tomt",
                                           filed_by=org.guardian_a))
    for ticket in (asked, duplicate):
        service.add_participant(ticket, org.guardian_b)  # CC'd on the mail: follows the ticket
    service.merge(duplicate, into=asked, by=org.agent)
    token = issue_api_token(org.guardian_b, "test")
    owner_token = issue_api_token(org.guardian_a, "test")
    db.session.commit()
    page = ctx.login_as(org.guardian_b).get("/arenden").get_data(as_text=True)
    listed = ctx.client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}).get_json()
    owner_page = ctx.login_as(org.guardian_a).get("/arenden").get_data(as_text=True)
    owner_listed = ctx.client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {owner_token}"}).get_json()
    for shown, api_list in ((page, listed), (owner_page, owner_listed)):
        assert asked.display_number in shown and duplicate.display_number in shown
        assert {t["number"] for t in api_list["tickets"]} == {asked.number, duplicate.number}


# --- the service answers in the reader's language -----------------------------------------------------------------

def test_a_refusal_is_in_english_for_an_english_reader(ctx, org):
    from support.accounts.service import issue_api_token

    org.guardian_a.locale = "en"
    token = issue_api_token(org.guardian_a, "test")
    db.session.commit()
    response = ctx.client.post("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"},
                               json={"subject": "Help", "body": "Text", "school": org.hasselby.slug})
    assert response.get_json()["message"] == "Choose one of your own schools."
    response = ctx.client.post("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"},
                               json={"subject": "Help", "body": "Text", "priority": "urgent"})
    assert response.get_json()["fields"] == {"priority": "The priority is set by the support desk."}


# --- views by area --------------------------------------------------------------------------------------------

def test_the_ticket_pages_do_not_import_the_channels():
    """The requester pages live in the tickets area; the web form imports the ticket views, never the reverse."""
    import subprocess
    import sys

    code = ("import sys, support.tickets.views, support.tickets.requester_views; "
            "print(sorted(m for m in sys.modules if m.startswith('support.channels')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_requester_replies_through_the_one_reply_route(org, login_as):
    ticket = service.file_ticket(Filing(channel="web", subject="Hej", body="Text", filed_by=org.guardian_a))
    db.session.commit()
    client = login_as(org.guardian_a)
    assert client.post(f"/arenden/{ticket.number}/svar", data={"body": "Mer information"}).status_code == 302
    assert client.post(f"/arenden/{ticket.number}/svara", data={"body": "Igen"}).status_code == 404
    note = client.post(f"/arenden/{ticket.number}/svar", data={"kind": "internal", "body": "Smyg"})
    assert note.status_code == 404
    db.session.expire_all()
    assert [m.body for m in ticket.messages] == ["Text", "Mer information"]
