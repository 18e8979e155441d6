"""Sign-in, password and profile forms; every field has a label and a length limit."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from support import vocabulary
from support.accounts import service
from support.accounts.models import STAFF_ROLES, USER_GROUPS
from support.accounts.service import MIN_PASSWORD_LENGTH
from support.form_choices import select_choices
from support.orgs.service import administration_by_name_or_slug, school_by_name_or_slug

GROUP_LABELS = vocabulary.GROUP_LABELS
ROLE_LABELS = vocabulary.ROLE_LABELS


class LoginForm(FlaskForm):
    email = EmailField(_l("E-postadress"), validators=[DataRequired(_l("Ange din e-postadress.")), Length(max=254)])
    password = PasswordField(_l("Lösenord"), validators=[DataRequired(_l("Ange ditt lösenord.")), Length(max=200)])
    remember = BooleanField(_l("Kom ihåg mig på den här enheten"), default=False)


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(_l("Ange din e-postadress.")), Email(_l("Ange en giltig e-postadress.")),
                    Length(max=254)],
    )


PASSWORD_LENGTH_MESSAGE = _l("Lösenordet ska vara %(min)d–%(max)d tecken. En mening av några ord är lätt att minnas.")


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nytt lösenord"),
        validators=[DataRequired(_l("Ange ett lösenord.")),
                    Length(min=MIN_PASSWORD_LENGTH, max=200, message=PASSWORD_LENGTH_MESSAGE)],
    )
    confirm = PasswordField(
        _l("Upprepa lösenordet"),
        validators=[DataRequired(_l("Upprepa lösenordet.")), EqualTo("password", _l("Lösenorden är inte lika."))],
    )


class ProfileForm(FlaskForm):
    name = StringField(_l("Namn"), validators=[DataRequired(_l("Ange ditt namn.")), Length(max=200)])
    phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=40)])
    locale = SelectField(_l("Språk"), choices=select_choices([("sv", "Svenska"), ("en", "English")]))


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Vad ska nyckeln användas till?"),
        validators=[DataRequired(_l("Ge nyckeln ett namn så att du känner igen den.")), Length(max=100)],
    )


def picked_scope(text: str | None, membership: str | None) -> str | None:
    """The slug of the school or administration an admin picked by name (or slug) for the group or role
    `membership`; None when the field is empty and may be. ValidationError says what is missing or unknown."""
    text = " ".join((text or "").split())
    if not membership:
        return None
    label = ROLE_LABELS.get(membership) or GROUP_LABELS.get(membership, membership)
    if service.scope_of(membership) == "administration":
        found = administration_by_name_or_slug(text) if text else None
        if found is None and text:
            raise ValidationError(gettext("Det finns ingen förvaltning som heter %(name)s. Välj en förvaltning i "
                                          "listan.", name=text))
        if found is None:
            raise ValidationError(gettext("%(role)s knyts till en förvaltning. Välj förvaltningen i listan.",
                                          role=label))
        return found.slug
    found = school_by_name_or_slug(text) if text else None
    if found is None and text:
        raise ValidationError(gettext("Det finns ingen skola som heter %(name)s. Välj en skola i listan.", name=text))
    if found is None and service.scope_of(membership) == "school":
        raise ValidationError(gettext("%(role)s knyts till en skola. Välj skolan i listan.", role=label))
    return found.slug if found else None


class UserCreateForm(FlaskForm):
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(_l("Ange en e-postadress.")), Email(_l("Ange en giltig e-postadress.")),
                    Length(max=254)],
    )
    name = StringField(_l("Namn"), validators=[DataRequired(_l("Ange ett namn.")), Length(max=200)])
    password = PasswordField(
        _l("Lösenord (lämna tomt för inloggning enbart via e-postlänk eller inloggningstjänst)"),
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200, message=PASSWORD_LENGTH_MESSAGE)],
    )
    group = SelectField(_l("Grupp"),
                        choices=select_choices([("", _l("Ingen"))] + [(g, GROUP_LABELS[g]) for g in USER_GROUPS]),
                        validators=[Optional()])
    # 750 schools: picked by name from a searchable list (templates/admin/_org_list.html), not a slug from memory.
    # No Optional(): it would skip the check that a superuser or coordinator has their school or administration.
    group_school = StringField(_l("Skola"), validators=[Length(max=160)])
    role = SelectField(_l("Roll"),
                       choices=select_choices([("", _l("Ingen"))] + [(r, ROLE_LABELS[r]) for r in STAFF_ROLES]),
                       validators=[Optional()])
    role_school = StringField(_l("Skola eller förvaltning"), validators=[Length(max=160)])
    group_scope: str | None = None  # the picked slugs, set when the form validates
    role_scope: str | None = None

    def validate_group_school(self, field):
        self.group_scope = picked_scope(field.data, self.group.data)

    def validate_role_school(self, field):
        self.role_scope = picked_scope(field.data, self.role.data)


GROUPS_HEADING = _l("Användargrupper")
ROLES_HEADING = _l("Roller")


class MembershipForm(FlaskForm):
    # One list in two parts: the key says whether it is a group or a role, so a separate "type" cannot contradict it.
    name = SelectField(
        _l("Grupp eller roll"),
        choices=[SelectChoice(g, GROUP_LABELS[g], optgroup=GROUPS_HEADING) for g in USER_GROUPS]
        + [SelectChoice(r, ROLE_LABELS[r], optgroup=ROLES_HEADING) for r in STAFF_ROLES],
    )
    school = StringField(_l("Skola eller förvaltning"), validators=[Length(max=160)])
    scope: str | None = None  # the picked slug, set when the form validates

    def validate_school(self, field):
        self.scope = picked_scope(field.data, self.name.data)


class UserStatusForm(FlaskForm):
    active = BooleanField(_l("Kontot är aktivt"))
