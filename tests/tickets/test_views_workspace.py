"""The workspace: queues with counts of visible tickets only, filters, sorting, keyset pages and search."""

from __future__ import annotations

import re

from support.extensions import db
from support.tickets import service


def _count(page: str, label: str) -> int:
    match = re.search(re.escape(label) + r'</span> <span class="count">(\d+)', page)
    assert match, f"no count for {label}"
    return int(match.group(1))


def test_superuser_sees_their_schools_tickets_only(org, new_ticket, login_as):
    mine = new_ticket(org.teacher, subject="Ekbacka: schemat saknas")
    new_ticket(org.teacher_hasselby, subject="Hässelby: schemat saknas")
    new_ticket(org.guardian_a, subject="Vårdnadshavare: BankID")
    page = login_as(org.superuser).get("/arbetsyta?ko=my_schools").get_data(as_text=True)
    assert "Ekbacka: schemat saknas" in page
    assert mine.display_number in page
    assert "Hässelby: schemat saknas" not in page
    assert "Vårdnadshavare: BankID" not in page
    assert _count(page, "Mina skolor") == 1


def test_agent_works_the_tier_two_queue_with_correct_counts(org, new_ticket, login_as):
    new_ticket(org.guardian_a, subject="Första vårdnadshavarärendet")
    new_ticket(org.guardian_b, subject="Andra vårdnadshavarärendet")
    new_ticket(org.teacher, subject="Lärarens ärende på nivå 1")
    page = login_as(org.agent).get("/arbetsyta?ko=tier2").get_data(as_text=True)
    assert "Första vårdnadshavarärendet" in page
    assert "Andra vårdnadshavarärendet" in page
    assert "Lärarens ärende på nivå 1" not in page
    assert _count(page, "Servicedesk (nivå 2)") == 2
    assert _count(page, "Ej tilldelade") == 2


def test_mine_queue_shows_tickets_assigned_to_me(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a, subject="Tilldelat mig")
    new_ticket(org.guardian_b, subject="Inte tilldelat")
    service.assign(ticket, org.agent, by=org.agent)
    db.session.commit()
    page = login_as(org.agent).get("/arbetsyta?ko=mine").get_data(as_text=True)
    assert "Tilldelat mig" in page
    assert "Inte tilldelat" not in page
    assert _count(page, "Tilldelade mig") == 1


def test_the_workspace_opens_on_the_first_queue_with_work(org, new_ticket, login_as):
    new_ticket(org.guardian_a, subject="Ingen har tagit mig")
    page = login_as(org.agent).get("/arbetsyta").get_data(as_text=True)
    assert "Ingen har tagit mig" in page  # "Tilldelade mig" is empty, so the unassigned queue opens


def test_waiting_queue_lists_tickets_pending_on_the_requester(org, new_ticket, login_as):
    ticket = new_ticket(org.guardian_a, subject="Väntar på svar")
    new_ticket(org.guardian_b, subject="Pågår")
    service.change_state(ticket, "pending", by=org.agent)
    db.session.commit()
    page = login_as(org.agent).get("/arbetsyta?ko=waiting").get_data(as_text=True)
    assert "Väntar på svar" in page
    assert "Pågår" not in page


def test_filters_narrow_the_queue_and_keep_their_values(org, new_ticket, login_as):
    new_ticket(org.guardian_a, subject="Om schemat", system="schedule")
    new_ticket(org.guardian_b, subject="Om inloggning", system="login")
    page = login_as(org.agent).get("/arbetsyta?ko=tier2&system=schedule").get_data(as_text=True)
    assert "Om schemat" in page
    assert "Om inloggning" not in page
    assert '<option value="schedule" selected' in page


def test_sorting_by_priority_puts_urgent_first(org, new_ticket, login_as):
    new_ticket(org.guardian_a, subject="Vanligt ärende")
    new_ticket(org.guardian_b, subject="Brådskande ärende", priority="urgent")
    page = login_as(org.agent).get("/arbetsyta?ko=tier2&sortering=priority").get_data(as_text=True)
    assert page.index("Brådskande ärende") < page.index("Vanligt ärende")


def test_keyset_next_page_link_continues_the_queue(org, new_ticket, login_as, monkeypatch):
    from support.tickets import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    numbers = [new_ticket(org.guardian_a, subject=f"Ärende nummer {i}").number for i in range(5)]
    client = login_as(org.agent)
    seen = []
    url = "/arbetsyta?ko=tier2&sortering=oldest"
    for _ in range(5):
        page = client.get(url).get_data(as_text=True)
        seen += [int(n) for n in re.findall(r'<td class="num">#(\d+)</td>', page)]
        link = re.search(r'<p class="pager"><a href="([^"]+)"', page)
        if not link:
            break
        url = link.group(1).replace("&amp;", "&")
    assert seen == numbers


