"""The worker process: delivers the outbox and runs the scheduled jobs, pass after pass."""

from __future__ import annotations

import importlib
import logging
import signal
import threading

from support.extensions import db

log = logging.getLogger(__name__)

# Each job is "module:function"; the function takes no arguments, commits its own work and returns a summary.
JOBS = [
    "support.outbox.service:deliver_pending",
    "kb.jobs:run",
    "support.tickets.jobs:run",
    "support.channels.email.jobs:run",
    "support.network.handover:run",
]


def _resolve(spec: str):
    module_name, _, function_name = spec.partition(":")
    return getattr(importlib.import_module(module_name), function_name)


def run_once() -> dict[str, object]:
    """One pass over every job. A failing job is logged and rolled back; the others still run."""
    results: dict[str, object] = {}
    for spec in JOBS:
        try:
            results[spec] = _resolve(spec)()
        except Exception:
            db.session.rollback()
            log.exception("worker job %s failed", spec)
            results[spec] = "error"
    return results


def run_forever(interval: float, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()

    def request_stop(signum, _frame):
        log.info("worker: stopping after signal %s", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
    while not stop.is_set():
        run_once()
        db.session.remove()
        stop.wait(interval)
