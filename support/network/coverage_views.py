"""Coverage pages (the city's and each administration's), their CSV exports, and the rollout form on a school's
network page. Each view asks the policy, calls the service and renders."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from support.extensions import db
from support.network import coverage as figures
from support.network import rollout
from support.network.coverage_tables import coverage_charts, coverage_tables
from support.network.forms import RolloutForm
from support.network.models import Rollout
from support.network.service import administrations
from support.network.views import render_school, saved
from support.orgs.models import Administration, School
from support.orgs.service import school_by_slug
from support.policy import can
from support.policy.network import administration_scope

bp = Blueprint("coverage", __name__)

PERIOD_PARAMETER = "dagar"


def _administration_or_404(slug: str) -> Administration:
    administration = db.session.scalar(select(Administration).where(Administration.slug == slug))
    if administration is None or not can(current_user, "network.coverage", administration):
        abort(404)
    return administration


def _report(administration: Administration | None) -> figures.Coverage:
    return figures.coverage(administration, figures.clean_period(request.args.get(PERIOD_PARAMETER)))


@bp.get("/natverket/tackning")
@login_required
def city():
    if not can(current_user, "network.city_coverage"):
        # A coordinator's way in is the same link: it leads to the (first) administration they coordinate.
        mine = administrations(administration_scope(current_user)) if can(current_user, "network.coverage") else []
        if not mine:
            abort(404)
        return redirect(url_for("coverage.administration", slug=mine[0].slug))
    return _render(None)


@bp.get("/natverket/tackning/<slug>")
@login_required
def administration(slug: str):
    return _render(_administration_or_404(slug))


@bp.get("/natverket/tackning/csv/<table>")
@login_required
def city_csv(table: str):
    if not can(current_user, "network.city_coverage"):
        abort(404)
    return _csv(None, table)


@bp.get("/natverket/tackning/<slug>/csv/<table>")
@login_required
def administration_csv(slug: str, table: str):
    return _csv(_administration_or_404(slug), table)


def _csv_path(administration: Administration | None, table: str) -> str:
    if administration is None:
        return url_for("coverage.city_csv", table=table)
    return url_for("coverage.administration_csv", slug=administration.slug, table=table)


def _render(administration: Administration | None):
    report = _report(administration)
    tables = [table.view(request.args, request.path, _csv_path(administration, table.key),
                         keep=(PERIOD_PARAMETER,))
              for table in coverage_tables(report)]
    return render_template(
        "network/coverage.html", report=report, administration=administration, tables=tables,
        charts=coverage_charts(report), periods=figures.PERIODS, period_parameter=PERIOD_PARAMETER,
        choices=administrations(administration_scope(current_user)),
        may_see_city=can(current_user, "network.city_coverage"))


def _csv(administration: Administration | None, key: str) -> Response:
    report = _report(administration)
    table = next((table for table in coverage_tables(report) if table.key == key), None)
    if table is None:
        abort(404)
    name = f"tackning-{administration.slug if administration else 'staden'}-{table.key}.csv"
    # The BOM tells Excel the file is UTF-8, so å, ä and ö survive a double-click.
    body = "\ufeff" + table.csv_text(request.args)
    return Response(body.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


# --- rollout on a school's network page ------------------------------------------------------------------------

def _school_for_rollout(slug: str) -> School:
    school = school_by_slug(slug)
    if school is None or not can(current_user, "network.edit_rollout", school):
        abort(404)
    return school


@bp.post("/natverket/skolor/<slug>/inforande")
@login_required
def save_rollout(slug: str):
    school = _school_for_rollout(slug)
    form = RolloutForm()
    if form.validate_on_submit() and saved(form, lambda: rollout.set_rollout(
            school, system=form.system.data, live_on=form.live_on.data, wave=form.wave.data,
            legacy_system=form.legacy_system.data, legacy_until=form.legacy_until.data, by=current_user),
            gettext("Införandet är sparat.")):
        return redirect(url_for("network.school", slug=school.slug) + "#rollout-heading")
    return render_school(school, rollout_form=form, status=400)


@bp.post("/natverket/skolor/<slug>/inforande/<int:rollout_id>/ta-bort")
@login_required
def remove_rollout(slug: str, rollout_id: int):
    school = _school_for_rollout(slug)
    row = db.session.get(Rollout, rollout_id)
    if row is None or row.school_id != school.id:
        abort(404)
    rollout.remove_rollout(row, by=current_user)
    db.session.commit()
    flash(gettext("Raden om införandet är borttagen."), "success")
    return redirect(url_for("network.school", slug=school.slug) + "#rollout-heading")
