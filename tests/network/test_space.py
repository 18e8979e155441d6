"""The network space: who may use it, a thread's life (ask, reply, notify, solve, search) and drafts for the KB."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.models import Article
from support.extensions import db
from support.network import space
from support.network.space_models import NetworkThread
from support.outbox.models import OutgoingMail
from support.tickets import notifications
from tests.conftest import login
from tests.network.conftest import ROLES

MEMBERS = {"superuser_here", "superuser_other", "agent", "kb_editor", "admin"}


def _client(app, person):
    client = app.test_client()
    if person is not None:
        assert login(client, person.email).status_code == 302
    return client


def _thread(org, author=None, **fields):
    values = {"title": "Frånvaro syns inte i appen", "body": "Vårdnadshavare ser inte **dagens** frånvaro.",
              "system": "attendance", **fields}
    thread = space.ask(author or org.superuser_here, **values)
    db.session.commit()
    return thread


def _reply(thread, author, body="Logga ut och in igen i appen."):
    post = space.reply(thread, author, body)
    db.session.commit()
    return post


def _mail_to(address: str, category: str = space.NOTIFICATION_CATEGORY) -> list[OutgoingMail]:
    return [mail for mail in db.session.scalars(select(OutgoingMail).where(OutgoingMail.category == category))
            if address in mail.to_addrs]


# --- access --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ROLES)
def test_only_superusers_and_desk_staff_see_the_space(app, org, who):
    thread = _thread(org)
    client = _client(app, getattr(org, who))
    for path in ("/natverket/fragor", f"/natverket/fragor/{thread.id}", "/natverket/fragor/ny"):
        response = client.get(path)
        if who == "anonymous":
            assert response.status_code == 302 and "/login" in response.location
        else:
            assert response.status_code == (200 if who in MEMBERS else 404), path


@pytest.mark.parametrize("who", ROLES)
def test_only_members_may_ask_or_reply(app, org, who):
    thread = _thread(org)
    client = _client(app, getattr(org, who))
    asked = client.post("/natverket/fragor/ny", data={"title": "Schemat laddar inte", "system": "schedule",
                                                      "body": "Tomt sedan i morse."})
    replied = client.post(f"/natverket/fragor/{thread.id}/svar", data={"body": "Samma här."})
    if who in MEMBERS:
        assert asked.status_code == 302 and replied.status_code == 302
    else:
        assert asked.status_code in (302, 404) and replied.status_code in (302, 404)
        assert db.session.scalar(select(NetworkThread).where(NetworkThread.title == "Schemat laddar inte")) is None
        assert thread.reply_count == 0


@pytest.mark.parametrize(("who", "allowed"), [
    ("superuser_here", True),  # the asker
    ("superuser_other", False),  # another superuser may answer but not decide what solved it
    ("agent", True), ("admin", True), ("kb_editor", False), ("pedagogue", False), ("guardian", False),
    ("anonymous", False),
])
def test_the_asker_and_the_desk_mark_the_answer(app, org, who, allowed):
    thread = _thread(org)
    post = _reply(thread, org.agent)
    response = _client(app, getattr(org, who)).post(f"/natverket/fragor/{thread.id}/svar/{post.id}/losning")
    db.session.refresh(thread)
    assert thread.is_solved is allowed
    assert response.status_code == 302 if allowed or who == "anonymous" else response.status_code == 404


@pytest.mark.parametrize(("who", "allowed"), [
    ("kb_editor", True), ("agent", True), ("admin", True), ("superuser_here", False), ("superuser_other", False),
    ("pedagogue", False), ("guardian", False),
])
def test_editors_and_the_desk_make_a_draft_article(app, org, who, allowed):
    thread = _thread(org)
    post = _reply(thread, org.agent)
    _client(app, getattr(org, who)).post(f"/natverket/fragor/{thread.id}/svar/{post.id}/artikelutkast")
    db.session.refresh(thread)
    assert (thread.kb_article_id is not None) is allowed


# --- the thread's life ---------------------------------------------------------------------------------------

def test_a_question_is_shown_with_its_markdown_rendered_and_scripts_removed(app, org):
    thread = _thread(org, body="Se **bilden** <script>alert(1)</script> [länk](javascript:alert(1))")
    page = _client(app, org.superuser_other).get(f"/natverket/fragor/{thread.id}").get_data(as_text=True)
    assert "<strong>bilden</strong>" in page
    assert "<script>alert" not in page and "javascript:" not in page


def test_a_refused_question_keeps_what_was_typed(app, org):
    response = _client(app, org.superuser_here).post(
        "/natverket/fragor/ny", data={"title": "Inloggningen", "system": "", "body": "BankID hänger sig."})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Välj vilket system frågan gäller." in page and "BankID hänger sig." in page


def test_a_reply_notifies_the_asker_and_earlier_repliers_but_not_the_replier(app, org):
    thread = _thread(org)
    _reply(thread, org.superuser_other)
    assert [mail.subject for mail in _mail_to("karin@example.com")] == [
        "Nytt svar i nätverket: Frånvaro syns inte i appen"]
    _client(app, org.agent).post(f"/natverket/fragor/{thread.id}/svar", data={"body": "Det är ett känt fel."})
    assert len(_mail_to("karin@example.com")) == 2 and len(_mail_to("jonas@example.com")) == 1
    assert _mail_to("sofia@example.com") == []
    assert "Det är ett känt fel." in _mail_to("jonas@example.com")[0].body_text


def test_someone_who_turned_network_mail_off_gets_none(app, org):
    notifications.set_preference(org.superuser_here, space.NOTIFICATION_CATEGORY, False)
    thread = _thread(org)
    _reply(thread, org.agent)
    assert _mail_to("karin@example.com") == []


def test_the_profile_lets_staff_turn_network_mail_off(app, org):
    page = _client(app, org.superuser_here).get("/profil").get_data(as_text=True)
    assert "Nya svar på frågor i nätverket där jag har skrivit" in page


def test_marking_the_answer_solves_the_thread_and_shows_which_reply_it_was(app, org):
    thread = _thread(org)
    _reply(thread, org.superuser_other, "Har du provat att starta om?")
    answer = _reply(thread, org.agent, "Det är ett känt fel som rättas i kväll.")
    client = _client(app, org.superuser_here)
    assert client.post(f"/natverket/fragor/{thread.id}/svar/{answer.id}/losning").status_code == 302
    page = client.get(f"/natverket/fragor/{thread.id}").get_data(as_text=True)
    assert page.count("Lösningen") == 1 and page.index("Lösningen") > page.index("Har du provat")
    assert space.answer_of(thread).id == answer.id


def test_search_finds_words_in_titles_questions_and_replies_and_filters_by_system(app, org):
    first = _thread(org)
    second = _thread(org, title="Schemat saknar lektioner", body="Tisdagen är tom.", system="schedule")
    _reply(second, org.agent, "Kontrollera importen från Skola24.")
    assert space.threads(query="skola24")[0] == [second]
    assert space.threads(query="frånvaro APPEN")[0] == [first]
    assert space.threads(system="schedule")[0] == [second]
    assert space.threads(query="100%")[0] == []
    page = _client(app, org.agent).get("/natverket/fragor?q=skola24").get_data(as_text=True)
    assert "Schemat saknar lektioner" in page and "Frånvaro syns inte" not in page


def test_lists_of_unanswered_and_solved_threads(app, org):
    unanswered = _thread(org)
    answered = _thread(org, title="Teams-länken saknas", system="teams")
    post = _reply(answered, org.agent)
    assert space.threads(which="unanswered")[0] == [unanswered]
    assert space.threads(which="solved")[0] == []
    space.mark_solved(answered, post, by=org.agent)
    db.session.commit()
    assert space.threads(which="solved")[0] == [answered]
    assert space.threads(which="unsolved")[0] == [unanswered]


def test_the_list_is_paged_newest_first(app, org):
    made = [_thread(org, title=f"Fråga nummer {number}") for number in range(space.PAGE_SIZE + 3)]
    client = _client(app, org.superuser_here)
    first = client.get("/natverket/fragor").get_data(as_text=True)
    assert f"Fråga nummer {len(made) - 1}<" in first and "Fråga nummer 2<" not in first
    assert f"fore={made[3].id}" in first
    second = client.get(f"/natverket/fragor?fore={made[3].id}").get_data(as_text=True)
    assert "Fråga nummer 2<" in second and "Fråga nummer 0<" in second


@pytest.mark.parametrize("path", ["/natverket/fragor/999999", "/natverket/fragor?fore=abc",
                                  "/natverket/fragor?visa=everything&system=fax"])
def test_odd_addresses_never_fail(app, org, path):
    _thread(org)
    assert _client(app, org.agent).get(path).status_code in (200, 404)


def test_a_reply_to_another_threads_post_is_not_found(app, org):
    thread = _thread(org)
    other = _thread(org, title="Annan fråga")
    post = _reply(other, org.agent)
    response = _client(app, org.admin).post(f"/natverket/fragor/{thread.id}/svar/{post.id}/losning")
    assert response.status_code == 404 and not thread.is_solved


# --- into the knowledge base ---------------------------------------------------------------------------------

def test_a_good_answer_becomes_an_internal_draft_article_that_links_back_and_the_thread_links_to_it(app, org):
    thread = _thread(org)
    answer = _reply(thread, org.agent, "Välj **Uppdatera** i appens meny.")
    client = _client(app, org.kb_editor)
    response = client.post(f"/natverket/fragor/{thread.id}/svar/{answer.id}/artikelutkast")
    db.session.refresh(thread)
    article = db.session.get(Article, thread.kb_article_id)
    assert response.status_code == 302 and response.location.endswith(f"/kb/redaktion/artikel/{article.id}")
    assert article.status == "draft" and article.visibility == "internal" and article.system == "attendance"
    assert set(article.audiences) == {"superuser", "support"}
    assert "Välj **Uppdatera**" in article.body and f"/natverket/fragor/{thread.id}" in article.body
    page = client.get(f"/natverket/fragor/{thread.id}").get_data(as_text=True)
    assert f"/kb/redaktion/artikel/{article.id}" in page and "Gör till artikelutkast" not in page
    # A superuser sees that a draft exists but gets no link into the editor.
    page = _client(app, org.superuser_here).get(f"/natverket/fragor/{thread.id}").get_data(as_text=True)
    assert "Ett artikelutkast har gjorts av frågan." in page and "/kb/redaktion/" not in page


def test_a_thread_makes_one_draft_only(app, org):
    thread = _thread(org)
    answer = _reply(thread, org.agent)
    space.make_draft(thread, by=org.kb_editor, post=answer)
    db.session.commit()
    with pytest.raises(space.SpaceError, match="redan ett artikelutkast"):
        space.make_draft(thread, by=org.kb_editor, post=answer)
