"""Admin pages of the ticket area: routing rules, SLA targets, business hours, canned responses, access log."""

from __future__ import annotations

from datetime import date, time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from support.accounts.models import USER_GROUPS
from support.extensions import db
from support.form_choices import CheckboxesField, select_choices
from support.orgs.service import school_by_name_or_slug, school_choices
from support.policy import can
from support.request_input import parse_int
from support.tickets import canned, routing, sla
from support.tickets import forms as ticket_labels
from support.tickets.models import CHANNELS, PRIORITIES, SYSTEMS, AccessLog, CannedResponse, RoutingRule

bp = Blueprint("tickets_admin", __name__)

WEEKDAY_LABELS = [lazy_gettext("Måndag"), lazy_gettext("Tisdag"), lazy_gettext("Onsdag"), lazy_gettext("Torsdag"),
                  lazy_gettext("Fredag"), lazy_gettext("Lördag"), lazy_gettext("Söndag")]


def _any(label):
    return [SelectChoice("", label)]


class RoutingRuleForm(FlaskForm):
    # The translated label tables of the ticket forms: the routing page reads in English too.
    position = IntegerField(lazy_gettext("Ordning"), default=100, validators=[InputRequired(), NumberRange(0, 9999)])
    user_group = SelectField(lazy_gettext("Användargrupp"),
                             choices=_any(lazy_gettext("Alla grupper")) + select_choices(
                                 (g, ticket_labels.GROUP_LABELS[g]) for g in USER_GROUPS))
    system = SelectField(lazy_gettext("System"), choices=_any(lazy_gettext("Alla system")) + select_choices(
        (s, ticket_labels.SYSTEM_LABELS[s]) for s in SYSTEMS))
    school = StringField(lazy_gettext("Skola"), validators=[Optional(), Length(max=160)])
    channel = SelectField(lazy_gettext("Kanal"), choices=_any(lazy_gettext("Alla kanaler")) + select_choices(
        (c, ticket_labels.CHANNEL_LABELS[c]) for c in CHANNELS))
    tier = SelectField(lazy_gettext("Till nivå"),
                       choices=select_choices((str(t), label) for t, label in ticket_labels.TIER_LABELS.items()))
    priority = SelectField(lazy_gettext("Sätt prioritet"), choices=_any(lazy_gettext("Ändra inte")) + select_choices(
        (p, ticket_labels.PRIORITY_LABELS[p]) for p in PRIORITIES))
    description = StringField(lazy_gettext("Beskrivning"), validators=[Optional(), Length(max=200)])
    active = BooleanField(lazy_gettext("Aktiv"), default=True)

    def validate_school(self, field):
        if field.data and school_by_name_or_slug(field.data) is None:
            raise ValidationError(gettext("Det finns ingen skola som heter %(name)s. Välj en skola i listan.",
                                          name=field.data))


class SlaForm(FlaskForm):
    pass


for _priority in PRIORITIES:
    setattr(SlaForm, f"{_priority}_first", DecimalField(
        lazy_gettext("Första svar (arbetstimmar)"), places=2, validators=[InputRequired(), NumberRange(0.1, 2000)]))
    setattr(SlaForm, f"{_priority}_resolution", DecimalField(
        lazy_gettext("Lösning (arbetstimmar)"), places=2, validators=[InputRequired(), NumberRange(0.1, 5000)]))


class BusinessHoursForm(FlaskForm):
    start = TimeField(lazy_gettext("Öppnar"), validators=[InputRequired()])
    end = TimeField(lazy_gettext("Stänger"), validators=[InputRequired()])
    weekdays = CheckboxesField(lazy_gettext("Arbetsdagar"), coerce=int,
                               choices=select_choices(enumerate(WEEKDAY_LABELS)))
    public_holidays = BooleanField(lazy_gettext("Svenska helgdagar är lediga"))
    closed_dates = TextAreaField(lazy_gettext("Extra lediga dagar (ett datum per rad, ÅÅÅÅ-MM-DD)"))

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(gettext("Stängningstiden måste vara efter öppningstiden."))

    def validate_weekdays(self, field):
        if not field.data:
            raise ValidationError(gettext("Välj minst en arbetsdag."))

    def validate_closed_dates(self, field):
        for line in (field.data or "").split():
            try:
                date.fromisoformat(line.strip())
            except ValueError as error:
                raise ValidationError(gettext("%(value)s är inte ett datum (ÅÅÅÅ-MM-DD).", value=line)) from error


