"""Forms of the knowledge base: feedback, the article editor, synonyms, image upload."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from kb.labels import AUDIENCE_LABELS, LANGUAGE_LABELS, SCHOOL_FORM_LABELS, SYSTEM_LABELS
from support.form_choices import CheckboxesField, select_choices


class FeedbackForm(FlaskForm):
    helpful = RadioField(_l("Var detta till hjälp?"), choices=select_choices([("ja", _l("Ja")), ("nej", _l("Nej"))]),
                         validators=[DataRequired(_l("Välj ja eller nej."))])
    comment = TextAreaField(_l("Vill du berätta mer? (frivilligt)"), validators=[Optional(), Length(max=2000)])


class ArticleForm(FlaskForm):
    # Left empty, the editor proposes one from the title (kb.js fills it in while the title is typed).
    id = StringField(_l("Id (webbadress)"), validators=[
        Optional(), Length(max=80),
        Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Bara a–z, 0–9 och bindestreck.")),
    ])
    title = StringField(_l("Rubrik"), validators=[DataRequired(_l("Rubrik saknas.")), Length(max=200)])
    summary = TextAreaField(_l("Sammanfattning"), validators=[Optional(), Length(max=600)])
    body = TextAreaField(_l("Text (Markdown)"), validators=[Optional(), Length(max=200_000)])
    language = SelectField(_l("Språk"), choices=select_choices(LANGUAGE_LABELS.items()))
    translation_of = StringField(_l("Översättning av (id på originalet)"), validators=[Optional(), Length(max=80)])
    audiences = CheckboxesField(_l("Målgrupper"), choices=select_choices(AUDIENCE_LABELS.items()),
                                validators=[DataRequired(_l("Välj minst en målgrupp."))])
    visibility = RadioField(_l("Synlighet"), choices=select_choices([
        ("public", _l("Publik: alla i målgrupperna")),
        ("internal", _l("Intern: bara inloggade superanvändare och servicedesk")),
    ]), default="public")
    school_forms = CheckboxesField(_l("Skolformer (inget val betyder alla)"),
                                   choices=select_choices(SCHOOL_FORM_LABELS.items()))
    # No silent default: an article filed under the wrong system is hard to find.
    system = SelectField(_l("System"), choices=select_choices([("", _l("Välj system")), *SYSTEM_LABELS.items()]),
                         validators=[DataRequired(_l("Välj vilket system artikeln handlar om."))])
    tags = StringField(_l("Taggar (kommaseparerade)"), validators=[Optional(), Length(max=500)])
    review_by = DateField(_l("Granskas senast"), validators=[Optional()])
    note = StringField(_l("Kommentar till versionen (frivilligt)"), validators=[Optional(), Length(max=300)])


class SynonymForm(FlaskForm):
    text = TextAreaField(_l("Synonymlista"), validators=[Optional(), Length(max=200_000)])


class ImageForm(FlaskForm):
    image = FileField(_l("Bild (PNG, JPEG, GIF eller WebP, högst 2 MB)"),
                      validators=[FileRequired(_l("Välj en bild."))])
