import json
from pathlib import Path

import pytest

from support.cli import cli
from support.extensions import db
from support.outbox.service import backlog, enqueue_mail


def test_worker_once_delivers_the_outbox_and_exits(app, runner):
    enqueue_mail("maria@example.com", "Hej", "Text")
    db.session.commit()
    result = runner.invoke(cli, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["support.outbox.service:deliver_pending"] == {"sent": 1, "retry": 0, "dead": 0}
    assert len(list(Path(app.config["MAIL_SINK_DIR"]).glob("*.eml"))) == 1
    db.session.expire_all()
    assert backlog()["sent"] == 1


def test_a_failing_job_does_not_stop_the_others_and_the_pass_exits_non_zero(app, runner, monkeypatch):
    from support import worker

    monkeypatch.setattr(worker, "JOBS", ["tests.outbox.test_worker:broken_job", *worker.JOBS])
    enqueue_mail("maria@example.com", "Hej", "Text")
    db.session.commit()
    result = runner.invoke(cli, ["worker", "--once"])
    assert result.exit_code == 1
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["tests.outbox.test_worker:broken_job"] == "error"
    assert summary["support.outbox.service:deliver_pending"]["sent"] == 1


def broken_job():
    raise RuntimeError("trasigt jobb")


@pytest.mark.committing
def test_worker_loop_stops_when_asked(app):
    import threading

    from support.worker import run_forever

    stop = threading.Event()
    enqueue_mail("maria@example.com", "Hej", "Text")
    db.session.commit()
    thread = threading.Thread(target=lambda: _run_in_context(app, run_forever, stop))
    thread.start()
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


def _run_in_context(app, function, stop):
    with app.app_context():
        function(0.01, stop)
