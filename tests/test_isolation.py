"""Tests do not see each other: rows, settings and files of one test are gone in the next, whether it ran in a
rolled-back transaction or with real commits (tests/conftest.py)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import create_engine, func, select, text

from support.accounts.models import User
from support.extensions import db
from tests import conftest

COMMITTING = pytest.mark.committing


def _rows_in_every_table() -> dict[str, int]:
    counts = {table.name: db.session.scalar(select(func.count()).select_from(table))
              for table in db.metadata.sorted_tables}
    return {name: count for name, count in counts.items() if count}


# Each run starts clean, then writes and commits; the next run checks that nothing of it is left. The list holds
# both orders: rolled back before committed, committed before rolled back, and each after itself.
@pytest.mark.parametrize("run", [
    "rolled-back-1", "rolled-back-2", pytest.param("committed-1", marks=COMMITTING),
    pytest.param("committed-2", marks=COMMITTING), "rolled-back-3",
])
def test_a_test_sees_no_rows_settings_or_files_of_the_test_before(app, factory, client, run):
    assert _rows_in_every_table() == {}
    assert current_app.config["HIDE_STAFF_NAMES"] is False
    assert list(Path(current_app.instance_path).iterdir()) == []

    factory.school("Isoleringsskolan", slug="isoleringsskolan")
    factory.user(f"isolation-{run}@example.com", groups=["guardian:isoleringsskolan"])
    db.session.commit()
    current_app.config["HIDE_STAFF_NAMES"] = True
    (Path(current_app.instance_path) / f"{run}.txt").write_text(run)

    # Committed means visible to a fresh session and to a request of this test.
    db.session.remove()
    assert db.session.scalar(select(User.email).where(User.email == f"isolation-{run}@example.com"))
    response = client.post("/login", data={"email": f"isolation-{run}@example.com",
                                           "password": conftest.TEST_PASSWORD})
    assert response.status_code == 302


def test_a_rollback_in_code_under_test_undoes_only_its_own_work(app, factory):
    kept = factory.user("kept@example.com")
    db.session.commit()
    factory.user("undone@example.com")
    db.session.rollback()
    emails = set(db.session.scalars(select(User.email)))
    assert emails == {kept.email}


def test_the_guard_stops_code_that_uses_the_tests_connection_from_another_thread(app):
    errors: list[Exception] = []

    def query_from_a_thread():
        with app.app_context():
            try:
                db.session.execute(text("SELECT 1"))
            except RuntimeError as error:
                errors.append(error)

    thread = threading.Thread(target=query_from_a_thread)
    thread.start()
    thread.join(timeout=10)
    assert errors and "another thread" in str(errors[0])
    _forgive_the_provoked_violation()
    assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_the_guard_stops_a_second_connection_to_the_test_database(app):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with pytest.raises(RuntimeError, match="second connection"):
            engine.connect()
    finally:
        engine.dispose()
    _forgive_the_provoked_violation()


def _forgive_the_provoked_violation() -> None:
    conftest._ConnectionGuard.active.violation = ""
