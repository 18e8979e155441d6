"""Forms of the ticket pages: the requester's new-ticket form, replies, the workspace's actions and phone calls.

Every field has a Swedish label and a length limit; choices that depend on the person (their schools, the agents)
are filled in by the view.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from support import vocabulary
from support.extensions import db
from support.form_choices import select_choices
from support.orgs.models import School
from support.request_input import parse_int
from support.tickets.models import MAX_BODY, MAX_SUBJECT

# The vocabulary's tables under the names the ticket pages have always used.
SYSTEM_LABELS = vocabulary.SYSTEM_LABELS
STATE_LABELS = vocabulary.STATE_LABELS
STAFF_STATE_LABELS = vocabulary.STAFF_STATE_LABELS
PRIORITY_LABELS = vocabulary.PRIORITY_LABELS
CHANNEL_LABELS = vocabulary.CHANNEL_LABELS
TIER_LABELS = vocabulary.TIER_LABELS
GROUP_LABELS = vocabulary.GROUP_LABELS

SUBJECT_LENGTH = _l("Rubriken ska vara %(min)s–%(max)s tecken.", min=3, max=MAX_SUBJECT)
BODY_LENGTH = _l("Texten får vara högst %(limit)s tecken.", limit=MAX_BODY)


def _system_choices():
    return select_choices([("", _l("Välj vad det gäller")), *SYSTEM_LABELS.items()])


class NewTicketForm(FlaskForm):
    """The requester's form; `suggest` is the no-JavaScript step that lists knowledge-base articles first."""

    system = SelectField(_l("Vad gäller det?"), choices=_system_choices(),
                         validators=[DataRequired(_l("Välj vad frågan gäller."))])
    school = SelectField(_l("Skola"), choices=[], validators=[Optional()])
    subject = StringField(
        _l("Rubrik"),
        validators=[DataRequired(_l("Skriv en kort rubrik.")),
                    Length(min=3, max=MAX_SUBJECT, message=SUBJECT_LENGTH)],
    )
    body = TextAreaField(
        _l("Beskriv frågan"),
        validators=[DataRequired(_l("Beskriv vad som hänt och vad du vill ha hjälp med.")),
                    Length(max=MAX_BODY, message=BODY_LENGTH)],
    )
    attachments = MultipleFileField(_l("Bifoga filer (valfritt)"))
    idempotency_key = HiddenField()
    article_id = HiddenField()
    suggest = SubmitField(_l("Visa förslag"))
    send = SubmitField(_l("Skicka ärendet"))


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Ditt svar"), validators=[
        DataRequired(_l("Skriv ett meddelande.")),
        Length(max=MAX_BODY, message=BODY_LENGTH),
    ])
    attachments = MultipleFileField(_l("Bifoga filer (valfritt)"))


class StaffReplyForm(ReplyForm):
    body = TextAreaField(_l("Meddelande"), validators=[
        DataRequired(_l("Skriv ett meddelande.")),
        Length(max=MAX_BODY, message=BODY_LENGTH),
    ])
    kind = RadioField(
        _l("Typ av meddelande"),
        choices=select_choices([("public", _l("Svar till frågeställaren")), ("internal", _l("Intern anteckning"))]),
        default="public",
    )
    canned_id = SelectField(_l("Standardsvar"), choices=[], validators=[Optional()])
    state_after = SelectField(
        _l("Status efter svaret"),
        choices=select_choices([("", _l("Oförändrad")), ("pending", STAFF_STATE_LABELS["pending"]),
                                ("resolved", STATE_LABELS["resolved"])]),
        validators=[Optional()],
    )


class RateForm(FlaskForm):
    score = RadioField(
        _l("Hur nöjd är du med hjälpen?"),
        choices=select_choices([("5", _l("5 – mycket nöjd")), ("4", "4"), ("3", "3"), ("2", "2"),
                                ("1", _l("1 – inte alls nöjd"))]),
        validators=[DataRequired(_l("Välj ett betyg mellan 1 och 5."))],
    )
    comment = TextAreaField(_l("Kommentar (valfritt)"), validators=[Optional(), Length(max=2000)])


class TicketDetailsForm(FlaskForm):
    """The sidebar's state, priority, assignee and tags, saved together by one button. Each `*_was` field holds the
    value the page showed, so only what this person changed is applied: a field someone else changed meanwhile
    keeps their change."""

    state = SelectField(_l("Status"), choices=select_choices(
        (k, v) for k, v in STAFF_STATE_LABELS.items() if k != "merged"))
    priority = SelectField(_l("Prioritet"), choices=select_choices(PRIORITY_LABELS.items()))
    assignee = SelectField(_l("Handläggare"), choices=[], validators=[Optional()])
    tags = StringField(_l("Taggar (kommaseparerade)"), validators=[Optional(), Length(max=500)])
    state_was = HiddenField()
    priority_was = HiddenField()
    assignee_was = HiddenField()
    tags_was = HiddenField()

    FIELDS = ("assignee", "priority", "tags", "state")  # the order they are applied: state last, it may resolve

    def show(self, ticket) -> None:
        """Fill every field, and what it was, from the ticket as it is now."""
        for name, value in self.current_values(ticket).items():
            getattr(self, name).data = value
            getattr(self, f"{name}_was").data = value

    @staticmethod
    def current_values(ticket) -> dict[str, str]:
        return {"assignee": str(ticket.assignee_id or ""), "priority": ticket.priority,
                "tags": ", ".join(ticket.tags), "state": ticket.state}

    def changed(self, ticket) -> list[str]:
        """The fields whose value differs from what the page showed (or, without that, from the ticket now)."""
        now = self.current_values(ticket)
        result = []
        for name in self.FIELDS:
            was = getattr(self, f"{name}_was").data
            before = now[name] if was is None else was
            if (getattr(self, name).data or "").strip() != (before or "").strip():
                result.append(name)
        return result


