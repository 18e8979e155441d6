"""Sign in and out, password reset by e-mail link, and the signed-in person's profile."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user

from support.accounts import service, throttle
from support.accounts.forms import ApiTokenForm, ForgotPasswordForm, LoginForm, ProfileForm, ResetPasswordForm
from support.extensions import db, limiter
from support.i18n import LOCALE_SESSION_KEY
from support.policy import can
from support.redirects import same_site_path

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def reset_link_minutes() -> int:
    return max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)


def safe_next(target: str | None) -> str:
    return same_site_path(target) or url_for("pages.start")


def sign_in(user, remember: bool = False) -> None:
    """Start a session for a user who has proved who they are (password today, single sign-on later).

    The session starts empty but for the chosen language, so nothing planted before sign-in (a CSRF token,
    a session id) survives into the signed-in session.
    """
    language = session.get(LOCALE_SESSION_KEY)
    session.clear()
    if language:
        session[LOCALE_SESSION_KEY] = language
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        result = service.authenticate(form.email.data, form.password.data)
        if result.user is not None:
            sign_in(result.user, remember=form.remember.data)
            db.session.commit()
            return throttle.remember_device(redirect(safe_next(request.args.get("next"))), form.email.data)
        if result.error == "throttled":
            form.form_errors.append(
                gettext("För många felaktiga lösenord för den här adressen. Vänta en stund och försök igen, "
                        "eller välj ett nytt lösenord med länken nedan.")
            )
        else:
            form.form_errors.append(gettext("Fel e-postadress eller lösenord."))
        form.password.data = ""
        return render_template("accounts/login.html", form=form), 429 if result.error == "throttled" else 401
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Signing out ends every session and remember cookie of this person, not just this browser's.
        service.end_sessions(current_user)
        db.session.commit()
    language = session.get(LOCALE_SESSION_KEY)
    logout_user()
    session.clear()
    if language:
        session[LOCALE_SESSION_KEY] = language
    flash(gettext("Du är utloggad."), "info")
    return redirect(url_for("pages.start"))


@bp.route("/glomt-losenord", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        service.request_password_reset(form.email.data)
        db.session.commit()
        # The same answer whether or not the address exists, so the form cannot be used to probe for accounts.
        flash(gettext("Om adressen finns hos oss har vi skickat en länk för att välja nytt lösenord. "
                      "Länken gäller i %(minutes)d minuter.", minutes=reset_link_minutes()), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/aterstall-losenord/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = service.user_for_reset_token(token)
    except service.ResetTokenError as error:
        return render_template("accounts/reset_invalid.html", message=str(error)), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        service.set_password(user, form.password.data)
        db.session.commit()
        flash(gettext("Lösenordet är bytt. Logga in med ditt nya lösenord."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form, min_length=service.MIN_PASSWORD_LENGTH)


@bp.route("/profil", methods=["GET", "POST"])
@login_required
def profile():
    if not can(current_user, "profile.edit", current_user):
        return render_template("errors/error.html", code=403, message=gettext("Ingen behörighet.")), 403
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.phone = (form.phone.data or "").strip()
        current_user.locale = form.locale.data
        session[LOCALE_SESSION_KEY] = form.locale.data
        db.session.commit()
        flash(gettext("Profilen är sparad."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, user=current_user)


@bp.route("/profil/api-nycklar", methods=["GET", "POST"])
@login_required
def api_tokens():
    """Personal API tokens: issued here (the secret is shown once), listed with their last use, revoked."""
    if not can(current_user, "profile.api_tokens", current_user):
        return render_template("errors/error.html", code=403, message=gettext("Ingen behörighet.")), 403
    form = ApiTokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            new_token = service.issue_api_token(current_user, form.name.data)
        except service.AccountError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            form = ApiTokenForm(formdata=None)
    status = 200 if not form.errors else 400
    return render_template("accounts/api_tokens.html", form=form, new_token=new_token,
                           tokens=service.api_tokens_of(current_user)), status


@bp.post("/profil/api-nycklar/<int:token_id>/aterkalla")
@login_required
def revoke_api_token(token_id: int):
    if not can(current_user, "profile.api_tokens", current_user):
        return render_template("errors/error.html", code=403, message=gettext("Ingen behörighet.")), 403
    try:
        token = service.revoke_api_token(current_user, token_id)
    except service.AccountError:
        return render_template("errors/error.html", code=404, message=gettext("Sidan finns inte.")), 404
    db.session.commit()
    flash(gettext("API-nyckeln ”%(name)s” är återkallad och fungerar inte längre.", name=token.name), "success")
    return redirect(url_for("accounts.api_tokens"))
