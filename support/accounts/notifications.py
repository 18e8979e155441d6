"""Mail about accounts, written to the outbox in the caller's transaction."""

from __future__ import annotations

import re

from flask import current_app, render_template, url_for
from flask_babel import lazy_gettext as _l

from support.accounts.models import User
from support.i18n import in_language_of
from support.outbox.service import enqueue_mail

# The reset route's token, wherever a link to it appears (see accounts.views.reset_password).
_RESET_TOKEN = re.compile(r"(/aterstall-losenord/)[A-Za-z0-9._\-]+")
RESET_SUBJECT = _l("Återställ ditt lösenord till Skolsupport")


def build_password_reset(user: User, token: str) -> str:
    # Built from PUBLIC_URL, never from the request's Host header, so a forged Host cannot redirect the link.
    link = current_app.config["PUBLIC_URL"].rstrip("/") + url_for("accounts.reset_password", token=token)
    minutes = max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)
    return render_template("mail/password_reset.txt", user=user, link=link, minutes=minutes)


def send_password_reset(user: User, token: str) -> None:
    with in_language_of(user):
        subject, body = str(RESET_SUBJECT), build_password_reset(user, token)
    enqueue_mail(user.email, subject, body, category="password_reset")


def mask_reset_links(text: str) -> str:
    """The text with every password-reset token replaced, for people who may read mail but not use its links."""
    return _RESET_TOKEN.sub(r"\1••••••••", text or "")
