"""Coverage pages: the figures on a small organisation, the sortable tables and their CSV, and the go-live risk."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

import pytest

from support.database import utcnow
from support.extensions import db
from support.network import coverage, rollout, service
from support.network.models import STOCKHOLM
from support.tickets import sla
from tests.conftest import login


def _client(app, person):
    client = app.test_client()
    assert login(client, person.email).status_code == 302
    return client


@pytest.fixture
def built(org, factory):
    """The network org plus Björkskolan (Bromma, preschool, no superuser) and three tickets of known shape:
    one resolved at tier 1 (answered after 2 h), one escalated by its superuser (answered after 4 h), one that went
    straight to the service desk from the school without a superuser."""
    from support.tickets import service as tickets

    bjork = factory.school("Björkskolan", slug="bjorkskolan", forms=("preschool",), administration=org.bromma)
    teacher = factory.user("ylva@example.com", "Ylva Björk", groups=["pedagogue:bjorkskolan"])
    db.session.commit()

    def ticket(requester, school, subject):
        made = tickets.file_ticket(tickets.Filing(subject=subject, body="Det går inte.", channel="web",
                                                  requester=requester, school=school, system="login"))
        db.session.flush()
        return made

    start = _business_morning(days_ago=7)
    solved = ticket(org.pedagogue, org.ekbacka, "Schemat visas inte")
    tickets.reply(solved, author=org.superuser_here, body="Prova att logga ut och in.", set_state="resolved")
    moved = ticket(org.administrator, org.ekbacka, "Frånvaron räknas fel")
    tickets.reply(moved, author=org.superuser_here, body="Jag tittar på det.")
    tickets.escalate(moved, by=org.superuser_here, reason="Felet gäller hela skolan.")
    desk = ticket(teacher, bjork, "Kan inte logga in")
    for made, hours in ((solved, 2), (moved, 4)):
        made.created_at = start
        made.first_response_at = start + timedelta(hours=hours)
    desk.created_at = start
    db.session.commit()
    return SimpleNamespace(org=org, bjork=bjork, teacher=teacher, solved=solved, moved=moved, desk=desk)


def _business_morning(days_ago: int):
    """09:00 Stockholm time on the latest business day at least `days_ago` days back (the SLA calendar's)."""
    calendar = sla.business_calendar()
    day = (utcnow() - timedelta(days=days_ago)).astimezone(STOCKHOLM).date()
    while not calendar.is_business_day(day):
        day -= timedelta(days=1)
    return datetime.combine(day, time(9, 0), tzinfo=STOCKHOLM).astimezone(UTC)


def _school(report, slug):
    return next(school for school in report.schools if school.slug == slug)


def test_a_school_without_a_superuser_is_counted_under_its_school_form(built):
    report = coverage.coverage(built.org.bromma)
    assert [school.slug for school in report.without_superuser] == ["bjorkskolan"]
    forms = {row.key: (row.schools, row.without_superuser) for row in report.by_form()}
    assert forms == {"preschool": (1, 1), "compulsory": (1, 0)}


def test_systems_nobody_covers_count_the_schools_missing_them(built):
    service.ensure_appointment(built.org.ekbacka, built.org.superuser_here, systems=["login"])
    service.ensure_appointment(built.org.ekbacka, built.org.superuser_here_2, systems=["login", "schedule"])
    db.session.commit()
    systems = {row.key: row.without_superuser for row in coverage.coverage(built.org.bromma).by_system()}
    assert systems["login"] == 1 and systems["schedule"] == 1  # only Björkskolan
    assert systems["assessment"] == 2  # Ekbackaskolan's superusers do not cover it either


def test_superusers_per_100_staff_count_pedagogues_and_administrators(built):
    ekbacka = _school(coverage.coverage(built.org.bromma), "ekbackaskolan")
    # Erik, Peter, Karin and Olle work there (the guardian-teacher does not); Karin and Olle are superusers.
    assert (ekbacka.staff, ekbacka.superusers, ekbacka.superusers_per_100_staff) == (4, 2, 50.0)


def test_tickets_resolved_at_tier_1_and_escalated_are_counted_apart(built):
    report = coverage.coverage(built.org.bromma)
    ekbacka, bjork = _school(report, "ekbackaskolan"), _school(report, "bjorkskolan")
    assert (ekbacka.tickets, ekbacka.resolved_at_tier1, ekbacka.escalated) == (2, 1, 1)
    assert (bjork.tickets, bjork.resolved_at_tier1, bjork.escalated) == (1, 0, 0)
    assert (report.totals.resolved_at_tier1, report.totals.escalated) == (1, 1)


def test_the_median_first_response_is_per_school_and_leaves_out_unanswered_tickets(built):
    report = coverage.coverage(built.org.bromma)
    assert _school(report, "ekbackaskolan").median_first_response_hours == pytest.approx(3.0, abs=0.01)
    assert _school(report, "bjorkskolan").median_first_response_hours is None
    assert report.median_first_response_hours == pytest.approx(3.0, abs=0.01)


def test_the_median_first_response_counts_business_hours_not_the_night_or_the_weekend(built):
    # Sent at 16:00 on the last business day before a day off, answered at 09:00 on the next business day: one
    # business hour before closing plus one after opening (08–17 by default), not the night or the weekend between.
    calendar = sla.business_calendar()
    day = (utcnow() - timedelta(days=10)).astimezone(STOCKHOLM).date()
    while not calendar.is_business_day(day) or calendar.is_business_day(day + timedelta(days=1)):
        day -= timedelta(days=1)
    opened = datetime.combine(day, time(16, 0), tzinfo=STOCKHOLM)
    following = day + timedelta(days=2)
    while not calendar.is_business_day(following):
        following += timedelta(days=1)
    for made in (built.solved, built.moved):
        made.created_at = opened.astimezone(UTC)
        made.first_response_at = datetime.combine(following, time(9, 0), tzinfo=STOCKHOLM).astimezone(UTC)
    db.session.commit()
    report = coverage.coverage(built.org.bromma)
    assert _school(report, "ekbackaskolan").median_first_response_hours == pytest.approx(2.0, abs=0.01)
    assert report.median_first_response_hours == pytest.approx(2.0, abs=0.01)


def test_tickets_older_than_the_period_are_left_out(built):
    built.solved.created_at = utcnow() - timedelta(days=40)
    db.session.commit()
    assert _school(coverage.coverage(built.org.bromma, 30), "ekbackaskolan").tickets == 1
    assert _school(coverage.coverage(built.org.bromma, 90), "ekbackaskolan").tickets == 2


def test_an_administration_sees_only_its_own_schools_and_the_city_all(built):
    assert {s.slug for s in coverage.coverage(built.org.bromma).schools} == {"ekbackaskolan", "bjorkskolan"}
    city = coverage.coverage(None)
    assert {s.slug for s in city.schools} == {"ekbackaskolan", "bjorkskolan", "hasselbyskolan"}
    assert {row.label: row.schools for row in city.by_administration()} == {"Bromma": 2, "Hässelby-Vällingby": 1}


def test_the_figures_take_the_same_few_queries_for_many_schools(built, factory, app):
    from sqlalchemy import event

    def count_queries():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            coverage.coverage(None)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    few = count_queries()
    for number in range(30):
        factory.school(f"Extraskolan {number}", administration=built.org.bromma)
    db.session.commit()
    assert count_queries() == few


# --- the pages -------------------------------------------------------------------------------------------------

def test_a_coordinator_sees_their_administrations_coverage_page(app, built):
    page = _client(app, built.org.coordinator_here).get("/natverket/tackning/bromma").get_data(as_text=True)
    assert "Täckning: Bromma" in page and "Björkskolan" in page
    assert "Hässelbyskolan" not in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="chart-forms"' in page and 'role="img"' in page


def test_the_city_link_takes_a_coordinator_to_their_own_administration(app, built):
    response = _client(app, built.org.coordinator_here).get("/natverket/tackning")
    assert response.status_code == 302 and response.headers["Location"].endswith("/natverket/tackning/bromma")


def test_the_city_page_lists_every_administration_for_an_agent(app, built):
    page = _client(app, built.org.agent).get("/natverket/tackning").get_data(as_text=True)
    assert "Täckning i staden" in page and "Bromma" in page and "Hässelby-Vällingby" in page
    assert 'id="chart-tickets"' in page  # the per-administration ticket chart


def test_the_charts_carry_a_text_alternative_and_nothing_the_csp_would_block(app, built):
    page = _client(app, built.org.agent).get("/natverket/tackning").get_data(as_text=True)
    svg = page[page.index('id="chart-forms"'):page.index("</svg>", page.index('id="chart-forms"'))]
    assert 'aria-labelledby="chart-forms-title chart-forms-desc"' in svg
    assert '<title id="chart-forms-title">' in svg and '<desc id="chart-forms-desc">' in svg
    assert "<style" not in svg and "<script" not in svg and "style=" not in svg


def _rows(table_html: str) -> list[str]:
    return [part.split("</th>")[0].split(">")[-2].split("<")[0] if "<a " in part.split("</th>")[0]
            else part.split("</th>")[0].split(">")[-1] for part in table_html.split('<th scope="row">')[1:]]


def _table(page: str, key: str) -> str:
    start = page.index(f'<h2 id="{key}">')
    return page[start:page.index("</table>", start)]


def test_a_table_sorts_by_the_column_asked_for_and_marks_it_with_aria_sort(app, built):
    client = _client(app, built.org.coordinator_here)
    default = _table(client.get("/natverket/tackning/bromma").get_data(as_text=True), "skolor")
    assert _rows(default) == ["Ekbackaskolan", "Björkskolan"]  # most tickets first
    assert 'aria-sort="descending"' in default
    by_name = _table(client.get("/natverket/tackning/bromma?skolor=name").get_data(as_text=True), "skolor")
    assert _rows(by_name) == ["Björkskolan", "Ekbackaskolan"]
    assert by_name.count("aria-sort=") == 1 and 'aria-sort="ascending"' in by_name
    assert "?skolor=-name#skolor" in by_name  # clicking again turns the order


@pytest.mark.parametrize("nonsense", ["skolor=%00", "skolor=-", "skolor=-nope", "dagar=-5", "dagar=99999999999999",
                                      "dagar=abc", "skolor=" + "x" * 5000])
def test_nonsense_in_the_query_is_the_default_order_not_an_error(app, built, nonsense):
    response = _client(app, built.org.coordinator_here).get(f"/natverket/tackning/bromma?{nonsense}")
    assert response.status_code in (200, 400)


def test_the_csv_export_parses_with_a_header_row_in_the_pages_order(app, built):
    response = _client(app, built.org.coordinator_here).get("/natverket/tackning/bromma/csv/skolor?skolor=name")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="tackning-bromma-skolor.csv"'
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Skola", "Skolformer", "Superanvändare"]
    assert [row[0] for row in rows[1:]] == ["Björkskolan", "Ekbackaskolan"]
    ekbacka = dict(zip(rows[0], rows[2], strict=True))
    assert ekbacka["Ärenden"] == "2" and ekbacka["Lösta på nivå 1"] == "1" and ekbacka["Eskalerade från nivå 1"] == "1"
    assert ekbacka["Median första svar (arbetstimmar)"] == "3.0"


@pytest.mark.parametrize("table", ["skolformer", "system", "forvaltningar", "skolor", "utan-superanvandare",
                                   "risker"])
def test_every_city_table_exports_as_csv(app, built, table):
    response = _client(app, built.org.admin).get(f"/natverket/tackning/csv/{table}")
    assert response.status_code == 200
    assert len(next(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))) >= 2


