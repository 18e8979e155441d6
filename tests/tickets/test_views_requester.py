"""The requester's pages: the ticket page without internal notes, replying, solving, reopening and rating."""

from __future__ import annotations

from datetime import timedelta

from support.extensions import db
from support.tickets import service


def test_requester_sees_their_ticket_without_internal_notes(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a, subject="Appen visar fel schema")
    service.reply(ticket, author=org.agent, body="Hemlig intern anteckning", internal=True)
    service.reply(ticket, author=org.agent, body="Hej! Prova att **logga ut** och in igen.")
    db.session.commit()
    client = login_as(org.guardian_a)
    page = client.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "Appen visar fel schema" in page
    assert "<strong>logga ut</strong>" in page
    assert "Hemlig intern anteckning" not in page
    assert "Intern anteckning" not in page


def test_staff_names_can_be_hidden_from_requesters(org, new_ticket, login_as, app):
    ticket = new_ticket(org.guardian_a)
    service.reply(ticket, author=org.agent, body="Vi tittar på det.")
    db.session.commit()
    app.config["HIDE_STAFF_NAMES"] = True
    page = login_as(org.guardian_a).get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "Sofia Holm" not in page
    assert "Vi tittar på det." in page


def test_script_in_a_message_is_not_rendered(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a, body="Hej <script>alert(1)</script> [länk](javascript:alert(2))")
    page = login_as(org.guardian_a).get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "javascript:alert" not in page


def test_email_body_is_shown_escaped_as_plain_text(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a, channel="email", body="Hej\n<b>inte fet</b>\n*inte kursiv*")
    page = login_as(org.guardian_a).get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "&lt;b&gt;inte fet&lt;/b&gt;" in page
    assert "*inte kursiv*" in page


def test_personal_identity_numbers_are_masked_on_the_page(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a, body="Mitt barns personnummer är 20120315-1236.")
    page = login_as(org.guardian_a).get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "20120315-1236" not in page
    assert "20120315-XXXX" in page


