"""Ticket work the worker does on each pass (SLA breaches, auto-close)."""


def run() -> dict[str, int]:
    return {}
