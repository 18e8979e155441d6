"""Mail about accounts, written to the outbox in the caller's transaction."""

from __future__ import annotations

from flask import current_app, render_template, url_for

from support.accounts.models import User
from support.outbox.service import enqueue_mail


def send_password_reset(user: User, token: str) -> None:
    # Built from PUBLIC_URL, never from the request's Host header, so a forged Host cannot redirect the link.
    link = current_app.config["PUBLIC_URL"].rstrip("/") + url_for("accounts.reset_password", token=token)
    minutes = max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)
    body = render_template("mail/password_reset.txt", user=user, link=link, minutes=minutes)
    enqueue_mail(user.email, "Återställ ditt lösenord till Skolsupport", body, category="password_reset")
