"""The new-ticket form: routing by the chosen school, errors that keep input, double submits, suggestions and
deflections, prefilling from the knowledge base, and the receipt."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from support.channels.deflection import deflection_count
from support.channels.models import Deflection
from support.extensions import db
from support.tickets.models import Ticket
from tests.tickets import conftest as ticket_fixtures

# The organisation and ticket factory of the ticket tests.
org = ticket_fixtures.org
new_ticket = ticket_fixtures.new_ticket


def _form(**values):
    data = {"system": "login", "subject": "Kan inte logga in i appen",
            "body": "Jag får felet 'okänd användare' sedan i morse.", "idempotency_key": "nyckel-1", "send": "1"}
    data.update(values)
    return data


def _ticket_count() -> int:
    return db.session.scalar(select(func.count(Ticket.id)))


def test_form_offers_only_the_requesters_own_school(org, login_as):
    page = login_as(org.guardian_a).get("/arenden/nytt").get_data(as_text=True)
    assert "Ekbackaskolan" in page
    assert "Hässelbyskolan" not in page
    assert 'name="idempotency_key"' in page


def test_guardian_sends_a_ticket_and_gets_a_receipt(org, login_as):
    client = login_as(org.guardian_a)
    response = client.post("/arenden/nytt", data=_form(school=f"{org.ekbacka.id}:guardian"))
    assert response.status_code == 302
    ticket = db.session.scalar(select(Ticket))
    assert response.headers["Location"].endswith(f"/arenden/nytt/skickat/{ticket.number}")
    assert (ticket.channel, ticket.requester_id, ticket.tier, ticket.user_group) == ("web", org.guardian_a.id, 2,
                                                                                     "guardian")
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ticket.display_number in receipt
    assert "Servicedesk" in receipt
    assert "Vi svarar normalt senast" in receipt
    assert f"Vi har också skickat en bekräftelse till {org.guardian_a.email}" in receipt


def test_teachers_ticket_goes_to_the_schools_superusers(org, login_as):
    client = login_as(org.teacher)
    client.post("/arenden/nytt", data=_form(school=f"{org.ekbacka.id}:pedagogue"))
    ticket = db.session.scalar(select(Ticket))
    assert (ticket.tier, ticket.school_id) == (1, org.ekbacka.id)
    receipt = client.get(f"/arenden/nytt/skickat/{ticket.number}").get_data(as_text=True)
    assert "superanvändarna på Ekbackaskolan, som är första stöd för personal på skolan" in receipt


def test_a_guardians_ticket_routed_to_the_superusers_is_not_called_staff_support(org, login_as):
    from support.tickets.routing import create_rule

    create_rule(tier=1, user_group="guardian", system="attendance", description="Frånvaro hanteras på skolan")
    db.session.commit()
    client = login_as(org.guardian_a)
    client.post("/arenden/nytt", data=_form(school=f"{org.ekbacka.id}:guardian", system="attendance"))
    ticket = db.session.scalar(select(Ticket))
    assert (ticket.tier, ticket.user_group) == (1, "guardian")
    receipt = client.get(f"/arenden/nytt/skickat/{ticket.number}").get_data(as_text=True)
    assert "superanvändarna på Ekbackaskolan, som hjälper till med Skolplattformen på skolan" in receipt
    assert "personal" not in receipt


def test_a_person_in_two_roles_chooses_which_hat_they_wear(org, login_as, factory):
    both = factory.user("lars.p@example.com", "Lars Persson",
                        groups=["pedagogue:hasselbyskolan", "guardian:ekbackaskolan"])
    db.session.commit()
    client = login_as(both)
    page = client.get("/arenden/nytt").get_data(as_text=True)
    assert "Hässelbyskolan – som pedagog" in page
    assert "Ekbackaskolan – som vårdnadshavare" in page
    response = client.post("/arenden/nytt", data=_form())
    assert response.status_code == 400
    assert "Välj vilken skola frågan gäller." in response.get_data(as_text=True)
    client.post("/arenden/nytt", data=_form(school=f"{org.hasselby.id}:pedagogue"))
    ticket = db.session.scalar(select(Ticket))
    assert (ticket.tier, ticket.school_id, ticket.user_group) == (1, org.hasselby.id, "pedagogue")


def test_form_errors_keep_what_was_typed(org, login_as):
    response = login_as(org.guardian_a).post("/arenden/nytt", data=_form(subject="", system=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Skriv en kort rubrik." in page
    assert "Välj vad frågan gäller." in page
    assert "sedan i morse" in page
    assert _ticket_count() == 0


def test_a_school_that_is_not_the_requesters_is_refused(org, login_as):
    response = login_as(org.guardian_a).post("/arenden/nytt", data=_form(school=f"{org.hasselby.id}:guardian"))
    assert response.status_code == 400
    assert _ticket_count() == 0


def test_double_submit_creates_one_ticket(org, login_as):
    client = login_as(org.guardian_a)
    first = client.post("/arenden/nytt", data=_form(school=f"{org.ekbacka.id}:guardian"))
    second = client.post("/arenden/nytt", data=_form(school=f"{org.ekbacka.id}:guardian"))
    assert _ticket_count() == 1
    assert first.headers["Location"] == second.headers["Location"]


def test_dangerous_attachment_is_refused_and_the_text_is_kept(org, login_as):
    import io

    response = login_as(org.guardian_a).post(
        "/arenden/nytt", content_type="multipart/form-data",
        data=_form(school=f"{org.ekbacka.id}:guardian",
                   attachments=[(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200), "faktura.pdf")]))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "faktura.pdf kan inte bifogas" in page
    assert "Kan inte logga in i appen" in page
    assert _ticket_count() == 0


def test_new_ticket_form_needs_sign_in(client):
    response = client.get("/arenden/nytt")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.fixture
def article(app):
    article_model = getattr(pytest.importorskip("kb.models"), "Article", None)
    if article_model is None:
        pytest.skip("the knowledge base has no articles in this checkout")
    article = article_model(id="logga-in-appen", title="Logga in i appen", summary="Så loggar du in med BankID.",
                                body="Öppna appen och välj BankID.", status="published", visibility="public",
                                system="login")
    article.set_audiences(["guardian", "pedagogue", "student", "administrator"])
    db.session.add(article)
    db.session.commit()
    return article


def test_opening_a_suggestion_and_leaving_counts_as_a_deflection(org, login_as, article):
    client = login_as(org.guardian_a)
    response = client.get(f"/arenden/nytt/forslag/{article.id}?nyckel=formular-1&q=logga+in")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/kb/artikel/{article.id}")
    assert deflection_count() == 1
    assert deflection_count(article.id) == 1


def test_sending_the_form_after_opening_a_suggestion_is_no_deflection(org, login_as, article):
    client = login_as(org.guardian_a)
    client.get(f"/arenden/nytt/forslag/{article.id}?nyckel=formular-2&q=logga+in")
    client.post("/arenden/nytt", data=_form(school=f"{org.ekbacka.id}:guardian", idempotency_key="formular-2"))
    assert deflection_count() == 0
    assert db.session.scalar(select(Deflection.ticket_number)) == db.session.scalar(select(Ticket.number))


def test_hidden_article_cannot_be_opened_as_a_suggestion(org, login_as, article):
    article.visibility = "internal"
    article.set_audiences(["support"])
    db.session.commit()
    response = login_as(org.guardian_a).get(f"/arenden/nytt/forslag/{article.id}?nyckel=x")
    assert response.status_code == 404
    assert deflection_count() == 0


def test_suggestions_endpoint_answers_json_with_tracked_links(org, login_as, article, monkeypatch):
    import kb.service

    monkeypatch.setattr(kb.service, "suggest_articles", lambda user, text, limit=5: [
        {"id": article.id, "title": article.title, "summary": article.summary, "url": "/kb/artikel/x"}])
    data = login_as(org.guardian_a).get("/arenden/nytt/forslag?q=logga+in&nyckel=k1").get_json()
    assert data["articles"][0]["title"] == "Logga in i appen"
    assert "/arenden/nytt/forslag/logga-in-appen" in data["articles"][0]["url"]
    assert "nyckel=k1" in data["articles"][0]["url"]


def test_show_suggestions_step_works_without_javascript_and_keeps_input(org, login_as, article, monkeypatch):
    import kb.service

    monkeypatch.setattr(kb.service, "suggest_articles", lambda user, text, limit=5: [
        {"id": article.id, "title": article.title, "summary": article.summary, "url": "/kb/artikel/x"}])
    data = _form(body="Min text finns kvar")
    del data["send"]
    data["suggest"] = "1"
    response = login_as(org.guardian_a).post("/arenden/nytt", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Logga in i appen" in page
    assert "Min text finns kvar" in page
    assert _ticket_count() == 0


def test_prefill_from_the_knowledge_base_link(org, login_as, article):
    client = login_as(org.guardian_a)
    page = client.get(f"/arenden/nytt?q=bankid+fungerar+inte&artikel={article.id}").get_data(as_text=True)
    assert 'value="bankid fungerar inte"' in page
    assert "Logga in i appen" in page
    client.post("/arenden/nytt", data=_form(school=f"{org.ekbacka.id}:guardian", article_id=article.id))
    ticket = db.session.scalar(select(Ticket))
    assert f"/kb/artikel/{article.id}" in ticket.messages[0].body


def test_receipt_does_not_promise_a_mail_the_requester_turned_off(org, login_as):
    from support.tickets import notifications

    notifications.set_preference(org.guardian_a, "requester_created", False)
    db.session.commit()
    client = login_as(org.guardian_a)
    response = client.post("/arenden/nytt", data=_form(school=f"{org.ekbacka.id}:guardian"))
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tack! Ditt ärende är skickat" in receipt
    assert "Vi har också skickat en bekräftelse" not in receipt


def test_another_persons_form_key_creates_their_own_ticket(org, login_as):
    login_as(org.guardian_a).post("/arenden/nytt", data=_form(school=f"{org.ekbacka.id}:guardian"))
    response = login_as(org.guardian_b).post("/arenden/nytt", data=_form(school=f"{org.hasselby.id}:guardian"))
    assert response.status_code == 302
    assert _ticket_count() == 2
    assert login_as(org.guardian_b).get(response.headers["Location"]).status_code == 200