def test_search_finds_visible_tickets_by_text_and_number(org, new_ticket, login_as):
    hit = new_ticket(org.guardian_a, subject="Frånvaro", body="Frånvaroanmälan i appen visar fel dag")
    new_ticket(org.teacher, subject="Frånvaro", body="Frånvaroanmälan hos läraren")  # tier 1: not the agent's
    client = login_as(org.agent)
    page = client.get("/arbetsyta?q=fel+dag").get_data(as_text=True)
    assert hit.display_number in page
    page = client.get("/arbetsyta?q=läraren").get_data(as_text=True)
    assert "Inga ärenden matchar sökningen." in page
    page = client.get(f"/arbetsyta?q=%23{hit.number}").get_data(as_text=True)
    assert hit.display_number in page


def test_search_finds_tickets_by_the_requesters_name_email_or_phone_number(org, new_ticket, login_as):
    org.guardian_a.phone = "+46 70 123 45 67"
    db.session.commit()
    hers = new_ticket(org.guardian_a, subject="Appen startar inte")
    other = new_ticket(org.guardian_b, subject="Schemat saknas")
    client = login_as(org.agent)
    for query in ("Maria Svensson", "svensson", "maria@example.com", "070-123 45 67", "0701234567"):
        page = client.get("/arbetsyta", query_string={"q": query}).get_data(as_text=True)
        assert hers.display_number in page, query
        assert other.display_number not in page, query


def test_search_results_page_is_titled_by_the_search(org, login_as):
    client = login_as(org.agent)
    page = client.get("/arbetsyta", query_string={"q": "Svensson"}).get_data(as_text=True)
    assert "<title>Sökresultat för ”Svensson” – Arbetsyta – Skolsupport</title>" in page
    with client.session_transaction() as session:
        session["locale"] = "en"
    page = client.get("/arbetsyta", query_string={"q": "Svensson"}).get_data(as_text=True)
    assert "<title>Search results for “Svensson” – Workspace – Skolsupport</title>" in page


def test_superuser_finds_no_tickets_by_the_name_of_someone_they_may_not_look_up(org, login_as):
    # A caller without an account, filed at the superuser's school: the ticket is theirs to see, the person is no
    # one they may look up (nobody with a group or role at their school), so the name finds nothing.
    ticket = service.file_ticket(service.Filing(
        subject="Inloggningen hänger sig", body="Ringde om inloggningen.", channel="phone",
        contact_email="okand@example.org", contact_name="Ulla Okänd", filed_by=org.agent, school=org.ekbacka,
        system="login"))
    service.move_to_tier(ticket, 1, by=org.agent, reason="Skolans superanvändare hjälper till.", school=org.ekbacka)
    db.session.commit()
    assert ticket.tier == 1
    client = login_as(org.superuser)
    assert ticket.display_number in client.get("/arbetsyta", query_string={"q": "hänger"}).get_data(as_text=True)
    page = client.get("/arbetsyta", query_string={"q": "okand@example.org"}).get_data(as_text=True)
    assert ticket.display_number not in page
    page = login_as(org.admin).get("/arbetsyta", query_string={"q": "okand@example.org"}).get_data(as_text=True)
    assert ticket.display_number in page


def test_workspace_documents_keyboard_shortcuts(org, login_as):
    page = login_as(org.agent).get("/arbetsyta").get_data(as_text=True)
    assert "Kortkommandon" in page
    assert 'aria-keyshortcuts="/"' in page


def test_start_page_shows_queue_counts_to_staff(org, new_ticket, login_as):
    new_ticket(org.teacher)
    page = login_as(org.superuser).get("/").get_data(as_text=True)
    assert "Dina köer" in page
    assert "Mina skolor</a>: 1" in page


def test_navigation_shows_the_workspace_only_to_staff(org, login_as):
    assert "Arbetsyta" in login_as(org.agent).get("/").get_data(as_text=True)
    page = login_as(org.guardian_a).get("/").get_data(as_text=True)
    assert "Arbetsyta" not in page
    assert "Nytt ärende" in page


def test_ticket_opened_from_a_queue_links_to_its_neighbours_for_j_and_k(org, new_ticket, login_as):
    first = new_ticket(org.guardian_a, subject="Först")
    second = new_ticket(org.guardian_b, subject="Sedan")
    client = login_as(org.agent)
    queue_page = client.get("/arbetsyta?ko=tier2").get_data(as_text=True)
    assert f"/arenden/{first.number}?ko=tier2" in queue_page
    page = client.get(f"/arenden/{first.number}?ko=tier2").get_data(as_text=True)
    assert f'href="/arenden/{second.number}?ko=tier2" rel="next" aria-keyshortcuts="j"' in page
    assert 'rel="prev"' not in page
    assert 'href="/arbetsyta?ko=tier2" rel="up"' in page


def test_a_queue_of_one_ticket_says_ticket_not_tickets_in_english(org, new_ticket, login_as):
    new_ticket(org.guardian_a, subject="Bara ett ärende")
    agent = login_as(org.agent)
    agent.post("/sprak", data={"language": "en", "next": "/"})
    page = agent.get("/arbetsyta?ko=tier2").get_data(as_text=True)
    assert '1<span class="visually-hidden"> ticket</span>' in page
    assert "1<span class=\"visually-hidden\"> tickets</span>" not in page