class TakeForm(FlaskForm):
    """"Ta ärendet": nothing to fill in but the CSRF token."""


class EscalateForm(FlaskForm):
    reason = TextAreaField(_l("Skäl till eskalering"), validators=[
        DataRequired(_l("Ange varför ärendet eskaleras.")), Length(max=2000),
    ])


class DeescalateForm(FlaskForm):
    school = SelectField(_l("Skola"), choices=[], validators=[DataRequired(_l("Välj skola."))])
    reason = TextAreaField(_l("Kommentar (valfritt)"), validators=[Optional(), Length(max=2000)])


class MoveForm(FlaskForm):
    """Its fields are prefixed (`move-reason`): the escalation form beside it has a `reason` too, and two fields
    with one id would send a label, and a screen reader, to the wrong one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "move")
        super().__init__(*args, **kwargs)

    destination = SelectField(_l("Flytta till"), choices=[], validators=[DataRequired(_l("Välj vart ärendet ska."))])
    reason = TextAreaField(_l("Varför flyttas ärendet?"), validators=[
        DataRequired(_l("Ange varför ärendet flyttas. Den som tar emot det ser skälet.")), Length(max=2000),
    ])


class MergeForm(FlaskForm):
    into_number = StringField(_l("Slå ihop med ärende nummer"), validators=[
        DataRequired(_l("Ange numret på ärendet som ska finnas kvar."))])

    def validate_into_number(self, field):
        text = (field.data or "").strip().lstrip("#")
        if not text.isdigit():
            raise ValidationError(_l("Ange ett ärendenummer, till exempel 1234."))
        field.data = text


class CallSummaryForm(FlaskForm):
    """What a call adds to a ticket that already exists: its summary, and whether it was solved on the call."""

    summary = TextAreaField(_l("Sammanfattning av samtalet"), validators=[
        DataRequired(_l("Skriv en sammanfattning av samtalet.")), Length(max=MAX_BODY, message=BODY_LENGTH)])
    resolved_on_call = BooleanField(_l("Löst under samtalet"))


class PhoneCallForm(CallSummaryForm):
    requester_id = HiddenField()
    contact_name = StringField(_l("Namn på den som ringer (valfritt)"), validators=[Optional(), Length(max=200)])
    # Every ticket's requester is an account with an e-mail address, so a new contact needs one (phone.html says so).
    contact_email = EmailField(_l("E-postadress för svar"), validators=[
        Optional(), Email(_l("Ange en giltig e-postadress.")), Length(max=254)])
    contact_phone = StringField(_l("Telefonnummer (valfritt)"), validators=[Optional(), Length(max=40)])
    school = SelectField(_l("Skola"), choices=[], validators=[Optional()])
    system = SelectField(_l("Vad gäller samtalet?"), choices=_system_choices(),
                         validators=[DataRequired(_l("Välj vad samtalet gäller."))])
    priority = SelectField(_l("Prioritet"), choices=select_choices(PRIORITY_LABELS.items()), default="normal")
    subject = StringField(_l("Rubrik"), validators=[
        DataRequired(_l("Skriv en kort rubrik.")),
        Length(min=3, max=MAX_SUBJECT, message=SUBJECT_LENGTH)])
    idempotency_key = HiddenField()

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not (self.requester_id.data or "").strip() and not (self.contact_email.data or "").strip():
            self.contact_email.errors = [*self.contact_email.errors,
                                         _l("Välj en person i sökresultatet eller ange en e-postadress.")]
            return False
        return valid


def show_service_error(form, error, field_names: dict[str, str] | None = None) -> None:
    """Show a TicketError on the form field it is about (`field_names` maps the service's names to the form's),
    else above the form."""
    name = (field_names or {}).get(error.field, error.field) if getattr(error, "field", None) else None
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))


def school_group_choices(user) -> list[SelectChoice]:
    """The person's own schools, each with the group they belong to it as (`"<school id>:<group>"`).

    The group matters for routing: a teacher's question goes to their school's superusers, a guardian's to the
    service desk, so a person who is both picks which hat they wear."""
    seen: dict[str, str] = {}
    for membership in sorted(user.groups, key=lambda m: (m.school.name if m.school else "", m.group)):
        if membership.school is None:
            continue
        key = f"{membership.school.id}:{membership.group}"
        seen[key] = gettext("%(school)s – som %(group)s", school=membership.school.name,
                            group=str(GROUP_LABELS.get(membership.group, membership.group)).lower())
    return select_choices(seen.items())


def school_and_group(choice: str | None) -> tuple[School | None, str | None]:
    """A school choice of the ticket and call forms (`"<school id>:<user group>"`) as the school and the group;
    whether the group is the requester's at that school is the service's rule."""
    school_id, _, user_group = (choice or "").partition(":")
    number = parse_int(school_id, minimum=1)
    return (db.session.get(School, number) if number else None), (user_group or None)
