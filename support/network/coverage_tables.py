"""The coverage page's tables and charts, described once: the page, the CSV export and the charts read these."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from kb.labels import SCHOOL_FORM_LABELS, SYSTEM_LABELS
from support.network.charts import stacked_bars
from support.network.coverage import Coverage
from support.network.tables import Column, Table

SCHOOL_ROWS_ON_PAGE = 25
MISSING_ROWS_ON_PAGE = 50
CHART_BARS = 10


def _school_link(row) -> str:
    return url_for("network.school", slug=getattr(row, "slug", None) or row.school_slug)


def _forms(row) -> str:
    return ", ".join(str(SCHOOL_FORM_LABELS.get(form, form)) for form in row.forms)


def _school_columns(city: bool) -> list[Column]:
    columns = [Column("name", _l("Skola"), lambda row: row.name, link=_school_link)]
    if city:
        columns.append(Column("administration", _l("Förvaltning"), lambda row: row.administration_name))
    return columns + [Column("forms", _l("Skolformer"), _forms)]


def _figure_columns() -> list[Column]:
    return [
        Column("superusers", _l("Superanvändare"), lambda row: row.superusers, "int"),
        Column("staff", _l("Personal"), lambda row: row.staff, "int"),
        Column("per_100_staff", _l("Superanvändare per 100 i personalen"),
               lambda row: row.superusers_per_100_staff, "decimal"),
        Column("tickets", _l("Ärenden"), lambda row: row.tickets, "int"),
        Column("resolved_at_tier1", _l("Lösta på nivå 1"), lambda row: row.resolved_at_tier1, "int"),
        Column("escalated", _l("Eskalerade från nivå 1"), lambda row: row.escalated, "int"),
        Column("median_first_response", _l("Median första svar (arbetstimmar)"),
               lambda row: row.median_first_response_hours, "decimal"),
    ]


def coverage_tables(report: Coverage) -> list[Table]:
    """Every table of the page, in page order; the city's page has one per administration too."""
    city = report.administration is None
    tables = [
        Table("skolformer", _l("Skolor utan aktiv superanvändare, per skolform"), [
            Column("form", _l("Skolform"), lambda row: str(SCHOOL_FORM_LABELS.get(row.key, row.key))),
            Column("schools", _l("Skolor"), lambda row: row.schools, "int"),
            Column("without", _l("Utan aktiv superanvändare"), lambda row: row.without_superuser, "int"),
            Column("share_without", _l("Andel utan"), lambda row: row.share_without, "percent"),
            Column("per_100_staff", _l("Superanvändare per 100 i personalen"),
                   lambda row: row.superusers_per_100_staff, "decimal"),
        ], report.by_form(), default_sort="-without",
            description=_l("En skola med flera skolformer räknas under var och en.")),
        Table("system", _l("Skolor utan superanvändare för systemet"), [
            Column("system", _l("System"), lambda row: str(SYSTEM_LABELS.get(row.key, row.key))),
            Column("without", _l("Skolor utan superanvändare för systemet"),
                   lambda row: row.without_superuser, "int"),
            Column("share_without", _l("Andel av skolorna"), lambda row: row.share_without, "percent"),
        ], report.by_system(), default_sort="-without",
            description=_l("En superanvändare täcker de system som angavs när hen utsågs.")),
    ]
    if city:
        tables.append(Table("forvaltningar", _l("Förvaltningar"), [
            Column("name", _l("Förvaltning"), lambda row: row.label,
                   link=lambda row: url_for("coverage.administration", slug=row.slug)),
            Column("schools", _l("Skolor"), lambda row: row.schools, "int"),
            Column("without", _l("Utan aktiv superanvändare"), lambda row: row.without_superuser, "int"),
            *_figure_columns(),
        ], report.by_administration(), default_sort="name"))
    tables += [
        Table("skolor", _l("Skolor och belastning"), _school_columns(city) + _figure_columns(), report.schools,
              default_sort="-tickets", page_rows=SCHOOL_ROWS_ON_PAGE,
              description=_l("Sorterad på ärenden visar tabellen de skolor som bär störst belastning.")),
        Table("utan-superanvandare", _l("Skolor utan aktiv superanvändare"), _school_columns(city) + [
            Column("staff", _l("Personal"), lambda row: row.staff, "int"),
            Column("tickets", _l("Ärenden"), lambda row: row.tickets, "int"),
        ], report.without_superuser, default_sort="name", page_rows=MISSING_ROWS_ON_PAGE,
            empty_text=_l("Alla skolor har minst en aktiv superanvändare.")),
        Table("risker", _l("Driftstarter utan utbildad superanvändare"), [
            Column("name", _l("Skola"), lambda row: row.school_name, link=_school_link),
            *([Column("administration", _l("Förvaltning"), lambda row: row.administration_name)] if city else []),
            Column("system", _l("System"), lambda row: str(SYSTEM_LABELS.get(row.system, row.system))),
            Column("live_on", _l("Driftstart"), lambda row: row.live_on, "date", descending_first=False),
            Column("days_left", _l("Dagar kvar"), lambda row: row.days_left, "int", descending_first=False),
            Column("wave", _l("Våg"), lambda row: row.wave),
        ], report.risks, default_sort="live_on",
            empty_text=_l("Inga driftstarter de närmaste veckorna saknar utbildad superanvändare.")),
    ]
    return tables


def coverage_charts(report: Coverage) -> dict:
    """The page's charts by the table that holds their figures: coverage per school form, and tier-1 resolution
    for the administrations (city) or the busiest schools (an administration)."""
    charts = {}
    forms = report.by_form()
    if forms:
        charts["skolformer"] = stacked_bars(
            "chart-forms", title=gettext("Skolor med och utan aktiv superanvändare, per skolform"),
            description=gettext("Liggande staplar, en per skolform. Samma siffror finns i tabellen om "
                                "skolformer."),
            labels=[str(SCHOOL_FORM_LABELS.get(row.key, row.key)) for row in forms],
            series=[(gettext("Med superanvändare"), [row.schools - row.without_superuser for row in forms]),
                    (gettext("Utan superanvändare"), [row.without_superuser for row in forms])])
    if report.administration is None:
        table = "forvaltningar"
        groups = [(row.label, row) for row in report.by_administration() if row.tickets]
        title = gettext("Ärenden per förvaltning: lösta på nivå 1, eskalerade och övriga")
        where = gettext("Samma siffror finns i tabellen om förvaltningar.")
    else:
        busiest = sorted((school for school in report.schools if school.tickets),
                         key=lambda school: -school.tickets)[:CHART_BARS]
        table = "skolor"
        groups = [(school.name, school) for school in busiest]
        title = gettext("De mest belastade skolorna: lösta på nivå 1, eskalerade och övriga ärenden")
        where = gettext("Samma siffror finns i tabellen om skolor och belastning.")
    if groups:
        charts[table] = stacked_bars(
            "chart-tickets", title=title, description=gettext("Liggande staplar, en per rad.") + " " + where,
            labels=[label for label, _row in groups],
            series=[(gettext("Lösta på nivå 1"), [row.resolved_at_tier1 for _label, row in groups]),
                    (gettext("Eskalerade från nivå 1"), [row.escalated for _label, row in groups]),
                    (gettext("Övriga"), [row.tickets - row.resolved_at_tier1 - row.escalated
                                        for _label, row in groups])])
    return charts