class CannedResponseForm(FlaskForm):
    title = StringField(lazy_gettext("Rubrik"), validators=[DataRequired(), Length(max=120)])
    system = SelectField(lazy_gettext("Passar för system"), choices=_any(lazy_gettext("Alla system")) + select_choices(
        (s, routing.SYSTEM_LABELS[s]) for s in SYSTEMS))
    body = TextAreaField(lazy_gettext("Text"), validators=[DataRequired(), Length(max=10000)])
    active = BooleanField(lazy_gettext("Aktiv"), default=True)


def _placeholder_text() -> str:
    return ", ".join("{{ " + name + " }}" for name in canned.PLACEHOLDERS)


def _require(action: str) -> None:
    if not can(current_user, action):
        abort(404 if not current_user.is_authenticated else 403)


# --- routing ---------------------------------------------------------------------------------------------------

def _rule_from_form(form: RoutingRuleForm, rule: RoutingRule | None = None) -> RoutingRule:
    school = school_by_name_or_slug(form.school.data) if form.school.data else None
    values = dict(tier=parse_int(form.tier.data, minimum=1, maximum=3, default=2), position=form.position.data,
                  user_group=form.user_group.data or None,
                  system=form.system.data or None, school_id=school.id if school else None,
                  channel=form.channel.data or None, priority=form.priority.data or None,
                  description=(form.description.data or "").strip(), active=form.active.data)
    if rule is None:
        return routing.create_rule(**values)
    for key, value in values.items():
        setattr(rule, key, value)
    return rule


@bp.route("/admin/routning", methods=["GET", "POST"])
@login_required
def routing_rules():
    """The ordered routing rules and a form to add one."""
    _require("ticket.admin")
    form = RoutingRuleForm()
    if form.validate_on_submit():
        _rule_from_form(form)
        db.session.commit()
        flash(gettext("Regeln är sparad."), "success")
        return redirect(url_for(".routing_rules"))
    rules = db.session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)).all()
    return render_template("tickets/admin/routing.html", form=form, rules=rules, group_labels=ticket_labels.GROUP_LABELS,
                           system_labels=ticket_labels.SYSTEM_LABELS, channel_labels=ticket_labels.CHANNEL_LABELS,
                           tier_labels=ticket_labels.TIER_LABELS, priority_labels=ticket_labels.PRIORITY_LABELS,
                           schools=school_choices()), 400 if form.errors else 200


@bp.route("/admin/routning/<int:rule_id>", methods=["GET", "POST"])
@login_required
def edit_routing_rule(rule_id: int):
    _require("ticket.admin")
    rule = db.session.get(RoutingRule, rule_id) or abort(404)
    form = RoutingRuleForm()
    if request.method == "GET":
        form.position.data, form.user_group.data, form.system.data = rule.position, rule.user_group or "", \
            rule.system or ""
        form.school.data = rule.school.name if rule.school else ""
        form.channel.data, form.tier.data = rule.channel or "", str(rule.tier)
        form.priority.data, form.description.data, form.active.data = rule.priority or "", rule.description, \
            rule.active
    elif form.validate_on_submit():
        _rule_from_form(form, rule)
        db.session.commit()
        flash(gettext("Regeln är ändrad."), "success")
        return redirect(url_for(".routing_rules"))
    return render_template("tickets/admin/routing_edit.html", form=form, rule=rule, schools=school_choices()), \
        400 if form.errors else 200


@bp.post("/admin/routning/<int:rule_id>/ta-bort")
@login_required
def delete_routing_rule(rule_id: int):
    _require("ticket.admin")
    rule = db.session.get(RoutingRule, rule_id) or abort(404)
    db.session.delete(rule)
    db.session.commit()
    flash(gettext("Regeln är borttagen."), "success")
    return redirect(url_for(".routing_rules"))


# --- SLA targets and business hours ------------------------------------------------------------------------------

@bp.route("/admin/arenden/sla", methods=["GET", "POST"])
@login_required
def sla_targets():
    """First-response and resolution targets per priority, in business hours."""
    _require("ticket.admin")
    form = SlaForm()
    current = sla.targets()
    if request.method == "GET":
        for priority, (first, resolution) in current.items():
            getattr(form, f"{priority}_first").data = round(first / 60, 2)
            getattr(form, f"{priority}_resolution").data = round(resolution / 60, 2)
    elif form.validate_on_submit():
        try:
            for priority in PRIORITIES:
                sla.set_target(priority, round(float(getattr(form, f"{priority}_first").data) * 60),
                               round(float(getattr(form, f"{priority}_resolution").data) * 60))
        except ValueError:
            db.session.rollback()
            form.form_errors.append(gettext("Lösningstiden kan inte vara kortare än tiden till första svar."))
        else:
            db.session.commit()
            flash(gettext("SLA-målen är sparade. De gäller nya ärenden och ärenden som byter prioritet."), "success")
            return redirect(url_for(".sla_targets"))
    return render_template("tickets/admin/sla.html", form=form, priorities=PRIORITIES,
                           priority_labels=ticket_labels.PRIORITY_LABELS), 400 if form.errors or form.form_errors else 200


