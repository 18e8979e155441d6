"""The worker's part of the e-mail channel: file whatever inbound mail is still pending."""

from __future__ import annotations

from support.channels.email.service import process_pending


def run() -> dict[str, int]:
    return process_pending()
