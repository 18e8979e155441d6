"""Wires blueprints, the login loaders, error pages and template helpers into the app."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_babel import format_datetime, get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy.exc import OperationalError

from support.extensions import db, login_manager
from support.policy import can
from support.request_input import first_forbidden_field

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_web(app: Flask) -> None:
    from kb.api import bp as kb_api_bp
    from kb.views import bp as kb_bp
    from support.accounts.admin_views import bp as admin_bp
    from support.accounts.views import bp as accounts_bp
    from support.channels.api import bp as api_bp
    from support.channels.phone import bp as phone_bp
    from support.channels.web_form import bp as web_channel_bp
    from support.outbox.views import bp as outbox_bp
    from support.pages.views import bp as pages_bp
    from support.tickets.views import bp as tickets_bp

    for blueprint in (pages_bp, accounts_bp, admin_bp, outbox_bp, kb_bp, tickets_bp, web_channel_bp, phone_bp,
                      api_bp, kb_api_bp):
        app.register_blueprint(blueprint)
    from support.tickets.admin_views import bp as tickets_admin_bp
    app.register_blueprint(tickets_admin_bp)
    from support.channels.email.admin_views import bp as inbound_admin_bp
    app.register_blueprint(inbound_admin_bp)

    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Logga in för att se sidan.")
    login_manager.localize_callback = str  # the flash must hold plain text in the session, in the reader's language
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_user_from_token)

    app.jinja_env.globals.update(can=can, current_user=current_user, get_locale=get_locale)
    app.jinja_env.filters["datetime"] = lambda value, fmt="short": format_datetime(value, fmt) if value else ""
    app.jinja_env.filters["nl2br"] = lambda text: Markup("<br>").join(text.splitlines()) if text else ""

    @app.context_processor
    def inject_settings():
        return {"config_public": {
            "servicedesk_phone": app.config["SERVICEDESK_PHONE"],
            "servicedesk_hours": app.config["SERVICEDESK_HOURS"],
            "support_email": f"{app.config['SUPPORT_MAILBOX']}@{app.config['MAIL_DOMAIN']}",
        }}

    @app.before_request
    def refuse_control_characters():
        field = first_forbidden_field(request)
        if field is None:
            return None
        message = gettext("Begäran innehåller tecken som inte kan sparas (till exempel NUL eller andra "
                          "styrtecken) i %(field)s. Ta bort dem och försök igen.", field=field)
        if wants_json():
            return jsonify(error="invalid_characters", message=message, field=field), 400
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
