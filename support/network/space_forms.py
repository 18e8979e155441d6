"""Forms of the network space; every field has a label and a length limit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from support.network.forms import system_choices
from support.network.space import MAX_BODY, MAX_TITLE


class AskForm(FlaskForm):
    title = StringField(_l("Rubrik"), validators=[DataRequired(_l("Skriv en rubrik som sammanfattar frågan.")),
                                                 Length(max=MAX_TITLE)])
    system = SelectField(_l("System"), choices=lambda: [SelectChoice("", "—"), *system_choices()],
                         validators=[DataRequired(_l("Välj vilket system frågan gäller."))])
    body = TextAreaField(_l("Fråga"), validators=[DataRequired(_l("Beskriv frågan.")), Length(max=MAX_BODY)])


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Ditt svar"), validators=[DataRequired(_l("Skriv ett svar.")), Length(max=MAX_BODY)])