def test_requester_reply_is_added_and_shown(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    client = login_as(org.guardian_a)
    response = client.post(f"/arenden/{ticket.number}/svar", data={"body": "Det fungerar fortfarande inte."})
    assert response.status_code == 302
    page = client.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "Det fungerar fortfarande inte." in page


def test_empty_reply_shows_an_error_and_keeps_the_page(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    response = login_as(org.guardian_a).post(f"/arenden/{ticket.number}/svar", data={"body": "  "})
    assert response.status_code == 400
    assert "Skriv ett meddelande." in response.get_data(as_text=True)


def test_requester_can_add_an_attachment_with_a_reply_and_download_it(org, new_ticket, login_as):
    import io

    ticket = new_ticket(org.guardian_a)
    client = login_as(org.guardian_a)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = client.post(f"/arenden/{ticket.number}/svar", content_type="multipart/form-data",
                           data={"body": "Här är en skärmbild.", "attachments": [(io.BytesIO(png), "bild.png")]})
    assert response.status_code == 302
    db.session.expire_all()
    attachment = db.session.get(type(ticket), ticket.id).attachments[0]
    download = client.get(f"/arenden/{ticket.number}/bilagor/{attachment.id}")
    assert download.status_code == 200
    assert download.data == png
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_executable_attachment_is_refused_with_a_message_and_the_text_kept(org, new_ticket, login_as):
    import io

    ticket = new_ticket(org.guardian_a)
    response = login_as(org.guardian_a).post(
        f"/arenden/{ticket.number}/svar", content_type="multipart/form-data",
        data={"body": "Se filen", "attachments": [(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100), "bild.png")]})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "kan inte bifogas" in page
    assert "Se filen" in page


def test_requester_marks_ticket_solved_and_rates_it(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    client = login_as(org.guardian_a)
    assert client.post(f"/arenden/{ticket.number}/lost").status_code == 302
    page = client.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert "Vad tyckte du om hjälpen?" in page
    response = client.post(f"/arenden/{ticket.number}/betyg", data={"score": "4", "comment": "Snabbt svar"})
    assert response.status_code == 302
    db.session.expire_all()
    rated = service.ticket_by_number(ticket.number)
    assert (rated.state, rated.rating_score, rated.rating_comment) == ("resolved", 4, "Snabbt svar")
    assert "betyget 4 av 5" in client.get(f"/arenden/{ticket.number}").get_data(as_text=True)


def test_rating_without_a_score_shows_an_error_and_keeps_the_comment(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    client = login_as(org.guardian_a)
    client.post(f"/arenden/{ticket.number}/lost")
    response = client.post(f"/arenden/{ticket.number}/betyg", data={"comment": "Bra men långsamt"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Välj ett betyg mellan 1 och 5." in page
    assert "Bra men långsamt" in page


def test_an_open_ticket_cannot_be_rated(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    response = login_as(org.guardian_a).post(f"/arenden/{ticket.number}/betyg", data={"score": "5"})
    assert response.status_code == 404
    assert service.ticket_by_number(ticket.number).rating_score is None


def test_requester_reopens_within_seven_days(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    client = login_as(org.guardian_a)
    client.post(f"/arenden/{ticket.number}/lost")
    assert "Öppna ärendet igen" in client.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    assert client.post(f"/arenden/{ticket.number}/ateroppna").status_code == 302
    db.session.expire_all()
    assert service.ticket_by_number(ticket.number).state == "open"


def test_requester_cannot_reopen_after_seven_days(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a)
    client = login_as(org.guardian_a)
    client.post(f"/arenden/{ticket.number}/lost")
    db.session.expire_all()
    resolved = service.ticket_by_number(ticket.number)
    resolved.resolved_at = resolved.resolved_at - timedelta(days=8)
    db.session.commit()
    assert "Öppna ärendet igen" not in client.get(f"/arenden/{ticket.number}").get_data(as_text=True)
    response = client.post(f"/arenden/{ticket.number}/ateroppna", follow_redirects=True)
    assert "bara öppnas igen inom 7 dagar" in response.get_data(as_text=True)
    db.session.expire_all()
    assert service.ticket_by_number(ticket.number).state == "resolved"


def test_mina_arenden_lists_own_tickets_only(org, new_ticket, login_as):
    mine = new_ticket(org.guardian_a, subject="Mitt eget ärende")
    new_ticket(org.guardian_b, subject="Någon annans ärende")
    page = login_as(org.guardian_a).get("/arenden").get_data(as_text=True)
    assert "Mitt eget ärende" in page
    assert mine.display_number in page
    assert "Någon annans ärende" not in page


def test_start_page_shows_the_requesters_open_tickets(org, new_ticket, login_as):
    new_ticket(org.guardian_a, subject="Frånvaroanmälan fungerar inte")
    page = login_as(org.guardian_a).get("/").get_data(as_text=True)
    assert "Frånvaroanmälan fungerar inte" in page
    assert "Arbetsyta" not in page


def test_notification_preferences_are_toggled_on_the_profile_page(org, login_as):
    from support.tickets import notifications

    client = login_as(org.guardian_a)
    page = client.get("/profil").get_data(as_text=True)
    assert "E-postaviseringar om ärenden" in page
    assert 'value="requester_resolved" checked' in page
    response = client.post("/profil/aviseringar", data={"enabled": ["requester_created"]})
    assert response.status_code == 302
    db.session.expire_all()
    assert notifications.wants(org.guardian_a, "requester_created")
    assert not notifications.wants(org.guardian_a, "requester_resolved")
    assert 'value="requester_resolved" >' in client.get("/profil").get_data(as_text=True)


def test_staff_get_their_queue_notifications_as_choices(org, login_as):
    page = login_as(org.agent).get("/profil").get_data(as_text=True)
    assert "Nya ärenden i mina köer" in page
