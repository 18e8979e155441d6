"""Announcements (driftinformation): the banner reaches exactly the people targeted, the status page and the Atom
feed show what they should, superusers get mail, the ticket form warns of a known incident, and ending an incident
answers its linked tickets."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import event, select

from support.database import utcnow
from support.extensions import db
from support.network import announcements
from support.network.announcement_models import Announcement, AnnouncementEvent
from support.outbox.models import OutgoingMail
from tests.conftest import login

ATOM = "{http://www.w3.org/2005/Atom}"


def _client(app, person):
    client = app.test_client()
    assert login(client, person.email).status_code == 302
    return client


def _publish(by, **fields) -> Announcement:
    values = {"kind": "incident", "title": "Inloggningen fungerar inte", "severity": "major",
              "starts_at": utcnow() - timedelta(minutes=5), "body": "Vi felsöker. **Försök igen** senare."}
    values.update(fields)
    announcement = announcements.publish(by=by, **values)
    db.session.commit()
    return announcement


def _page(client, path="/") -> str:
    return client.get(path).get_data(as_text=True)


def _mail_to(address: str) -> list[OutgoingMail]:
    return [mail for mail in db.session.scalars(select(OutgoingMail)) if address in mail.to_addrs]


# --- the banner ---------------------------------------------------------------------------------------------------

def test_the_banner_reaches_a_targeted_pedagogue_and_not_a_guardian_of_another_school_form(app, org, factory):
    factory.school("Solrosens förskola", slug="solrosen", forms=("preschool",), administration=org.bromma)
    preschool_guardian = factory.user(groups=["guardian:solrosen"])
    db.session.commit()
    _publish(org.agent, title="Frånvaroregistreringen är långsam", audiences=["pedagogue", "guardian"],
             school_forms=["compulsory"])
    assert "Frånvaroregistreringen är långsam" in _page(_client(app, org.pedagogue))
    assert "Frånvaroregistreringen är långsam" not in _page(_client(app, preschool_guardian))


def test_a_targeted_group_and_school_must_hold_for_the_same_place(app, org):
    # Lars is a teacher at Hässelby and a guardian at Ekbacka: a notice for Ekbacka's teachers is not his.
    _publish(org.agent, title="Schemat saknas för lärare", audiences=["pedagogue"], school_ids=[org.ekbacka.id])
    assert "Schemat saknas för lärare" in _page(_client(app, org.pedagogue))
    assert "Schemat saknas för lärare" not in _page(_client(app, org.teacher_and_guardian))


def test_anonymous_visitors_see_public_notices_for_everyone_or_the_group_they_chose(app, client, org):
    _publish(org.agent, title="Appen är nere för alla")
    _publish(org.agent, title="Vårdnadshavare kan inte se frånvaro", audiences=["guardian"])
    _publish(org.agent, title="Bara Ekbackaskolan", school_ids=[org.ekbacka.id])
    _publish(org.agent, title="Internt om servern", internal=True)
    home = _page(client)
    assert "Appen är nere för alla" in home
    assert "Vårdnadshavare kan inte se frånvaro" not in home and "Bara Ekbackaskolan" not in home
    assert "Internt om servern" not in home
    guardian_page = _page(client, "/kb/vardnadshavare")
    assert "Vårdnadshavare kan inte se frånvaro" in guardian_page and "Internt om servern" not in guardian_page


def test_a_staff_only_notice_shows_to_the_schools_superuser_but_not_its_teachers(app, org):
    _publish(org.agent, title="Planerad omstart av servern", internal=True, school_ids=[org.ekbacka.id])
    assert "Planerad omstart av servern" in _page(_client(app, org.superuser_here))
    assert "Planerad omstart av servern" not in _page(_client(app, org.pedagogue))


def test_a_notice_that_has_not_started_or_has_ended_is_not_in_the_banner(app, client, org):
    _publish(org.agent, title="Planerat underhåll i helgen", kind="change", severity="info",
             starts_at=utcnow() + timedelta(days=2), ends_at=utcnow() + timedelta(days=2, hours=4))
    ended = _publish(org.agent, title="Störningen som är över")
    announcements.end(ended, by=org.agent, note="Servern är omstartad.")
    db.session.commit()
    home = _page(client)
    assert "Planerat underhåll i helgen" not in home and "Störningen som är över" not in home


def test_reading_pages_with_a_banner_writes_nothing(app, client, org):
    _publish(org.agent, title="Appen är nere för alla")
    writes = []

    def count_writes(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", count_writes)
    try:
        for _ in range(3):
            assert "Appen är nere för alla" in _page(client)
    finally:
        event.remove(db.engine, "before_cursor_execute", count_writes)
    assert writes == []


def test_a_change_shows_in_the_banner_at_once_in_the_process_that_made_it(app, client, org):
    announcement = _publish(org.agent, title="Appen är nere för alla")
    assert "Appen är nere för alla" in _page(client)
    announcements.edit(announcement, by=org.agent, kind="incident", title="Appen fungerar delvis",
                       severity="minor", starts_at=announcement.starts_at)
    db.session.commit()
    home = _page(client)
    assert "Appen fungerar delvis" in home and "Appen är nere för alla" not in home


# --- the status page and the feed ---------------------------------------------------------------------------------

def test_the_status_page_shows_current_and_past_public_notices_and_staff_only_ones_only_to_staff(app, client, org):
    _publish(org.agent, title="Inloggningen fungerar inte")
    _publish(org.agent, title="Internt om servern", internal=True)
    over = _publish(org.agent, title="Schemat var försenat")
    announcements.end(over, by=org.agent, note="Schemat är uppdaterat.")
    db.session.commit()
    public = _page(client, "/driftinformation")
    assert "Inloggningen fungerar inte" in public and "Schemat var försenat" in public
    assert "Schemat är uppdaterat." in public and "Internt om servern" not in public
    assert "Internt om servern" not in _page(_client(app, org.guardian), "/driftinformation")
    assert "Internt om servern" in _page(_client(app, org.agent), "/driftinformation")


def test_a_staff_only_notice_is_not_found_by_others(app, client, org):
    internal = _publish(org.agent, title="Internt om servern", internal=True)
    assert client.get(f"/driftinformation/{internal.id}").status_code == 404
    assert _client(app, org.guardian).get(f"/driftinformation/{internal.id}").status_code == 404
    assert _client(app, org.superuser_here).get(f"/driftinformation/{internal.id}").status_code == 200


def test_the_feed_is_valid_atom_with_ids_and_updated_and_without_staff_only_notices(app, client, org):
    public = _publish(org.agent, title="Inloggningen fungerar inte", body="**Viktigt** & <script>alert(1)</script>")
    _publish(org.agent, title="Internt om servern", internal=True)
    response = client.get("/driftinformation.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)  # noqa: S314 - our own output
    assert root.tag == f"{ATOM}feed" and root.find(f"{ATOM}id").text and root.find(f"{ATOM}updated").text
    entries = root.findall(f"{ATOM}entry")
    assert [entry.find(f"{ATOM}title").text for entry in entries] == ["Driftstörning: Inloggningen fungerar inte"]
    entry = entries[0]
    assert entry.find(f"{ATOM}id").text.endswith(f"/driftinformation/{public.id}")
    assert entry.find(f"{ATOM}updated").text
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert "<strong>Viktigt</strong> &amp;" in content.text and "<script" not in content.text  # sanitised
    assert "Internt om servern" not in response.get_data(as_text=True)


def test_an_empty_feed_is_still_valid_atom(client, org):
    root = ET.fromstring(client.get("/driftinformation.atom").data)  # noqa: S314 - our own output
    assert root.find(f"{ATOM}updated").text and not root.findall(f"{ATOM}entry")


# --- the staff pages ----------------------------------------------------------------------------------------------

def _form(**overrides) -> dict:
    data = {"kind": "incident", "title": "Frånvaro går inte att registrera", "severity": "major",
            "starts_at": "2026-12-03T08:00", "ends_at": "", "body": "Vi felsöker.", "schools": ""}
    data.update(overrides)
    return data


def test_an_agent_publishes_changes_and_ends_an_announcement_with_history(app, org):
    agent = _client(app, org.agent)
    response = agent.post("/driftinformation/ny", data=_form(audiences=["pedagogue"], systems=["attendance"],
                                                             schools="Ekbackaskolan"))
    assert response.status_code == 302
    announcement = db.session.scalar(select(Announcement))
    assert announcement.school_ids == [org.ekbacka.id] and announcement.systems == ["attendance"]
    assert announcement.starts_at.hour == 7  # 08:00 in Stockholm is 07:00 UTC in December
    assert agent.post(f"/driftinformation/{announcement.id}/andra",
                      data=_form(title="Frånvaro går långsamt", severity="minor")).status_code == 302
    assert agent.post(f"/driftinformation/{announcement.id}/avsluta",
                      data={"resolution_note": "Databasen är omstartad."}).status_code == 302
    page = _page(agent, f"/driftinformation/{announcement.id}")
    assert "Frånvaro går långsamt" in page and "Databasen är omstartad." in page
    kinds = [e.kind for e in db.session.scalars(select(AnnouncementEvent).order_by(AnnouncementEvent.id))]
    assert kinds == ["published", "edited", "ended"]
    assert "Frånvaro går inte att registrera → Frånvaro går långsamt" in page


def test_the_form_keeps_what_was_typed_when_a_school_is_unknown(app, org):
    response = _client(app, org.agent).post("/driftinformation/ny", data=_form(schools="Finnsinteskolan"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Hittar ingen skola som heter: Finnsinteskolan" in page and "Frånvaro går inte att registrera" in page
    assert db.session.scalar(select(Announcement)) is None


def test_an_end_before_the_start_is_refused_with_a_message(app, org):
    response = _client(app, org.agent).post("/driftinformation/ny", data=_form(ends_at="2026-12-03T07:00"))
    assert response.status_code == 400 and "Slutet måste vara efter början." in response.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["0001-01-01T00:00", "9999-12-31T23:59", "2026-13-45T99:99", "nu"])
def test_an_impossible_start_is_refused_with_a_message(app, org, typed):
    response = _client(app, org.agent).post("/driftinformation/ny", data=_form(starts_at=typed))
    assert response.status_code == 400 and db.session.scalar(select(Announcement)) is None


@pytest.mark.parametrize("who", ["guardian", "pedagogue", "superuser_here", "coordinator_here", "kb_editor"])
def test_only_the_service_desk_reaches_the_publishing_forms(app, org, who):
    announcement = _publish(org.agent)
    client = _client(app, getattr(org, who))
    assert client.get("/driftinformation/ny").status_code == 404
    assert client.post("/driftinformation/ny", data=_form()).status_code == 404
    assert client.post(f"/driftinformation/{announcement.id}/avsluta",
                       data={"resolution_note": "Klart"}).status_code == 404
    assert db.session.get(Announcement, announcement.id).resolved_at is None


def test_anonymous_visitors_are_sent_to_sign_in_from_the_forms(client, org):
    assert client.get("/driftinformation/ny").status_code == 302


@pytest.mark.parametrize("path", ["/driftinformation/999", "/driftinformation/999/andra",
                                  "/driftinformation/999/avsluta"])
def test_a_missing_announcement_is_a_404(app, org, path):
    assert _client(app, org.agent).get(path).status_code == 404


def test_the_menu_shows_driftinformation_to_staff(app, org):
    for who in (org.agent, org.superuser_here):
        assert 'href="/driftinformation">Driftinformation</a></li>' in _page(_client(app, who))
    assert 'href="/driftinformation">Driftinformation</a></li>' not in _page(_client(app, org.pedagogue))


def test_the_status_page_reads_in_english(app, client, org):
    _publish(org.agent, title="Inloggningen fungerar inte", kind="change", severity="critical")
    client.post("/sprak", data={"language": "en", "next": "/driftinformation"})
    page = _page(client, "/driftinformation")
    assert "Service status" in page and "Planned change" in page and "Critical" in page
    assert "Driftstörning" not in page and "Just nu" not in page


def test_another_process_sees_a_change_once_its_copy_is_checked_again(app, client, org):
    app.config["ANNOUNCEMENT_CACHE_SECONDS"] = 0
    announcement = _publish(org.agent, title="Appen är nere för alla")
    assert "Appen är nere för alla" in _page(client)
    # Another process changes the row: this process's commit hook does not fire, only the stamp tells.
    db.session.execute(Announcement.__table__.update().values(title="Appen fungerar igen",
                                                              updated_at=utcnow() + timedelta(seconds=1)))
    db.session.commit()
    assert announcement.id and "Appen fungerar igen" in _page(client)


# --- mail to the superusers ---------------------------------------------------------------------------------------

def test_publishing_mails_the_superusers_of_the_targeted_schools_in_their_language(app, org):
    org.superuser_here_2.locale = "en"
    db.session.commit()
    notice = _publish(org.agent, title="Inloggningen fungerar inte", school_ids=[org.ekbacka.id])
    [swedish] = _mail_to("karin@example.com")
    assert swedish.subject == "[Driftstörning] Inloggningen fungerar inte"
    assert "Hej Karin!" in swedish.body_text and f"/driftinformation/{notice.id}" in swedish.body_text
    [english] = _mail_to("olle@example.com")
    assert english.subject == "[Incident] Inloggningen fungerar inte" and "Hello Olle," in english.body_text
    assert _mail_to("jonas@example.com") == [] and _mail_to("erik@example.com") == []


def test_a_superuser_who_covers_other_systems_is_not_mailed(app, org):
    from support.network import service as network

    network.appoint(org.ekbacka, org.superuser_here, systems=["schedule"], by=org.admin)
    db.session.commit()
    _publish(org.agent, systems=["attendance"], school_ids=[org.ekbacka.id])
    assert _mail_to("karin@example.com") == [] and len(_mail_to("olle@example.com")) == 1


# --- the ticket form and linked tickets ---------------------------------------------------------------------------

def test_the_ticket_form_tells_of_an_active_incident_at_the_persons_school(app, org):
    incident = _publish(org.agent, title="Frånvaro går inte att registrera", systems=["attendance"],
                        school_ids=[org.ekbacka.id])
    page = _page(_client(app, org.pedagogue), "/arenden/nytt")
    assert "Det pågår en känd störning" in page
    assert f'href="/driftinformation/{incident.id}">Frånvaro går inte att registrera</a>' in page
    assert 'name="send"' in page  # they can still send
    assert "Det pågår en känd störning" not in _page(_client(app, org.superuser_other), "/arenden/nytt")


class _ShownIncidents(HTMLParser):
    """The incident titles the ticket form's notice shows: none while the notice is hidden, and no item it hides."""

    def __init__(self):
        super().__init__()
        self.titles: list[str] = []
        self._in_notice = self._notice_hidden = self._item_hidden = self._in_link = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("id") == "incident-notice":
            self._in_notice, self._notice_hidden = True, "hidden" in attrs
        elif self._in_notice and tag == "li":
            self._item_hidden = "hidden" in attrs
        elif self._in_notice and tag == "a":
            self._in_link = not (self._notice_hidden or self._item_hidden)

    def handle_endtag(self, tag):
        self._in_notice = self._in_notice and tag != "section"
        self._in_link = self._in_link and tag != "a"

    def handle_data(self, data):
        if self._in_link:
            self.titles.append(data)


