"""Shared fixtures: one app per test process, each test inside a transaction that is rolled back, logged-in
clients per role, and factories.

The database is migrated once per test run (SQLite file, or a PostgreSQL schema of its own when
TEST_DATABASE_URL is set). The app is built once per test process; each test gets the test configuration back,
a fresh instance folder and a fresh app context, and runs on one connection inside an outer transaction that is
rolled back at the end. Code under test still commits: its session works in a SAVEPOINT of that transaction
(SQLAlchemy's "join_transaction_mode='create_savepoint'" recipe), so a commit is a RELEASE and nothing reaches
the file or another test.

Data fixtures made with `module_data` (the `org` of the ticket and network tests) are built once per test module
and worker instead of once per test: the module's tests share one connection whose outer transaction holds that
data, and each test runs in a SAVEPOINT of it that is rolled back at its end, so a test still sees exactly the data
as built and nothing of the test before. Each test gets its own ORM objects, loaded afresh.

Tests whose code opens connections of its own (threads, other processes, a second app on the test database)
cannot see uncommitted rows: they are marked `committing` (automatically when they use `app_config` or the SMTP
server) and run with real commits, after which every table is emptied as before. A guard fails any other test
that uses a second connection or the test's connection from another thread, so a missing marker cannot pass
silently.
"""

from __future__ import annotations

import copy
import os
import re
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, event, inspect, select, text
from sqlalchemy.engine import Engine

from support import create_app
from support.extensions import db, limiter

SHARED_DIR = Path(__file__).resolve().parent.parent.parent / "shared"
TEST_PASSWORD = "korrekt-hast-batteri"
# Fixtures whose code under test opens its own connections: tests using them run with real commits.
COMMITTING_FIXTURES = {"app_config", "smtp_server"}


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "committing: runs with real commits instead of a rolled-back transaction, for code that opens its own "
        "connections (threads, other processes, a second app on the test database); tables are emptied after.")


def pytest_collection_modifyitems(items):
    for item in items:
        if COMMITTING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.committing)
    items[:] = _browser_modules_spread_out(items)


def _browser_modules_spread_out(items: list) -> list:
    """The browser test modules placed evenly among the others (each module's tests stay together, in their
    order). A browser test mostly waits for Chromium, whose work is on another core: xdist gives each worker a
    stretch of the list, so spread out every worker waits for Chromium part of the time while the others use
    the processor, instead of one worker running all the browser tests end to end while the rest queue."""
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    browser = [tests for path, tests in modules.items() if path.startswith("tests/browser/")]
    others = [tests for path, tests in modules.items() if not path.startswith("tests/browser/")]
    if not browser or not others:
        return items
    slots: dict[int, list] = {}
    for number, tests in enumerate(browser):
        slots.setdefault(int((number + 0.5) * len(others) / len(browser)), []).append(tests)
    ordered: list = []
    for index, tests in enumerate(others):
        for browser_tests in slots.get(index, ()):
            ordered.extend(browser_tests)
        ordered.extend(tests)
    return ordered


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
        with db.engine.connect() as connection:
            for table in db.metadata.sorted_tables:
                rows = [dict(row._mapping) for row in connection.execute(table.select())]
                if rows:
                    SEEDED_ROWS[table.name] = rows
        db.engine.dispose()
    return database_url


# Rows the migrations themselves insert (the knowledge base's cache stamp): part of a clean database, so they are
# put back after a committing test empties the tables.
SEEDED_ROWS: dict[str, list[dict]] = {}


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
    for table in db.metadata.sorted_tables:
        if table.name in SEEDED_ROWS:
            db.session.execute(table.insert(), SEEDED_ROWS[table.name])
    db.session.commit()


def _has_sqlite_sequence() -> bool:
    return bool(db.session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='sqlite_sequence'")
    ).first())


@dataclass
class SharedApp:
    """The test process's app and the configuration every test starts from."""

    app: object
    config: dict


@pytest.fixture(scope="session")
def shared_app(migrated_database, tmp_path_factory):
    """Built once per test process: `create_app` compiles the URL map and templates, which is most of a fast
    test's time when done per test."""
    app = create_app(_test_config(migrated_database, tmp_path_factory.mktemp("shared-instance")))
    app.before_request(_forget_previous_request)
    # A session bound to a connection that is already in a transaction works in a SAVEPOINT of it, so code
    # under test may commit and roll back as usual. (With an engine as the bind, as in committing tests and
    # apps that tests build themselves, this setting does nothing.)
    db.session.session_factory.configure(join_transaction_mode="create_savepoint")
    if not event.contains(Engine, "engine_connect", _on_engine_connect):
        event.listen(Engine, "engine_connect", _on_engine_connect)
    yield SharedApp(app=app, config=copy.deepcopy(dict(app.config)))
    with app.app_context():
        _MODULE_DATA.close()


