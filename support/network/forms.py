"""Forms of the superuser network; every field has a label and a length limit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from kb.labels import SYSTEM_LABELS
from support.form_choices import CheckboxesField, select_choices
from support.tickets.models import SYSTEMS

TRAINING_LABELS = {
    "basic": _l("Grundutbildning"),
    "refresher": _l("Repetitionsutbildning"),
    "network-meeting": _l("Nätverksträff i förvaltningen"),
    "system-deep-dive": _l("Fördjupning per system"),
}


def system_choices() -> list[SelectChoice]:
    return select_choices((system, SYSTEM_LABELS[system]) for system in SYSTEMS)


class AbsenceForm(FlaskForm):
    starts_on = DateField(_l("Första dagen jag är borta"), validators=[DataRequired(_l("Ange första dagen."))])
    ends_on = DateField(_l("Sista dagen jag är borta"), validators=[DataRequired(_l("Ange sista dagen."))])
    stand_in = SelectField(_l("Ersättare (valfritt)"), choices=[], validators=[Optional()])


class AppointForm(FlaskForm):
    email = EmailField(_l("Personens e-postadress"), validators=[
        DataRequired(_l("Ange e-postadressen till den som ska utses.")),
        Email(_l("Ange en giltig e-postadress.")), Length(max=254)])
    systems = CheckboxesField(_l("System som superanvändaren ansvarar för"), choices=system_choices)


class RolloutForm(FlaskForm):
    """A system's go-live at a school; saving a system already listed changes its line."""

    system = SelectField(_l("System"), choices=lambda: [SelectChoice("", "—"), *system_choices()],
                         validators=[DataRequired(_l("Välj ett system."))])
    live_on = DateField(_l("I drift från och med"), validators=[DataRequired(_l("Ange datumet för driftstarten."))])
    wave = StringField(_l("Införandevåg (valfritt)"), validators=[Optional(), Length(max=40)])
    legacy_system = StringField(_l("Gammalt system som körs parallellt (valfritt)"),
                                validators=[Optional(), Length(max=80)])
    legacy_until = DateField(_l("Det gamla systemet körs till och med (valfritt)"), validators=[Optional()])


class TrainingForm(FlaskForm):
    module = SelectField(_l("Utbildning"), choices=select_choices([("", "—"), *TRAINING_LABELS.items()]),
                         validators=[DataRequired(_l("Välj en utbildning."))])
    completed_on = DateField(_l("Datum då utbildningen avslutades"),
                             validators=[DataRequired(_l("Ange datumet."))])
    system = SelectField(_l("System (för fördjupning)"), choices=lambda: [SelectChoice("", "—"), *system_choices()],
                         validators=[Optional()])