def _shown_incidents(page: str) -> list[str]:
    parser = _ShownIncidents()
    parser.feed(page)
    return parser.titles


def test_the_ticket_form_shows_only_incidents_about_the_chosen_system_once_one_is_chosen(app, org):
    _publish(org.agent, title="Frånvaro går inte att registrera", systems=["attendance", "app"])
    _publish(org.agent, title="Schemat visar fel salar", systems=["schedule"])
    _publish(org.agent, title="Inloggningen fungerar inte")  # names no system: about them all
    client = _client(app, org.pedagogue)
    everything = ["Schemat visar fel salar", "Inloggningen fungerar inte", "Frånvaro går inte att registrera"]
    assert sorted(_shown_incidents(_page(client, "/arenden/nytt"))) == sorted(everything)

    page = client.post("/arenden/nytt", data={"system": "schedule", "subject": "Schemat", "suggest": "1",
                                              "school": str(org.ekbacka.id) + ":pedagogue"})
    assert sorted(_shown_incidents(page.get_data(as_text=True))) == ["Inloggningen fungerar inte",
                                                                      "Schemat visar fel salar"]


def test_the_ticket_form_hides_the_notice_when_no_incident_is_about_the_chosen_system(app, org):
    _publish(org.agent, title="Frånvaro går inte att registrera", systems=["attendance"])
    client = _client(app, org.pedagogue)
    page = client.post("/arenden/nytt", data={"system": "schedule", "subject": "", "send": "1",
                                              "school": str(org.ekbacka.id) + ":pedagogue"})
    assert page.status_code == 400  # sent without a subject: the form comes back with its errors
    assert _shown_incidents(page.get_data(as_text=True)) == []


