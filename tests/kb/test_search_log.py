"""The search log keeps what people looked for, never a personal identity number typed into the search box."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import insert, select

from kb.cli import kb_cli
from kb.models import SearchLog
from support import create_app
from support.extensions import db
from tests.conftest import _test_config
from tests.kb.articles import flush_reading, make_article

# 190101-0007 passes the Luhn check; 190101-0008 is the same number mistyped
NUMBERS = ["190101-0007", "19190101-0007", "1901010007", "190101+0007", "190101 0007", "190101-0008",
           "190161-0004"]  # the last one a coordination number


def _digits_of(number: str) -> list[str]:
    """Runs of the number's digits long enough to give it away (the year and day alone say little)."""
    digits = re.sub(r"\D", "", number)
    return [digits[i:i + 4] for i in range(len(digits) - 3)]


@pytest.mark.parametrize("number", NUMBERS)
def test_a_personal_number_searched_for_leaves_no_digits_in_the_log_or_the_report(app, client, login_as, number):
    make_article("absence", title="Anmäl frånvaro", body="Så anmäler du frånvaro.")
    client.get("/kb/sok", query_string={"q": f"{number} frånvaro"})
    client.get("/api/v1/kb/search", query_string={"q": f"Frånvaro för {number}"})
    flush_reading()
    logged = db.session.scalars(select(SearchLog.query)).all()
    assert len(logged) == 2 and all("frånvaro" in query for query in logged)
    report = login_as("kb_editor").get("/kb/redaktion/rapport").get_data(as_text=True)
    assert "frånvaro" in report
    for digits in _digits_of(number):
        assert not any(digits in query for query in logged), (digits, logged)
        assert digits not in report, digits


def test_the_cli_search_logs_no_personal_number_either(app, runner):
    runner.invoke(kb_cli, args=["search", "frånvaro 19190101-0007"])
    flush_reading()
    assert db.session.scalars(select(SearchLog.query)).all() == ["frånvaro ååmmdd-xxxx"]


def test_other_numbers_in_a_search_are_logged_as_typed(app, client):
    client.get("/kb/sok", query_string={"q": "felkod 500123 version 2024"})
    flush_reading()
    assert db.session.scalar(select(SearchLog.query)) == "felkod 500123 version 2024"


def test_upgrading_hides_numbers_the_log_kept_before(tmp_path: Path):
    scratch = create_app(_test_config(f"sqlite:///{tmp_path / 'scratch.db'}", tmp_path))
    directory = str(Path(scratch.extensions["migrate"].directory))
    with scratch.app_context():
        upgrade(directory=directory, revision="0005_merge_areas")
        db.session.execute(insert(SearchLog).values(query="190101-0007 frånvaro"))
        db.session.execute(insert(SearchLog).values(query="schema vecka 12"))
        db.session.commit()
        upgrade(directory=directory, revision="heads")
        assert set(db.session.scalars(select(SearchLog.query))) == {"ååmmdd-xxxx frånvaro", "schema vecka 12"}
        db.session.remove()
        db.engine.dispose()
