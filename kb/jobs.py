"""Knowledge-base work the worker does on each pass: index writes that failed after a commit are retried."""

from __future__ import annotations


def run() -> dict[str, int]:
    from kb.indexing import apply_queue

    return apply_queue()
