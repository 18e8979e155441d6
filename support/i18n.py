"""Language and time-zone choice: Swedish by default, English on request, times shown in Stockholm time."""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale, UnknownLocaleError, dates
from flask import current_app, has_request_context, request, session
from flask_babel import force_locale, get_locale, to_user_timezone
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


# One way to write a moment on every page and in every mail: as it is written in Sweden, in the reader's language.
# CLDR's sv_SE gives "4 dec. 2026 10:00" and en_SE "4 Dec 2026, 10:00" (day before month and a 24-hour clock, so no
# English reader meets the US "12/4/26"): the medium date and the short time (no seconds), joined by the locale's
# own date-time pattern. Stockholm time (Flask-Babel's timezone).
REGION = "SE"


def _regional_locale() -> Locale:
    language = get_locale().language if get_locale() else current_app.config["BABEL_DEFAULT_LOCALE"]
    try:
        return Locale(language, REGION)
    except UnknownLocaleError:
        return Locale(language)


def format_moment(value: datetime | date | None) -> str:
    """A datetime as "4 dec. 2026 10:00" / "4 Dec 2026, 10:00", a date as "4 dec. 2026" / "4 Dec 2026"."""
    if not value:
        return ""
    locale = _regional_locale()
    if not isinstance(value, datetime):
        return dates.format_date(value, "medium", locale=locale)
    moment = to_user_timezone(value)
    return (dates.get_datetime_format("medium", locale=locale)
            .replace("{0}", dates.format_time(moment, "short", locale=locale))
            .replace("{1}", dates.format_date(moment, "medium", locale=locale)))