def _start_from_the_test_configuration(shared: SharedApp, instance_dir: Path) -> None:
    """Undo what an earlier test changed on the shared app: settings, the instance folder and its search
    index, and the in-memory counters of rate limits and password guesses."""
    app = shared.app
    app.config.clear()
    app.config.update(copy.deepcopy(shared.config))
    app.config.update(INSTANCE_DIR=str(instance_dir), INDEX_DIR=str(instance_dir / "index"),
                      ATTACHMENT_DIR=str(instance_dir / "attachments"),
                      MAIL_SINK_DIR=str(instance_dir / "mail-sink"))
    app.instance_path = str(instance_dir)
    app.extensions.pop("kb_reading_cache", None)  # lists cached per corpus stamp, which rolled back with the test
    # The process's copy of the current announcements: a test's announcement, rolled back with it, stayed in the
    # copy for up to ANNOUNCEMENT_CACHE_SECONDS and showed in the next test's banner.
    app.extensions.pop("announcement_copy", None)
    cached_index = app.extensions.pop("kb_index", None)
    if cached_index is not None:
        cached_index[0].close()
    app.extensions["guess_throttle"].storage.reset()
    # One Limiter serves every app; an app a test built with limits on switched it on for all of them.
    limiter.init_app(app)


@pytest.fixture
def app(shared_app, tmp_path, request):
    instance_dir = tmp_path / "instance"
    instance_dir.mkdir(parents=True, exist_ok=True)
    _start_from_the_test_configuration(shared_app, instance_dir)
    flask_app = shared_app.app
    with flask_app.app_context():
        if request.node.get_closest_marker("committing"):
            _MODULE_DATA.close()  # on SQLite its open transaction would lock out the test's commits
            yield flask_app
            db.session.rollback()
            _empty_all_tables()
            db.session.remove()
            db.engine.dispose()
        elif _MODULE_DATA_NAMES & set(request.fixturenames):
            with _MODULE_DATA.savepoint(flask_app, request.node):
                yield flask_app
        else:
            _MODULE_DATA.close()  # the test must not see another module's data (nor wait for its lock)
            with _rolled_back_transaction(flask_app, request.node.nodeid):
                yield flask_app


@contextmanager
def _rolled_back_transaction(flask_app, test_name: str):
    """Every session of the app works on one connection inside an outer transaction that is rolled back."""
    engines = db._app_engines[flask_app]  # Flask-SQLAlchemy's per-app engines; sessions ask it for their bind
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    try:
        with _on_connection(flask_app, connection, test_name):
            yield
    finally:
        outer.rollback()
        connection.close()


@contextmanager
def _on_connection(flask_app, connection, test_name: str):
    """The app's sessions use `connection` (already in a transaction) for the test, under the guard."""
    engines = db._app_engines[flask_app]
    engine = engines[None]
    guard = _ConnectionGuard(engine, connection)
    engines[None] = connection
    try:
        yield
    finally:
        guard.stop()
        db.session.remove()
        engines[None] = engine
    if guard.violation:
        pytest.fail(f"{test_name}: {guard.violation}; mark it @pytest.mark.committing so it runs with real "
                    f"commits (its rows would otherwise be invisible to, or shared with, that code)")


class _ModuleData:
    """The data of `module_data` fixtures, built once in the outer transaction of one connection per test module;
    each test of the module runs in a SAVEPOINT of it, rolled back at the test's end."""

    def __init__(self):
        self.module = None
        self.connection = None
        self.outer = None
        self.test_savepoint = None
        self.built: dict = {}  # builder → its data as (class, primary key) references
        self.writes = 0  # INSERT/UPDATE/DELETE statements since the test's savepoint began

    @contextmanager
    def savepoint(self, flask_app, node):
        if self.module is not node.module:
            self.close()
            self.module = node.module
            self.connection = db._app_engines[flask_app][None].connect()
            self.outer = self.connection.begin()
            event.listen(self.connection, "before_cursor_execute", self._count_writes)
        self.test_savepoint = self.connection.begin_nested()
        self.writes = 0
        try:
            with _on_connection(flask_app, self.connection, node.nodeid):
                yield
        finally:
            if self.test_savepoint.is_active:
                self.test_savepoint.rollback()
            self.test_savepoint = None

    def get(self, builder):
        """The builder's data for this test: loaded afresh when the module has it, else built (and kept for the
        module's later tests, unless this test wrote something before, which must not outlive it)."""
        if self.test_savepoint is None:  # a committing test: built for it alone
            return builder(Factory())
        if builder not in self.built:
            if self.writes:
                return builder(Factory())
            data = builder(Factory())
            db.session.commit()
            self.test_savepoint.commit()  # the data now belongs to the module's transaction
            self.test_savepoint = self.connection.begin_nested()
            self.writes = 0
            self.built[builder] = _references(data)
            db.session.expunge_all()
        return _load(self.built[builder])

    def close(self) -> None:
        if self.connection is not None:
            event.remove(self.connection, "before_cursor_execute", self._count_writes)
            self.outer.rollback()
            self.connection.close()
        self.module = self.connection = self.outer = self.test_savepoint = None
        self.built = {}

    def _count_writes(self, _connection, _cursor, statement, *_args):
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.writes += 1


