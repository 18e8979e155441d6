"""Stamps that tell each process's cached reading lists (`kb.service`) when they are out of date: `generation`
moves with every change to an article, `views_generation` when the worker has counted new views."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update

from kb.models import CorpusState
from support.database import utcnow
from support.extensions import db

CACHE_KEY = "kb_reading_cache"  # app.extensions: this process's cached lists and the stamps it last read
VIEWS_STAMP_SECONDS = 60  # "most read" may lag this much behind the counted views; it saves recounting each pass


def current() -> tuple[int, int]:
    row = db.session.execute(select(CorpusState.generation, CorpusState.views_generation)
                             .where(CorpusState.id == 1)).first()
    return (row[0], row[1]) if row else (0, 0)


def _state() -> CorpusState:
    state = db.session.get(CorpusState, 1)
    if state is None:
        state = CorpusState(id=1, generation=0, views_generation=0, views_counted_at=utcnow())
        db.session.add(state)
        db.session.flush()
    return state


def corpus_changed() -> None:
    """Tell every process's cached lists that articles changed (in the caller's transaction)."""
    _forget_in_this_process()
    _state()
    db.session.execute(update(CorpusState).where(CorpusState.id == 1)
                       .values(generation=CorpusState.generation + 1))


def note_views_counted() -> None:
    """The worker counted new views: "most read" lists follow, at most once a minute."""
    _forget_in_this_process()
    state = _state()
    if (utcnow() - state.views_counted_at).total_seconds() >= VIEWS_STAMP_SECONDS or state.views_generation == 0:
        state.views_generation += 1
        state.views_counted_at = utcnow()


def _forget_in_this_process() -> None:
    """This process's next reader reads the stamps again instead of trusting the last ones for a second."""
    current_app.extensions.get(CACHE_KEY, {}).pop("stamps", None)
