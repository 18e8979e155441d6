"""Tests do not see each other: rows, settings and files of one test are gone in the next, whether it ran in a
rolled-back transaction or with real commits (tests/conftest.py)."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import current_app
from sqlalchemy import create_engine, func, select, text

from support.accounts.models import User
from support.extensions import db
from tests import conftest

COMMITTING = pytest.mark.committing


def _rows_in_every_table() -> dict[str, int]:
    """Row counts of every table that holds more or fewer rows than the migrations left in it."""
    counts = {table.name: db.session.scalar(select(func.count()).select_from(table))
              for table in db.metadata.sorted_tables}
    return {name: count for name, count in counts.items() if count != len(conftest.SEEDED_ROWS.get(name, ()))}


def _shared_school(factory):
    school = factory.school("Delade skolan", slug="delade-skolan")
    return SimpleNamespace(school=school, guardian=factory.user("delad@example.com",
                                                                groups=["guardian:delade-skolan"]))


shared = conftest.module_data(_shared_school, name="shared")


# Data built once for the module is there, exactly as built, in every test that asks for it (each with objects of
# its own), whatever the test before changed; a committing test gets it built for itself alone.
@pytest.mark.parametrize("run", ["shared-1", "shared-2", pytest.param("committed", marks=COMMITTING), "shared-3"])
def test_module_data_is_as_built_in_every_test_whatever_the_test_before_changed(shared, factory, run):
    assert _rows_in_every_table() == {"schools": 1, "administrations": 1, "school_forms": 1, "users": 1,
                                      "group_memberships": 1}
    assert (shared.school.name, shared.guardian.email) == ("Delade skolan", "delad@example.com")
    assert db.session.get(type(shared.school), shared.school.id) is shared.school

    shared.school.name = f"Ändrad av {run}"
    factory.user(f"{run}@example.com", groups=["guardian:delade-skolan"])
    db.session.commit()
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


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
