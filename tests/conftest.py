"""Shared fixtures: an app per test on a clean database, logged-in clients per role, and factories.

The database is migrated once per test run (SQLite file, or a PostgreSQL schema of its own when
TEST_DATABASE_URL is set) and emptied after every test, so each test starts clean and the suite stays fast.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from support import create_app
from support.extensions import db

SHARED_DIR = Path(__file__).resolve().parent.parent.parent / "shared"
TEST_PASSWORD = "korrekt-hast-batteri"


def _postgres_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    base = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", base)
    schema = f"test_{worker_id}_{uuid.uuid4().hex[:8]}"
    admin_engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _postgres_url(base, schema)
    finally:
        with admin_engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin_engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(database_url, tmp_path_factory):
    """Run every migration once, exactly as `support init` does."""
    from flask_migrate import upgrade

    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("migrate")))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")
        db.engine.dispose()
    return database_url


def _test_config(database_url: str, instance_dir: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        "DATABASE_URL": database_url,
        "INSTANCE_DIR": str(instance_dir),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Hashing strength is Werkzeug's business; tests only need a real, quick hash.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": "localhost",
        "PUBLIC_URL": "http://localhost",
    }


def _empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
        if _has_sqlite_sequence():
            db.session.execute(text("DELETE FROM sqlite_sequence"))
    db.session.commit()


def _has_sqlite_sequence() -> bool:
    return bool(db.session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='sqlite_sequence'")
    ).first())


@pytest.fixture
def app_config(migrated_database, tmp_path) -> dict:
    """Override keys in a test with `@pytest.mark.parametrize` or by requesting and mutating this dict."""
    return _test_config(migrated_database, tmp_path / "instance")


def _forget_previous_request() -> None:
    """A test holds one app context across its requests; clear `g` so each request starts as in production
    (Flask-Login caches the signed-in user and Flask-Babel the locale there)."""
    from flask import g

    for name in list(vars(g)):
        delattr(g, name)


@pytest.fixture
def app(app_config):
    Path(app_config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    app = create_app(app_config)
    app.before_request(_forget_previous_request)
    with app.app_context():
        yield app
        db.session.rollback()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Factory:
    """Builds schools and people for tests; everything is flushed so ids exist."""

    def __init__(self):
        self._counter = 0

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def administration(self, name: str = "Bromma", kind: str = "district"):
        from support.orgs.service import get_or_create_administration

        return get_or_create_administration(name, kind)

    def school(self, name: str | None = None, forms=("compulsory",), administration=None, slug=None):
        from support.orgs.service import get_or_create_school

        name = name or f"Testskolan {self._next()}"
        school = get_or_create_school(name, administration or self.administration(), list(forms), slug=slug)
        db.session.flush()
        return school

    def user(self, email: str | None = None, name: str = "Test Testsson", groups=(), roles=(),
             password: str = TEST_PASSWORD):
        from support.accounts import service

        email = email or f"person{self._next()}@example.com"
        user = service.create_user(email, name, password,
                                   groups=[service.parse_membership(g) for g in groups],
                                   roles=[service.parse_membership(r) for r in roles])
        db.session.flush()
        return user


@pytest.fixture
def factory(app):
    return Factory()


def login(client, email: str, password: str = TEST_PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def login_as(app, factory):
    """`login_as("guardian:ekbackaskolan")`, `login_as("agent")` or `login_as(user)` → a signed-in test client."""
    from support.accounts.models import STAFF_ROLES
    from support.orgs.service import school_by_slug

    def sign_in(who):
        user = who
        if isinstance(who, str):
            kind, _, slug = who.partition(":")
            if slug and school_by_slug(slug) is None:
                factory.school(name=slug.replace("-", " ").title(), slug=slug)
            is_role = kind in STAFF_ROLES
            user = factory.user(groups=() if is_role else (who,), roles=(who,) if is_role else ())
        db.session.commit()
        test_client = app.test_client()
        response = login(test_client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        test_client.user = user
        return test_client

    return sign_in
