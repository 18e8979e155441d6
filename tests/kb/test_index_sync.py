"""The index follows committed changes; failed writes are retried by the worker; reindex and init repair it."""

from __future__ import annotations

from sqlalchemy import func, select

from kb import jobs, service
from kb.cli import kb_cli, on_init
from kb.models import IndexQueueEntry
from support.extensions import db
from tests.kb.articles import make_article


def queued() -> int:
    return db.session.scalar(select(func.count()).select_from(IndexQueueEntry))


def test_a_saved_article_is_searchable_right_after_the_commit(app):
    make_article("a", title="Kalender")
    assert queued() == 0
    assert set(service.get_index().ids()) == {"a"}


def test_a_failed_index_write_stays_queued_and_the_worker_retries_it(app, monkeypatch):
    index = service.get_index()

    def broken(_docs, _removed):
        raise OSError("disk full")

    monkeypatch.setattr(index, "write", broken)
    make_article("a", title="Kalender")
    entry = db.session.scalar(select(IndexQueueEntry))
    assert entry.attempts == 1 and "disk full" in entry.last_error
    assert "a" not in index.ids()
    monkeypatch.undo()
    done = jobs.run()
    assert (done["indexed"], done["failed"]) == (1, 0)
    assert queued() == 0 and "a" in index.ids()


def test_a_rolled_back_change_never_reaches_the_index(app):
    article = make_article("a", title="Kalender")
    data = service.ArticleData.of(article)
    data.title = "Ändrad men aldrig sparad"
    service.save_article(data)
    db.session.rollback()
    assert queued() == 0
    assert [h.title for h in service.search_articles("kalender", service.readership_of(None)).hits] == ["Kalender"]


def test_reindex_check_reports_differences_and_reindex_repairs_them(app, runner):
    make_article("a", title="Kalender")
    make_article("b", title="Schema")
    service.get_index().delete("b")
    result = runner.invoke(kb_cli, ["reindex", "--check"])
    assert result.exit_code == 1 and "1 saknas i indexet: b" in result.output
    result = runner.invoke(kb_cli, ["reindex"])
    assert result.exit_code == 0 and "2 publicerade artiklar" in result.output
    result = runner.invoke(kb_cli, ["reindex", "--check"])
    assert result.exit_code == 0 and "stämmer" in result.output


def test_init_rebuilds_a_missing_index(app, capsys):
    make_article("a", title="Kalender")
    service.get_index().destroy()
    on_init()
    assert "skapat (1 artiklar)" in capsys.readouterr().out
    assert set(service.get_index().ids()) == {"a"}


def test_init_rebuilds_an_outdated_index_and_leaves_a_current_one(app, capsys):
    make_article("a", title="Kalender")
    service.get_index().delete("a")
    on_init()
    assert "ombyggt" in capsys.readouterr().out
    on_init()
    assert "aktuellt" in capsys.readouterr().out
