"""Language and time-zone choice: Swedish by default, English on request, times shown in Stockholm time."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user

LOCALE_SESSION_KEY = "locale"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the worker, the SMTP server and the CLI speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get(LOCALE_SESSION_KEY)
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def get_request_locale() -> str:
    """The locale of this request (for code outside templates)."""
    return select_locale() if request else current_app.config["BABEL_DEFAULT_LOCALE"]
