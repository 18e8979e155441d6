"""Language and time-zone choice: Swedish by default, English on request, times shown in Stockholm time."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, has_request_context, request, session
from flask_babel import force_locale, format_date, format_datetime, get_locale
from flask_login import current_user

LOCALE_SESSION_KEY = "locale"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # mail, CLI and worker: the default unless the caller forces a locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get(LOCALE_SESSION_KEY)
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def language_of(person) -> str:
    """The language a person reads: their chosen locale when the service has it, else the default (Swedish)."""
    locale = getattr(person, "locale", None)
    return locale if locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def in_language_of(person):
    """Render mail (texts, labels, dates) in `person`'s language, whoever's request or job is running."""
    return force_locale(language_of(person))


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def get_request_locale() -> str:
    """The locale of this request (for code outside templates)."""
    return select_locale() if request else current_app.config["BABEL_DEFAULT_LOCALE"]


# One way to write a moment on every page: Swedish style in Swedish ("18 aug. 2026 10:00"), and a form no English
# reader can misread as month/day ("18 Aug 2026, 10:00"). Never seconds; Stockholm time (Flask-Babel's timezone).
_MOMENT_PATTERNS = {"sv": "d MMM y HH:mm", "en": "d MMM y, HH:mm"}
_DAY_PATTERNS = {"sv": "d MMM y", "en": "d MMM y"}


def format_moment(value: datetime | date | None) -> str:
    if not value:
        return ""
    language = get_locale().language if get_locale() else "sv"
    if isinstance(value, datetime):
        return format_datetime(value, _MOMENT_PATTERNS.get(language, _MOMENT_PATTERNS["en"]))
    return format_date(value, _DAY_PATTERNS.get(language, _DAY_PATTERNS["en"]))