_MODULE_DATA = _ModuleData()
_MODULE_DATA_NAMES: set[str] = set()


def module_data(builder, *, name: str):
    """A fixture `name` whose data, `builder(factory)`, is built once per test module and worker and rolled back
    to after every test (see the module docstring). Tests using it must not commit for real (`committing` tests
    get the data built for them alone). A builder may use another module_data builder through
    `module_data_of(builder)`."""
    _MODULE_DATA_NAMES.add(name)

    @pytest.fixture(name=name)
    def fixture(app):
        return _MODULE_DATA.get(builder)

    fixture.__doc__ = builder.__doc__
    return fixture


def module_data_of(builder):
    """Inside a module_data builder: another builder's data, shared the same way."""
    return _MODULE_DATA.get(builder)


def _references(value):
    return _each_leaf(value, _reference_of)


def _load(value):
    """`value` with its references loaded in the test's session: one SELECT per class (with the class's eager
    relationships loaded alongside), not one per object, since every test of the module asks for all of them."""
    wanted: dict[type, set[tuple]] = {}
    _each_leaf(value, lambda leaf: wanted.setdefault(leaf.cls, set()).add(leaf.identity)
               if isinstance(leaf, _Reference) else None)
    loaded = []  # held until the end: the session's identity map keeps only weak references
    for cls, identities in wanted.items():
        key = inspect(cls).primary_key
        if len(key) == 1:
            loaded += db.session.scalars(select(cls).where(key[0].in_([identity[0] for identity in identities])))
    return _each_leaf(value, lambda leaf: db.session.get(leaf.cls, leaf.identity)
                      if isinstance(leaf, _Reference) else leaf)


def _reference_of(value):
    state = inspect(value, raiseerr=False)
    if state is not None and getattr(state, "mapper", None) is not None:
        return _Reference(state.mapper.class_, state.identity)
    return value


def _each_leaf(value, change):
    """`value` with `change` applied to everything inside its namespaces, dicts, lists and tuples."""
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**{key: _each_leaf(item, change) for key, item in vars(value).items()})
    if isinstance(value, dict):
        return {key: _each_leaf(item, change) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_each_leaf(item, change) for item in value)
    return change(value)


@dataclass(frozen=True)
class _Reference:
    cls: type
    identity: tuple


class _ConnectionGuard:
    """Notices a test whose code opens a second connection to the test database or uses the test's connection
    from another thread: such code would not see the test's uncommitted rows (or would share one connection
    between threads), so a test could pass or fail for the wrong reason."""

    active: _ConnectionGuard | None = None

    def __init__(self, engine, connection):
        self.url = engine.url
        self.connection = connection
        self.thread = threading.get_ident()
        self.violation = ""
        event.listen(connection, "before_cursor_execute", self._same_thread)
        _ConnectionGuard.active = self

    def _same_thread(self, *_args):
        if threading.get_ident() != self.thread:
            self.violation = self.violation or "it used the test's connection from another thread"
            raise RuntimeError(self.violation)

    def second_connection(self, connection) -> None:
        if connection is not self.connection and connection.engine.url == self.url:
            self.violation = self.violation or "it opened a second connection to the test database"
            raise RuntimeError(self.violation)

    def stop(self) -> None:
        _ConnectionGuard.active = None
        event.remove(self.connection, "before_cursor_execute", self._same_thread)


def _on_engine_connect(connection) -> None:
    if _ConnectionGuard.active is not None:
        _ConnectionGuard.active.second_connection(connection)


@pytest.fixture
def app_config(app, migrated_database, tmp_path) -> dict:
    """For a test that builds its own app (`create_app(app_config)`) on the test database: the test
    configuration, which the test may change. Such tests run with real commits (see `committing`)."""
    return _test_config(migrated_database, tmp_path / "instance")


def _forget_previous_request() -> None:
    """A test holds one app context across its requests; clear `g` so each request starts as in production
    (Flask-Login caches the signed-in user and Flask-Babel the locale there)."""
    from flask import g

    for name in list(vars(g)):
        delattr(g, name)


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
