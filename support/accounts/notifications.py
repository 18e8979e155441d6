"""Mail about accounts, written to the outbox in the caller's transaction."""

from __future__ import annotations

from flask import render_template, url_for

from support.accounts.models import User
from support.outbox.service import enqueue_mail


def send_password_reset(user: User, token: str) -> None:
    link = url_for("accounts.reset_password", token=token, _external=True)
    body = render_template("mail/password_reset.txt", user=user, link=link)
    enqueue_mail(user.email, "Återställ ditt lösenord till Skolsupport", body, category="password_reset")