def test_an_unknown_table_is_not_found(app, built):
    assert _client(app, built.org.admin).get("/natverket/tackning/csv/nope").status_code == 404


def test_a_school_name_that_looks_like_a_formula_is_defused_in_the_csv(app, built, factory):
    factory.school("=HYPERLINK(\"http://x\")", slug="formel", administration=built.org.bromma)
    db.session.commit()
    body = _client(app, built.org.admin).get("/natverket/tackning/bromma/csv/skolor").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in body and "\n=HYPERLINK" not in body


# --- go-live risks ---------------------------------------------------------------------------------------------

def _go_live(school, system, days, by):
    rollout.set_rollout(school, system=system, live_on=service.today() + timedelta(days=days), wave="Våg 3",
                        by=by)
    db.session.commit()


def test_a_go_live_within_the_window_without_a_trained_superuser_is_a_risk(app, built):
    _go_live(built.org.ekbacka, "assessment", 14, built.org.admin)
    risks = coverage.coverage(built.org.bromma).risks
    assert [(risk.school_slug, risk.system, risk.days_left) for risk in risks] == [("ekbackaskolan", "assessment",
                                                                                    14)]
    page = _client(app, built.org.coordinator_here).get("/natverket/tackning/bromma").get_data(as_text=True)
    assert "Planering och bedömning" in _table(page, "risker")


