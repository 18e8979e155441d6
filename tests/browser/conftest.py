"""Browser fixtures: the real app on a free port, driven by Debian's Chromium through Playwright.

One server per test session (per xdist worker): a SQLite file database migrated to heads, CSRF and rate limits on,
with the demo organisation and the README's demo users loaded once. Every test's page starts signed out, with no
cookies, routes or listeners carried over (pages are pooled and reset between tests: see `PagePool`; `open_page`
gives one with other context options). Tests that change data should create their own objects (see `live_server.create_user`)
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


class PagePool:
    """Browser pages kept open between the tests of one process, one context each.

    A new context and page cost Chromium about 0.4 s of CPU (a renderer process, a storage partition, the first
    parse of the stylesheet and script) and a test may open several; over the suite that was most of Chromium's
    work. A page goes back into the pool at the end of a test that passed, reset to what a new one would show the
    server: no cookies, no routes or permissions, an empty document (in the same renderer process: leaving for
    about:blank would start a new one at the next visit), at the viewport the next test asks for. What the
    reset cannot undo makes the page be closed instead of kept: a closed page, a second page in its context, an
    event listener the test added, web storage. The HTTP cache is kept, as a returning visitor's browser keeps
    it. A test that must see a first visit, or changes what the reset cannot see (emulated media, an init script,
    a fake clock, an exposed function), asks for `@pytest.mark.fresh_context`.
    """

    def __init__(self, browser, base_url: str):
        self._browser = browser
        self._base_url = base_url
        self._idle: dict[tuple, list] = {}

    def take(self, fresh: bool = False, viewport: dict | None = None, **options):
        """A page (and its context) with these context options: locale sv-SE and Stockholm time unless given."""
        viewport = viewport or DESKTOP
        options = {"locale": "sv-SE", "timezone_id": "Europe/Stockholm", **options}
        key = tuple(sorted(options.items()))
        idle = self._idle.get(key)
        if idle and not fresh:
            context, page, listening = idle.pop()
            if page.viewport_size != viewport:
                page.set_viewport_size(viewport)
        else:
            context = self._browser.new_context(base_url=self._base_url, viewport=viewport, **options)
            context.set_default_timeout(10_000)
            page = context.new_page()
            listening = _listening(page)
        return _Taken(key, context, page, listening, fresh)

    def give_back(self, taken: _Taken) -> None:
        """Reset the page for the next test, or close its context if it cannot be reset."""
        from playwright.sync_api import Error

        context, page = taken.context, taken.page
        try:
            reusable = (not taken.fresh and not page.is_closed() and context.pages == [page]
                        and _listening(page) == taken.listening)
            if reusable:
                page.unroute_all(behavior="ignoreErrors")
                context.unroute_all(behavior="ignoreErrors")
                page.set_content("")
                context.clear_cookies()
                context.clear_permissions()
                page.set_default_timeout(10_000)
                page.set_default_navigation_timeout(10_000)
                reusable = not context.storage_state()["origins"]
        except Error:
            reusable = False
        if reusable:
            self._idle.setdefault(taken.key, []).append((context, page, taken.listening))
        else:
            context.close()

    def close(self) -> None:
        for idle in self._idle.values():
            for context, _page, _listening in idle:
                context.close()
        self._idle.clear()


@dataclass
class _Taken:
    key: tuple
    context: object
    page: object
    listening: dict
    fresh: bool


def _listening(page) -> dict:
    """The page's event listeners by event (Playwright's own and any a test added)."""
    emitter = page._impl_obj  # Playwright's client-side page: the public API adds no way to list its listeners
    return {event: emitter.listener_count(event) for event in emitter.event_names()}


@pytest.fixture(scope="session")
def page_pool(browser, live_server):
    pool = PagePool(browser, live_server.url)
    yield pool
    pool.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def open_page(page_pool, request):
    """`open_page(viewport=…, **context_options)` gives a page for this test; pages go back to the pool when the
    test ends (closed instead if it failed, so a broken page never reaches another test)."""
    fresh = request.node.get_closest_marker("fresh_context") is not None
    taken = []

    def open_page(**options):
        taken.append(page_pool.take(fresh=fresh, **options))
        return taken[-1].page

    yield open_page
    failed = request.node.stash.get(_FAILED, False)
    for one in taken:
        if failed:
            one.context.close()
        else:
            page_pool.give_back(one)


@pytest.fixture
def page(open_page):
    """A desktop page (1280×800); relative URLs resolve against the live server."""
    return open_page(viewport=DESKTOP)


@pytest.fixture
def phone_page(open_page):
    """A phone-sized touch page (390×844)."""
    return open_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3)


@pytest.fixture
def no_script_page(open_page):
    """A desktop page with JavaScript turned off: what every form must still do on its own."""
    return open_page(viewport=DESKTOP, java_script_enabled=False)


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


_SPLIT_WORDS = """([selector, skipLinks]) => {
  const split = [];
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (skipLinks && node.parentElement.closest('a')) continue;  // an address may break anywhere
      for (const match of node.textContent.matchAll(/[^\\s-]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) split.push(match[0]);
      }
    }
  }
  return split;
}"""


def split_words(page, selector: str, skip_links: bool = False) -> list[str]:
    """The words inside the elements `selector` finds that the layout split across two lines ("Frågestäl|lare")."""
    return page.evaluate(_SPLIT_WORDS, [selector, skip_links])
