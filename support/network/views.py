"""Pages of the superuser network: "Min skola" for everyone signed in, and the staff's directory of schools
with appointments and training. Each view asks the policy, calls the service and renders."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from kb.labels import SYSTEM_LABELS
from support.accounts.service import find_user_by_email
from support.extensions import db
from support.network import rollout, service
from support.network.coverage import school_risks
from support.network.forms import TRAINING_LABELS, AbsenceForm, AppointForm, RolloutForm, TrainingForm
from support.network.models import Absence, Appointment
from support.orgs.models import School
from support.policy import can
from support.policy.network import administration_scope

bp = Blueprint("network", __name__)


def _labels() -> dict:
    return {"systems": SYSTEM_LABELS, "training": TRAINING_LABELS}


def saved(form, change, message: str) -> bool:
    """Run `change` (a service call): on a NetworkError roll back and keep the form with the reason shown, else
    commit and flash `message`. The view redirects when it returns True and shows the form again otherwise."""
    try:
        change()
    except service.NetworkError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return False
    db.session.commit()
    flash(message, "success")
    return True


def _school_or_404(slug: str) -> School:
    return db.session.scalar(select(School).where(School.slug == slug)) or abort(404)


# --- Min skola -------------------------------------------------------------------------------------------------

def _absence_form(user) -> AbsenceForm:
    form = AbsenceForm()
    form.stand_in.choices = [SelectChoice("", gettext("Ingen ersättare"))] + [
        SelectChoice(str(person.id), person.name) for person in service.stand_in_candidates(user)]
    return form


@bp.get("/min-skola")
@login_required
def my_school():
    if not can(current_user, "network.my_school"):
        abort(403)
    schools = service.schools_of(current_user)
    chosen = next((s for s in schools if s.slug == request.args.get("skola")), schools[0] if schools else None)
    return _render_my_school(schools, chosen, _absence_form(current_user))


def _render_my_school(schools, chosen, absence_form, status: int = 200):
    may_see = chosen is not None and can(current_user, "network.see_superusers", chosen)
    may_set = can(current_user, "network.set_availability", current_user)
    return render_template(
        "network/my_school.html", schools=schools, school=chosen, may_see_superusers=may_see,
        entries=service.directory(chosen) if may_see else [],
        support_address=service.support_address(chosen) if may_see else "",
        may_set_availability=may_set, absence_form=absence_form,
        absences=service.absences_of(current_user) if may_set else [], labels=_labels(),
    ), status


@bp.post("/min-skola/franvaro")
@login_required
def mark_away():
    if not can(current_user, "network.set_availability", current_user):
        abort(403)
    form = _absence_form(current_user)
    if form.validate_on_submit():
        stand_in = next((p for p in service.stand_in_candidates(current_user) if str(p.id) == form.stand_in.data),
                        None)
        if saved(form, lambda: service.mark_away(current_user, starts_on=form.starts_on.data,
                                                 ends_on=form.ends_on.data, stand_in=stand_in),
                 gettext("Din frånvaro är sparad. Under den tiden går nya ärenden till skolans andra "
                         "superanvändare, eller till servicedesken om ingen annan finns.")):
            return redirect(url_for("network.my_school"))
    schools = service.schools_of(current_user)
    return _render_my_school(schools, schools[0] if schools else None, form, 400)


@bp.post("/min-skola/franvaro/<int:absence_id>/ta-bort")
@login_required
def end_absence(absence_id: int):
    absence = db.session.get(Absence, absence_id)
    if absence is None or not can(current_user, "network.set_availability", absence.user):
        abort(404)
    service.end_absence(absence, by=current_user)
    db.session.commit()
    flash(gettext("Frånvaron är borttagen. Du får nya ärenden igen."), "success")
    return redirect(url_for("network.my_school"))


# --- the staff's directory -------------------------------------------------------------------------------------

@bp.get("/natverket/skolor")
@login_required
def schools():
    if not can(current_user, "network.browse"):
        abort(403)
    choices = service.administrations(administration_scope(current_user))
    chosen = next((a for a in choices if a.slug == request.args.get("forvaltning")), None)
    if chosen is None and len(choices) == 1:
        chosen = choices[0]
    query = (request.args.get("q") or "")[:100]
    found = service.find_schools(chosen, query) if chosen else []
    return render_template("network/schools.html", administrations=choices, administration=chosen, q=query,
                           schools=found, counts=service.superuser_counts(found))


@bp.get("/natverket/skolor/<slug>")
@login_required
def school(slug: str):
    school = _school_or_404(slug)
    if not can(current_user, "network.see_superusers", school) or not can(current_user, "network.browse"):
        abort(404)
    return render_school(school)


def render_school(school: School, appoint_form=None, training_form=None, training_for=None, rollout_form=None,
                  status: int = 200):
    """The school's network page; a refused form comes back with what was typed and why."""
    records = can(current_user, "network.see_records", school)
    manage = can(current_user, "network.appoint", school)
    see_rollout = can(current_user, "network.see_rollout", school)
    rollouts = rollout.rollouts_of(school) if see_rollout else []
    return render_template(
        "network/school.html", school=school, entries=service.directory(school, with_training=records),
        may_see_records=records, may_manage=manage, appoint_form=appoint_form or AppointForm(formdata=None),
        training_forms=_training_forms(school, training_form, training_for),
        history=service.history(school) if records else [], support_address=service.support_address(school),
        refresher_months=service.refresher_months(), labels=_labels(),
        may_see_rollout=see_rollout, may_edit_rollout=can(current_user, "network.edit_rollout", school),
        rollouts=rollouts, risks=school_risks(school) if see_rollout else [], today=service.today(),
        risk_weeks=rollout.risk_weeks(), rollout_form=rollout_form or _rollout_form(rollouts),
        wave_names=rollout.wave_names() if see_rollout else [],
    ), status


