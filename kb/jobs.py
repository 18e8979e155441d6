"""Knowledge-base work the worker does on each pass: index writes that failed after a commit are retried, and what
readers did (views, searches, clicks) is written to the database in one batch."""

from __future__ import annotations


def run() -> dict[str, int]:
    from kb import reading_log
    from kb.indexing import apply_queue

    return {**apply_queue(), **reading_log.flush()}
