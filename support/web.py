"""What every page shares: the login loaders, error pages, response headers and template helpers (each area
registers its own blueprints in its `init_app`)."""

from __future__ import annotations

import functools
import hashlib
import logging
from pathlib import Path

from flask import Flask, g, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import format_decimal, format_percent, get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy.exc import OperationalError

from support.config import DEFAULT_SERVICEDESK_HOURS
from support.extensions import db, login_manager
from support.i18n import format_moment
from support.jsonapi import ApiError, BoundedJSONProvider
from support.policy import can
from support.request_input import first_forbidden_field

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def init_app(app: Flask) -> None:
    """What every area's pages share: sign-in, template helpers, security headers and the error pages."""
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Logga in för att se sidan.")
    login_manager.localize_callback = str  # the flash must hold plain text in the session, in the reader's language
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_user_from_token)

    app.jinja_env.globals.update(can=can, current_user=current_user, get_locale=get_locale)
    app.jinja_env.filters["datetime"] = format_moment
    # Numbers in the reader's language: "7,5" and "78 %" in Swedish, never Python's "78.0".
    app.jinja_env.filters["number"] = lambda value: format_decimal(value, format="#,##0.#")
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["nl2br"] = lambda text: Markup("<br>").join(text.splitlines()) if text else ""

    @app.after_request
    def let_static_files_be_compressed(response):
        # send_file streams files untouched, which Flask-Compress leaves alone; the stylesheets and scripts are
        # small, and compressed they are a fraction of the bytes on a phone.
        if request.endpoint == "static" and response.direct_passthrough and response.status_code == 200:
            response.direct_passthrough = False
            response.make_sequence()  # whole, so every encoding a browser accepts applies, gzip included
        return response

    app.session_interface = StaticFilesKeepNoSession()

    @app.url_defaults
    def fingerprint_static_files(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values.setdefault("v", static_fingerprint(app.static_folder, values["filename"]))

    @app.context_processor
    def inject_settings():
        hours = app.config["SERVICEDESK_HOURS"]
        phone = app.config["SERVICEDESK_PHONE"]
        return {"config_public": {
            "servicedesk_phone": phone,
            "servicedesk_tel": telephone_link(phone),
            # The shipped opening hours read in the visitor's language; hours an admin configured are shown as set.
            "servicedesk_hours": str(TRANSLATED_DEFAULT_HOURS) if hours == DEFAULT_SERVICEDESK_HOURS else hours,
            "support_email": f"{app.config['SUPPORT_MAILBOX']}@{app.config['MAIL_DOMAIN']}",
        }}

    @app.before_request
    def refuse_control_characters():
        field = first_forbidden_field(request)
        if field is None:
            return None
        message = gettext("Begäran innehåller tecken som inte kan sparas (till exempel NUL eller andra "
                          "styrtecken) i %(field)s. Ta bort dem och försök igen.", field=field)
        if wants_json():  # the API's validation shape: the field and why
            return jsonify(error="validation", message=message, fields={field: message}), 400
        return render_template("errors/error.html", code=400, message=message), 400

    @app.after_request
    def private_pages_are_not_stored(response):
        # Pages with a person's tickets or a form token must not stay in a shared computer's cache.
        if request.endpoint != "static" and (
            request.path.startswith("/api/") or current_user.is_authenticated
            or (request.blueprint == "accounts")
        ):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        )
        return response

    # Request bodies are parsed with a depth cap and without NaN/Infinity (see support/jsonapi.py).
    app.json = BoundedJSONProvider(app)

    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        return jsonify(error.body()), error.status

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = gettext("Formuläret hade gått ut eller saknade säkerhetstoken. Ladda om sidan och försök igen.")
        if wants_json():
            return jsonify(error="csrf", message=message), 400
        return render_template("errors/error.html", code=400, message=message), 400

    for code, text in (
        (400, _l("Felaktig begäran.")),
        (403, _l("Du har inte behörighet till den här sidan.")),
        (404, _l("Sidan finns inte.")),
        (405, _l("Metoden är inte tillåten.")),
        (413, _l("Filen eller formuläret är för stort.")),
        (429, _l("För många försök. Vänta en stund och försök igen.")),
    ):
        app.register_error_handler(code, _error_page(code, text))

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        log.exception("database error on %s", request.path)
        db.session.rollback()
        message = gettext("Tjänsten kan inte nå databasen just nu. Försök igen om en stund.")
        if wants_json():
            return jsonify(error="database_unavailable", message=message), 503
        return render_template("errors/error.html", code=503, message=message), 503

    @app.errorhandler(500)
    def internal_error(error):
        log.error("unhandled error on %s: %s", request.path, getattr(error, "original_exception", error))
        db.session.rollback()
        message = gettext("Något gick fel hos oss. Felet är loggat; försök igen om en stund.")
        if wants_json():
            return jsonify(error="internal", message=message), 500
        return render_template("errors/error.html", code=500, message=message), 500


class StaticFilesKeepNoSession(SecureCookieSessionInterface):
    """Static files neither read nor write the session; Flask-Login's remember-cookie check touches it on every
    response, which would add `Vary: Cookie` and make a browser fetch the year-cached stylesheet again after
    signing in or out."""

    def save_session(self, app, session, response):
        if request.endpoint == "static":
            return
        super().save_session(app, session, response)


# The shipped SUPPORT_SERVICEDESK_HOURS, marked for translation.
TRANSLATED_DEFAULT_HOURS = _l("vardagar 08.00–17.00")


@functools.cache
def static_fingerprint(folder: str, filename: str) -> str:
    """A short hash of a static file's content (once per process; a deploy restarts the processes)."""
    try:
        return hashlib.sha256((Path(folder) / filename).read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def telephone_link(phone: str) -> str:
    """`08-465 004 00` → `tel:+46846500400`: the number a phone dials from anywhere."""
    digits = "".join(character for character in phone if character.isascii() and character.isdigit())
    if phone.strip().startswith("+"):
        return f"tel:+{digits}"
    return f"tel:+46{digits[1:]}" if digits.startswith("0") else f"tel:{digits}"


def _error_page(code: int, text):
    def handler(error):
        message = str(text)
        if wants_json():
            return jsonify(error=str(code), message=message), code
        return render_template("errors/error.html", code=code, message=message), code

    return handler


def _load_user(session_id: str):
    from support.accounts.service import user_for_session

    # A deactivated account, a new password or a sign-out elsewhere ends this session at once.
    return user_for_session(session_id)


def _load_user_from_token(req):
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    from support.accounts.service import user_for_api_token

    user = user_for_api_token(header.removeprefix("Bearer ").strip())
    if user is not None:
        g.api_token_auth = True
        if db.session.dirty:  # "last used", refreshed at most every few minutes
            db.session.commit()
    return user