@bp.route("/admin/arenden/arbetstid", methods=["GET", "POST"])
@login_required
def business_hours():
    """When the SLA clock runs."""
    _require("ticket.admin")
    form = BusinessHoursForm()
    calendar = sla.business_calendar()
    if request.method == "GET":
        form.start.data, form.end.data = calendar.start, calendar.end
        form.weekdays.data = sorted(calendar.weekdays)
        form.public_holidays.data = calendar.public_holidays
        form.closed_dates.data = "\n".join(sorted(d.isoformat() for d in calendar.closed_dates))
    elif form.validate_on_submit():
        sla.save_business_calendar(sla.BusinessCalendar(
            timezone=calendar.timezone, start=time(form.start.data.hour, form.start.data.minute),
            end=time(form.end.data.hour, form.end.data.minute), weekdays=frozenset(form.weekdays.data),
            public_holidays=form.public_holidays.data,
            closed_dates=frozenset(date.fromisoformat(x) for x in (form.closed_dates.data or "").split()),
        ))
        db.session.commit()
        flash(gettext("Arbetstiden är sparad."), "success")
        return redirect(url_for(".business_hours"))
    return render_template("tickets/admin/business_hours.html", form=form), 400 if form.errors else 200


# --- canned responses ------------------------------------------------------------------------------------------

@bp.route("/admin/arenden/svarsmallar", methods=["GET", "POST"])
@login_required
def canned_responses():
    """Every canned response, and a form for a new one."""
    _require("ticket.manage_canned")
    form = CannedResponseForm()
    if form.validate_on_submit():
        try:
            canned.create(title=form.title.data, body=form.body.data, system=form.system.data or None,
                          by=current_user)
        except canned.CannedResponseError as error:
            form.body.errors.append(str(error))
        else:
            db.session.commit()
            flash(gettext("Svarsmallen är sparad."), "success")
            return redirect(url_for(".canned_responses"))
    return render_template("tickets/admin/canned.html", form=form, responses=canned.all_responses(),
                           placeholder_text=_placeholder_text(), system_labels=routing.SYSTEM_LABELS), \
        400 if form.errors else 200


@bp.route("/admin/arenden/svarsmallar/<int:canned_id>", methods=["GET", "POST"])
@login_required
def edit_canned_response(canned_id: int):
    _require("ticket.manage_canned")
    response = db.session.get(CannedResponse, canned_id) or abort(404)
    form = CannedResponseForm()
    if request.method == "GET":
        form.title.data, form.body.data = response.title, response.body
        form.system.data, form.active.data = response.system or "", response.active
    elif form.validate_on_submit():
        try:
            canned.update(response, title=form.title.data, body=form.body.data, system=form.system.data or None,
                          active=form.active.data)
        except canned.CannedResponseError as error:
            db.session.rollback()
            form.body.errors.append(str(error))
        else:
            db.session.commit()
            flash(gettext("Svarsmallen är ändrad."), "success")
            return redirect(url_for(".canned_responses"))
    return render_template("tickets/admin/canned_edit.html", form=form, response=response,
                           placeholder_text=_placeholder_text()), 400 if form.errors else 200


# --- audit log -------------------------------------------------------------------------------------------------

@bp.get("/admin/arenden/atkomstlogg")
@login_required
def access_log():
    """Administrators' access to tickets, newest first (keyset-paginated by id)."""
    _require("ticket.admin")
    before = request.args.get("fore", type=int)
    statement = select(AccessLog).order_by(AccessLog.id.desc()).limit(101)
    if before:
        statement = statement.where(AccessLog.id < before)
    rows = db.session.scalars(statement).all()
    next_before = rows[99].id if len(rows) > 100 else None
    from support.tickets.models import Ticket

    numbers = dict(db.session.execute(select(Ticket.id, Ticket.number).where(
        Ticket.id.in_({row.ticket_id for row in rows if row.ticket_id}))).all())
    return render_template("tickets/admin/access_log.html", rows=rows[:100], numbers=numbers,
                           next_before=next_before)