def _rollout_form(rollouts) -> RolloutForm:
    """Empty, or filled with the line the person chose to change (`?inforande=<system>`)."""
    chosen = next((row for row in rollouts if row.system == request.args.get("inforande")), None)
    return RolloutForm(formdata=None, obj=chosen)


def _training_forms(school: School, failed: TrainingForm | None, failed_for: int | None) -> dict[int, TrainingForm]:
    """One training form per superuser, each with its own field ids; a refused one keeps what was typed."""
    return {person.id: failed if failed is not None and person.id == failed_for
            else TrainingForm(formdata=None, prefix=f"utb{person.id}")
            for person in service.school_superusers(school)}


@bp.post("/natverket/skolor/<slug>/utse")
@login_required
def appoint(slug: str):
    school = _school_or_404(slug)
    if not can(current_user, "network.appoint", school):
        abort(404)
    form = AppointForm()
    if form.validate_on_submit():
        person = find_user_by_email(form.email.data)
        if person is None:
            form.form_errors.append(gettext("Det finns ingen användare med den e-postadressen."))
        elif saved(form, lambda: service.appoint(school, person, systems=form.systems.data, by=current_user),
                   gettext("%(name)s är utsedd till superanvändare.", name=person.name)):
            return redirect(url_for("network.school", slug=school.slug))
    return render_school(school, appoint_form=form, status=400)


@bp.post("/natverket/skolor/<slug>/uppdrag/<int:appointment_id>/avsluta")
@login_required
def remove(slug: str, appointment_id: int):
    school = _school_or_404(slug)
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.school_id != school.id or not can(current_user, "network.remove", school):
        abort(404)
    try:
        service.remove(appointment, by=current_user)
    except service.NetworkError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(gettext("Uppdraget som superanvändare är avslutat."), "success")
    return redirect(url_for("network.school", slug=school.slug))


@bp.post("/natverket/skolor/<slug>/personer/<int:user_id>/utbildning")
@login_required
def record_training(slug: str, user_id: int):
    school = _school_or_404(slug)
    if not can(current_user, "network.record_training", school):
        abort(404)
    person = next((entry.user for entry in service.directory(school) if entry.user.id == user_id), None)
    if person is None:
        abort(404)
    form = TrainingForm(prefix=f"utb{person.id}")
    if form.validate_on_submit() and saved(form, lambda: service.record_training(
            person, module=form.module.data, completed_on=form.completed_on.data, system=form.system.data,
            by=current_user, school=school),
            gettext("Utbildningen är registrerad för %(name)s.", name=person.name)):
        return redirect(url_for("network.school", slug=school.slug))
    return render_school(school, training_form=form, training_for=person.id, status=400)


@bp.get("/natverket/repetition")
@login_required
def refresher():
    if not can(current_user, "network.refresher_list"):
        abort(403)
    return render_template("network/refresher.html", due=service.due_for_refresher(administration_scope(current_user)),
                           refresher_months=service.refresher_months())

