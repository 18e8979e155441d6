"""The worker's part of the e-mail channel: file whatever inbound mail is pending, and forget raw mail that
has been kept as long as the retention setting says."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from support.channels.email.models import InboundMail
from support.channels.email.service import BATCH, process_pending
from support.database import utcnow
from support.extensions import db

TIME_BUDGET_SECONDS = 20  # then the other jobs (the outbox with the acknowledgements) get their turn


def run() -> dict[str, int]:
    """Batch after batch until nothing is pending or the time budget is spent; then the retention pass."""
    counts = _file_pending()
    purged = purge_raw_mail()
    if purged:
        counts["raw_purged"] = purged
    return counts


def purge_raw_mail(now=None) -> int:
    """Empty the raw bytes of mail filed (or logged as auto-mail) more than INBOUND_RAW_RETENTION_DAYS ago. The row
    stays, so a resend is still known by its Message-ID and the ticket keeps its text and attachments; mail
    waiting in quarantine or still pending keeps its bytes until someone decides. 0 days keeps raw mail forever."""
    days = int(current_app.config["INBOUND_RAW_RETENTION_DAYS"])
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(
        update(InboundMail)
        .where(InboundMail.state.in_(("processed", "ignored")), InboundMail.processed_at < cutoff,
               InboundMail.raw_purged_at.is_(None))
        .values(raw=b"", raw_purged_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount or 0


def _file_pending() -> dict[str, int]:
    counts: dict[str, int] = {}
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    while True:
        batch = process_pending()
        for outcome, number in batch.items():
            counts[outcome] = counts.get(outcome, 0) + number
        if sum(batch.values()) < BATCH or time.monotonic() > deadline:
            return counts