def test_the_risk_goes_once_a_covering_superuser_has_done_the_deep_dive(built):
    _go_live(built.org.ekbacka, "assessment", 14, built.org.admin)
    service.record_training(built.org.superuser_here, module="system-deep-dive", system="assessment",
                            completed_on=service.today(), by=built.org.admin)
    db.session.commit()
    assert coverage.coverage(built.org.bromma).risks == []


def test_a_deep_dive_on_another_system_or_by_someone_not_covering_it_does_not_count(built):
    _go_live(built.org.ekbacka, "assessment", 14, built.org.admin)
    service.ensure_appointment(built.org.ekbacka, built.org.superuser_here, systems=["login"])
    service.record_training(built.org.superuser_here, module="system-deep-dive", system="assessment",
                            completed_on=service.today(), by=built.org.admin)
    service.record_training(built.org.superuser_here_2, module="system-deep-dive", system="schedule",
                            completed_on=service.today(), by=built.org.admin)
    db.session.commit()
    assert [risk.system for risk in coverage.coverage(built.org.bromma).risks] == ["assessment"]


def test_go_lives_beyond_the_window_or_already_live_are_no_risk(app, built):
    app.config["ROLLOUT_RISK_WEEKS"] = 6
    _go_live(built.org.ekbacka, "assessment", 43, built.org.admin)
    _go_live(built.org.ekbacka, "schedule", -1, built.org.admin)
    _go_live(built.org.ekbacka, "attendance", 42, built.org.admin)
    assert [risk.system for risk in coverage.coverage(built.org.bromma).risks] == ["attendance"]
    app.config["ROLLOUT_RISK_WEEKS"] = 2
    assert coverage.coverage(built.org.bromma).risks == []
