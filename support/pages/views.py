"""The start page that routes a visitor by who they are, the language switch and the health check."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from support.extensions import db
from support.i18n import LOCALE_SESSION_KEY
from support.pages.personas import PERSONAS, personas_for
from support.policy import can
from support.redirects import same_site_path

bp = Blueprint("pages", __name__)


@bp.get("/")
def start():
    if current_user.is_authenticated:
        return render_template("pages/home.html", personas=personas_for(current_user))
    return render_template("pages/start.html", personas=PERSONAS)


@bp.post("/sprak")
def set_language():
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session[LOCALE_SESSION_KEY] = language
        if current_user.is_authenticated:
            current_user.locale = language
            db.session.commit()
    # Only same-site paths, never an open redirect.
    return redirect(same_site_path(request.form.get("next")) or url_for("pages.start"))


@bp.get("/favicon.ico")
def favicon():
    """Browsers and bookmark tools ask for /favicon.ico whatever the page says; answer instead of a 404."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/healthz")
def healthz():
    from support.outbox.service import backlog

    checks: dict[str, object] = {}
    healthy = True
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
        if can(current_user, "admin.outbox"):  # queue sizes are operational detail, not for anyone who asks
            checks["outbox"] = backlog()
    except Exception as error:  # noqa: BLE001 - a health check reports every failure instead of raising
        db.session.rollback()
        checks["database"] = f"error: {type(error).__name__}"
        healthy = False
    index_dir = Path(current_app.config["INDEX_DIR"])
    if index_dir.is_dir():
        checks["index"] = "ok"
    else:
        checks["index"] = "missing"
        healthy = False
    status = "ok" if healthy else "degraded"
    return jsonify(status=status, checks=checks), 200 if healthy else 503
