"""The worker's part of the e-mail channel: file whatever inbound mail is pending."""

from __future__ import annotations

import time

from support.channels.email.service import BATCH, process_pending

TIME_BUDGET_SECONDS = 20  # then the other jobs (the outbox with the acknowledgements) get their turn


def run() -> dict[str, int]:
    """Batch after batch until nothing is pending or the time budget is spent."""
    counts: dict[str, int] = {}
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    while True:
        batch = process_pending()
        for outcome, number in batch.items():
            counts[outcome] = counts.get(outcome, 0) + number
        if sum(batch.values()) < BATCH or time.monotonic() > deadline:
            return counts