def _guardian_ticket(person, subject: str):
    from support.tickets import service as tickets

    ticket = tickets.file_ticket(tickets.Filing(subject=subject, body="Det går inte.", channel="web", requester=person,
                                   school=None, system="attendance"))
    db.session.commit()
    return ticket


def test_an_agent_links_tickets_and_answers_them_all_when_the_incident_ends(app, org, factory):
    other_guardian = factory.user("nora@example.com", "Nora Berg", groups=["guardian:hasselbyskolan"])
    db.session.commit()
    first = _guardian_ticket(org.guardian, "Kan inte anmäla frånvaro")
    second = _guardian_ticket(other_guardian, "Frånvaron fungerar inte")
    incident = _publish(org.agent, title="Frånvaro går inte att registrera")
    agent = _client(app, org.agent)
    assert "Koppla ärendet" in _page(agent, f"/arenden/{first.number}")
    for ticket in (first, second):
        assert agent.post(f"/arenden/{ticket.number}/driftinformation",
                          data={"announcement": str(incident.id)}).status_code == 302
    assert f"#{first.number}" in _page(agent, f"/driftinformation/{incident.id}")
    before = {mail.id for mail in db.session.scalars(select(OutgoingMail))}
    response = agent.post(f"/driftinformation/{incident.id}/avsluta", follow_redirects=True, data={
        "resolution_note": "Frånvaron fungerar igen.", "reply": "Hej! Felet är åtgärdat, prova igen."})
    assert "2 kopplade ärenden besvarades" in response.get_data(as_text=True)
    db.session.expire_all()
    from support.tickets.models import Ticket

    for ticket in (first, second):
        reloaded = db.session.get(Ticket, ticket.id)
        assert reloaded.state == "resolved"
        assert reloaded.messages[-1].body == "Hej! Felet är åtgärdat, prova igen."
    new_mail = [mail for mail in db.session.scalars(select(OutgoingMail)) if mail.id not in before]
    assert {"maria@example.com", "nora@example.com"} <= {a for mail in new_mail for a in mail.to_addrs}


@pytest.mark.parametrize("who", ["guardian", "pedagogue", "superuser_here"])
def test_only_the_service_desk_links_a_ticket(app, org, who):
    ticket = _guardian_ticket(org.guardian, "Kan inte anmäla frånvaro")
    incident = _publish(org.agent)
    response = _client(app, getattr(org, who)).post(f"/arenden/{ticket.number}/driftinformation",
                                                    data={"announcement": str(incident.id)})
    assert response.status_code == 404
    assert announcements.linked_tickets(incident) == []


def test_linking_to_an_unknown_announcement_is_refused_without_an_error(app, org):
    ticket = _guardian_ticket(org.guardian, "Kan inte anmäla frånvaro")
    _publish(org.agent)
    response = _client(app, org.agent).post(f"/arenden/{ticket.number}/driftinformation",
                                            data={"announcement": "999"}, follow_redirects=True)
    assert response.status_code == 200 and "Välj driftinformationen" in response.get_data(as_text=True)
