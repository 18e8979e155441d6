"""Browser fixtures: the real app on a free port, driven by Debian's Chromium through Playwright.

One server per test session (per xdist worker): a SQLite file database migrated to heads, CSRF and rate limits on,
with the demo organisation and the README's demo users loaded once. Every test gets a fresh browser context (no
cookies carried over). Tests that change data should create their own objects (see `live_server.create_user`)
instead of editing the shared demo people, so the tests never depend on their order.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from support import create_app
from support.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
DEMO_PASSWORD = "demo"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
NARROWEST = {"width": 320, "height": 640}  # WCAG 1.4.10 reflow: nothing may scroll sideways
WIDE = {"width": 1366, "height": 900}  # the laptop the workspace is sized for


class _QuietRequestHandler(WSGIRequestHandler):
    """Keeps one log line per request out of the test output; errors still go to the app's logger."""

    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture(autouse=True, scope="session")
def _require_chromium():
    if not CHROMIUM.exists():
        pytest.skip("Browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium).")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("Browser tests need Playwright (pip install -e '.[test]').")


@dataclass
class LiveServer:
    """The running app: `url` to browse to, `app` for setup in an app context."""

    url: str
    app: object
    demo_password: str = DEMO_PASSWORD
    _counter: list[int] = field(default_factory=lambda: [0])

    def create_user(self, name: str = "Test Testsson", groups=(), roles=(), password: str = DEMO_PASSWORD,
                    email: str | None = None):
        """A person of one's own for a test that changes data; returns their e-mail address."""
        from support.accounts import service

        email = email or f"browser-{uuid.uuid4().hex[:10]}@example.com"
        with self.app.app_context():
            user = service.create_user(email, name,
                                       groups=[service.parse_membership(g) for g in groups],
                                       roles=[service.parse_membership(r) for r in roles])
            # The demo's short password, like the demo people's (refused for real accounts).
            service.set_password(user, password, minimum_length=1)
            db.session.commit()
        return email


def _browser_config(database_url: str, instance_dir: Path) -> dict:
    return {
        "TESTING": False,
        "SECRET_KEY": "browser-test-secret-key-that-is-long-enough",
        "DATABASE_URL": database_url,
        "INSTANCE_DIR": str(instance_dir),
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # the real scrypt costs seconds per demo person
    }


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, _require_chromium):
    from flask_migrate import upgrade

    from support.demo import load_demo_users
    from support.orgs.demo import load_demo_organisation

    instance_dir = tmp_path_factory.mktemp("browser-instance")
    for folder in ("index", "attachments"):
        (instance_dir / folder).mkdir()
    app = create_app(_browser_config(f"sqlite:///{instance_dir / 'support.db'}", instance_dir))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")
        load_demo_organisation()
        load_demo_users(DEMO_PASSWORD)
        db.session.commit()
        _init_other_areas()
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietRequestHandler)
    url = f"http://127.0.0.1:{server.port}"
    app.config["PUBLIC_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=url, app=app)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(instance_dir, ignore_errors=True)


def _init_other_areas() -> None:
    """What `support init` does beyond migrations (e.g. create the search index), if the area provides it."""
    try:
        from kb.cli import on_init
    except ImportError:
        return
    on_init()


@pytest.fixture(scope="session")
def demo_articles(live_server):
    """The demo knowledge base, imported once per test process (an import costs seconds; tests that edit an
    article add to it and leave the others as they were)."""
    from kb.demo import load_demo_articles

    with live_server.app.app_context():
        load_demo_articles()


@pytest.fixture(scope="session")
def browser(_require_chromium):
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        except Error as error:
            pytest.skip(f"Playwright cannot launch /usr/bin/chromium: {str(error).splitlines()[0]}")
        yield chromium
        chromium.close()


def new_page(browser, live_server, **context_options):
    """`(context, page)` in a fresh Swedish context on the live server; close the context when done."""
    context = browser.new_context(base_url=live_server.url, locale="sv-SE", timezone_id="Europe/Stockholm",
                                  **context_options)
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server):
    """A desktop page (1280×800) in a fresh context; relative URLs resolve against the live server."""
    context, desktop_page = new_page(browser, live_server, viewport=DESKTOP)
    yield desktop_page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized touch page (390×844) in a fresh context."""
    context, mobile_page = new_page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True,
                                     device_scale_factor=3)
    yield mobile_page
    context.close()


@pytest.fixture
def no_script_page(browser, live_server):
    """A desktop page with JavaScript turned off: what every form must still do on its own."""
    context, plain_page = new_page(browser, live_server, viewport=DESKTOP, java_script_enabled=False)
    yield plain_page
    context.close()


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through /login as a person would and wait for the page that follows."""
    page.goto("/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Logga in").click()


@pytest.fixture
def login_page():
    """`login_page(page, email, password="demo")` signs a page in through the login form."""
    return sign_in


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}")
        for node in violation["nodes"][:5]:
            target = " ".join(str(part) for part in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}: {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def keep_screenshot(page, name: str) -> None:
    """A full-page screenshot to look at, saved as `<name>.png` in the folder BROWSER_SCREENSHOTS names (not
    taken when it is unset: nothing checks them, and the suite would pay for 30 of them on every run)."""
    folder = os.environ.get("BROWSER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def check_accessibility(page, context=None) -> None:
    """Run axe-core's WCAG 2.0/2.1 A and AA rules on the page; fail with a readable list of violations. axe-core
    (the copy axe-playwright-python ships) is put into a document once, not again for each check of it."""
    from axe_playwright_python.base import AXE_SCRIPT

    if page.evaluate("typeof window.axe") == "undefined":
        page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = page.evaluate("([context, options]) => axe.run(context || document, options)", [context, options])
    violations = results["violations"]
    assert not violations, f"Accessibility violations on {page.url}:\n{format_violations(violations)}"


@pytest.fixture
def axe_check():
    """`axe_check(page)` fails the test with every WCAG 2.0/2.1 A/AA violation axe-core finds on the page."""
    return check_accessibility
