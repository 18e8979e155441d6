"""The migrations and the models describe the same database (this guards every area's migration)."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from support import create_app
from support.extensions import db
from tests.conftest import _test_config

# Objects a migration creates on purpose that SQLAlchemy models cannot describe (e.g. PostgreSQL expression
# indexes). Each entry says where it comes from; anything else that differs is a bug in a migration or a model.
DATABASE_ONLY_INDEXES = {
    "ix_tickets_search": "0003_tickets: GIN full-text index over tickets.search_vector, PostgreSQL only",
    "ix_tickets_public_search": "0010_public_search_text: GIN index over tickets.public_search_vector, PostgreSQL only",
}
DATABASE_ONLY_COLUMNS = {
    ("tickets", "search_vector"): "0003_tickets: stored tsvector generated from search_text, PostgreSQL only",
    ("tickets", "public_search_vector"): "0010_public_search_text: stored tsvector generated from "
                                         "public_search_text, PostgreSQL only",
}


def _include(obj, name, type_, reflected, compare_to):
    if not reflected or compare_to is not None:
        return True
    if type_ == "index":
        return name not in DATABASE_ONLY_INDEXES
    if type_ == "column":
        return (obj.table.name, name) not in DATABASE_ONLY_COLUMNS
    return True


def _differences(connection):
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "render_as_batch": True, "include_object": _include})
    return compare_metadata(context, db.metadata)


@pytest.mark.committing
def test_models_and_migrated_database_match(app):
    with db.engine.connect() as connection:
        differences = _differences(connection)
    assert differences == [], "models and migrations differ; regenerate the area's migration:\n" + "\n".join(
        str(difference) for difference in differences)


def test_every_model_table_is_created_by_a_migration(app):
    tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migrations_run_down_to_nothing_and_up_again(tmp_path):
    """On a scratch SQLite file: every migration has a working downgrade, and upgrading again is clean."""
    app = create_app(_test_config(f"sqlite:///{tmp_path / 'scratch.db'}", tmp_path))
    directory = str(Path(app.extensions["migrate"].directory))
    with app.app_context():
        upgrade(directory=directory, revision="heads")
        downgrade(directory=directory, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=directory, revision="heads")
        with db.engine.connect() as connection:
            assert _differences(connection) == []
        db.engine.dispose()


def test_the_migrations_have_one_head_so_new_ones_have_a_clear_parent(app):
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config(
        app.extensions["migrate"].directory))
    assert len(script.get_heads()) == 1, script.get_heads()
