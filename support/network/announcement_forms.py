"""Forms and labels of announcements (driftinformation); every field has a label and a length limit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from kb.labels import SCHOOL_FORM_LABELS, SYSTEM_LABELS
from support.form_choices import CheckboxesField, select_choices
from support.network.forms import system_choices

KIND_LABELS = {"incident": _l("Driftstörning"), "change": _l("Planerad ändring")}
SEVERITY_LABELS = {
    "info": _l("Information"),
    "minor": _l("Begränsad påverkan"),
    "major": _l("Stor påverkan"),
    "critical": _l("Kritisk"),
}
AUDIENCE_LABELS = {
    "pedagogue": _l("Pedagoger"),
    "guardian": _l("Vårdnadshavare"),
    "student": _l("Elever"),
    "administrator": _l("Administratörer"),
    "superuser": _l("Superanvändare"),
}
EVENT_LABELS = {
    "published": _l("publicerade"),
    "edited": _l("ändrade"),
    "ended": _l("avslutade"),
    "ticket_linked": _l("kopplade ett ärende"),
    "tickets_answered": _l("besvarade kopplade ärenden"),
}
TITLE_MAX = 200
BODY_MAX = 20_000
NOTE_MAX = 5_000
SCHOOLS_MAX = 20_000
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def labels() -> dict:
    return {"kinds": KIND_LABELS, "severities": SEVERITY_LABELS, "audiences": AUDIENCE_LABELS,
            "school_forms": SCHOOL_FORM_LABELS, "systems": SYSTEM_LABELS, "events": EVENT_LABELS}


class AnnouncementForm(FlaskForm):
    kind = RadioField(_l("Typ"), choices=select_choices(KIND_LABELS.items()), default="incident",
                      validators=[DataRequired(_l("Välj typ."))])
    title = StringField(_l("Rubrik"), validators=[DataRequired(_l("Skriv en rubrik.")), Length(max=TITLE_MAX)])
    body = TextAreaField(_l("Beskrivning"), validators=[Optional(), Length(max=BODY_MAX)])
    severity = SelectField(_l("Allvarlighetsgrad"), choices=select_choices(SEVERITY_LABELS.items()), default="minor")
    starts_at = DateTimeLocalField(_l("Från"), format=LOCAL_FORMAT,
                                   validators=[DataRequired(_l("Ange när det börjar."))])
    ends_at = DateTimeLocalField(_l("Till (valfritt)"), format=LOCAL_FORMAT, validators=[Optional()])
    internal = BooleanField(_l("Bara för personal (visas inte för vårdnadshavare, elever och pedagoger, "
                               "och inte i flödet)"))
    audiences = CheckboxesField(_l("Användargrupper"), choices=select_choices(AUDIENCE_LABELS.items()))
    school_forms = CheckboxesField(_l("Skolformer"), choices=select_choices(SCHOOL_FORM_LABELS.items()))
    administrations = CheckboxesField(_l("Förvaltningar"), choices=[])
    schools = TextAreaField(_l("Skolor"), validators=[Optional(), Length(max=SCHOOLS_MAX)])
    systems = CheckboxesField(_l("System"), choices=system_choices)
    waves = CheckboxesField(_l("Införandevågor"), choices=[])


class EndForm(FlaskForm):
    resolution_note = TextAreaField(_l("Vad hände och vad är åtgärdat?"),
                                    validators=[DataRequired(_l("Skriv vad som är åtgärdat.")),
                                                Length(max=NOTE_MAX)])
    reply = TextAreaField(_l("Svar till alla kopplade öppna ärenden (valfritt)"),
                          validators=[Optional(), Length(max=BODY_MAX)])


class LinkForm(FlaskForm):
    announcement = SelectField(_l("Driftstörning"), choices=[], validators=[DataRequired(_l("Välj en."))])
