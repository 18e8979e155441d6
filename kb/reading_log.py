"""What readers do (article views, searches, clicks on results), written without a database write on the read.

A page appends one line per event to a file of its own process under ``instance/kb-reading/`` (one `write` in
append mode, no buffering in the process); the worker's kb job (`flush`) takes the files, writes their events to
the database in one transaction per pass and removes them.

Bound on what a restart loses: nothing is held in a process's memory, so stopping or restarting the web processes
or the worker loses no event. Only a crash of the machine itself can lose the events the kernel had not yet
written to disk (Linux writes them back within 30 s by default). The worker removes a batch after its commit: a
worker killed between the two counts that batch's views and clicks again (searches are recognised by their
token and not written twice).

A writer holds a shared lock while it appends; the worker renames a file away, then takes it only after an
exclusive lock, and a writer that opened the old file checks after locking that it still has the file the name
points to. So an event is in exactly one batch.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import bindparam, select, update

from kb import stamps
from kb.models import Article, SearchClick, SearchLog
from support.extensions import db

log = logging.getLogger(__name__)

FOLDER_NAME = "kb-reading"
SEARCH_FIELDS = ("query", "audience", "school_form", "system", "language", "channel", "hit_count", "page")


def folder() -> Path:
    return Path(current_app.config["INSTANCE_DIR"]) / FOLDER_NAME


def record(event: dict) -> None:
    """Append one event for the worker (`kind` view, search or click); costs one small write, never a query."""
    append_to(folder(), event)


def append_to(directory: Path, event: dict) -> None:
    data = (json.dumps(event, ensure_ascii=False, separators=(",", ":"), default=str) + "\n").encode()
    path = directory / f"{socket.gethostname()}-{os.getpid()}.jsonl"
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except FileNotFoundError:
            directory.mkdir(parents=True, exist_ok=True)
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fd).st_ino:  # else the worker took this file meanwhile: append to a new one
                os.write(fd, data)
                return
        finally:
            os.close(fd)


def _take_batches(directory: Path) -> list[Path]:
    """Rename the files being appended to, so writers start new ones; every batch waiting, oldest first."""
    for path in directory.glob("*.jsonl"):
        try:
            path.rename(path.with_name(f"{path.stem}.{time.time_ns()}.batch"))
        except FileNotFoundError:
            continue
    return sorted(directory.glob("*.batch"), key=lambda path: path.name.rsplit(".", 2)[-2])


def _read(path: Path) -> list[dict]:
    with path.open("rb") as file:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)  # writers that opened it before the rename have finished
        lines = file.read().splitlines()
    events = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            log.warning("kb: unreadable reading event in %s skipped: %r", path.name, line[:200])
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


def flush() -> dict[str, int]:
    """Write every waiting event to the database (the worker's job); commits by itself."""
    directory = folder()
    if not directory.is_dir():
        return {"views": 0, "searches": 0, "clicks": 0}
    batches = _take_batches(directory)
    events = [event for path in batches for event in _read(path)]
    summary = write_events(events)
    db.session.commit()
    for path in batches:
        path.unlink(missing_ok=True)
    return summary


def _moment(value) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def write_events(events: list[dict]) -> dict[str, int]:
    """Views added to the articles' counters, searches and their clicks as rows (the caller commits)."""
    views = Counter(str(e.get("article")) for e in events if e.get("kind") == "view")
    if views:
        table = Article.__table__
        db.session.execute(
            update(table).where(table.c.id == bindparam("article")).values(view_count=table.c.view_count
                                                                            + bindparam("views")),
            [{"article": article_id, "views": count} for article_id, count in views.items()])
        stamps.note_views_counted()
    searches = {str(e.get("token")): e for e in events if e.get("kind") == "search" and e.get("token")}
    known = set(db.session.scalars(select(SearchLog.token).where(SearchLog.token.in_(list(searches))))) \
        if searches else set()
    for token, event in searches.items():
        if token not in known:
            db.session.add(SearchLog(token=token, created_at=_moment(event.get("at")),
                                     **{key: event[key] for key in SEARCH_FIELDS if key in event}))
    db.session.flush()
    clicks = [e for e in events if e.get("kind") == "click"]
    tokens = list({str(click.get("search")) for click in clicks})
    search_ids = dict(db.session.execute(select(SearchLog.token, SearchLog.id)
                                         .where(SearchLog.token.in_(tokens))).all()) if clicks else {}
    written_clicks = 0
    for click in clicks:
        search_id = search_ids.get(str(click.get("search")))
        if search_id is None:
            continue  # its search was never written (a crash of the machine): the click cannot be tied to it
        db.session.add(SearchClick(search_id=search_id, article_id=str(click.get("article"))[:80],
                                   rank=int(click.get("rank") or 0), created_at=_moment(click.get("at"))))
        written_clicks += 1
    return {"views": sum(views.values()), "searches": len(searches) - len(known), "clicks": written_clicks}
