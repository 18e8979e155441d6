"""Which of our addresses a mail was sent to: support@<domain>, or support+<school-slug>@<domain> for one school."""

from __future__ import annotations

from flask import current_app

from support.orgs.service import school_by_slug


def support_recipient(address: str, config=None) -> str | None:
    """"" for support@<domain>, the school slug for support+<slug>@<domain>, None for any other address.
    `config` is the app's (the SMTP server passes it, to need no app context per recipient)."""
    config = current_app.config if config is None else config
    local_part, _, domain = (address or "").strip().strip("<>").lower().rpartition("@")
    if domain != config["MAIL_DOMAIN"].lower():
        return None
    mailbox, plus, slug = local_part.partition("+")
    if mailbox != config["SUPPORT_MAILBOX"].lower():
        return None
    return slug if plus and slug else ("" if not plus else None)


def school_for_recipient(address: str):
    slug = support_recipient(address)
    return school_by_slug(slug) if slug else None
