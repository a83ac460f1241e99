"""Browser tests: Playwright for Python driving Debian's Chromium.

Playwright's own browser download is not used: `.ci/run` installs Debian's
`chromium` and the tests launch `/usr/bin/chromium` (or `CHROMIUM_PATH`).
Without it the tests are skipped locally and fail in CI (`CI` set), so a
missing browser can never pass for a green run there.
"""

import os
import re
import shutil
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.templatetags.static import static

from casualties.demo import DEMO_ACCOUNTS, create_demo_accounts
from casualties.reference_case import load_reference_case

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _chromium() -> str | None:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    return path if path and os.access(path, os.X_OK) else None


@pytest.fixture
def browser(_reference_data):
    """Chromium, started after the test's database is set up.

    Playwright's sync API keeps an event loop running in this thread, and
    while it runs Django hands out other connection objects; one started per
    test, after the data is restored, leaves Django's test setup alone.
    """
    path = _chromium()
    if path is None:
        message = "Chromium not found: apt-get install chromium, or set CHROMIUM_PATH"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Django refuses ORM calls where an event loop runs; the tests only set
    # up and check data there, never concurrently with a request.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(
        executable_path=path, headless=True, args=["--no-sandbox"]
    )
    yield chromium
    chromium.close()
    # The connections the test opened while the loop ran are not the ones
    # Django's teardown closes; left open, they keep the test database alive.
    connections.close_all()
    playwright.stop()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """Every browser test runs against the live server's committed data.

    Serialized rollback brings back what the data migrations created (roles,
    taxonomies) after each live-server test empties the tables.
    """
    marker = pytest.mark.django_db(transaction=True, serialized_rollback=True)
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(marker)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(request, live_server, browser):
    """A fresh browser tab on the live server; a screenshot is kept on failure."""
    context = browser.new_context(base_url=live_server.url)
    # Long enough for a slow machine under two test workers: a claims page
    # once took over 10 s to appear there (the preflight of 5504ca9); run
    # again alone, the same test passed.
    context.set_default_timeout(30_000)
    tab = context.new_page()
    # Whatever a page does, it must not trip the Content-Security-Policy (a
    # refused script or style means a broken page) nor open a dialog (an
    # injected script ran).
    refused, dialogs = [], []
    tab.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.dialogs = dialogs
    yield tab
    failed = any(
        getattr(request.node, f"report_{when}", None) is not None
        and getattr(request.node, f"report_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()
    _wait_for_the_server(live_server.url)
    assert refused == [], "the Content-Security-Policy refused something"
    assert dialogs == [], "a script opened a dialog"


def _wait_for_the_server(url: str) -> None:
    """Return once the live server has answered what the closed tab had
    asked last (the dashboard's map, say), so that the next test's setup
    does not empty the tables under it. On SQLite the server answers one
    request at a time (tests/conftest.py), so a static file's answer comes
    after theirs; it reads no database."""
    with urllib.request.urlopen(url + static("css/base.css"), timeout=60) as answer:
        answer.read()


@pytest.fixture
def _reference_data():
    """The reference case and the demo accounts, as `make run` loads them."""
    create_demo_accounts()
    return load_reference_case()


@pytest.fixture
def reference_root(_reference_data):
    return _reference_data


@pytest.fixture
def log_in(page):
    """`log_in(role)`: log in through the login form as that demo account."""

    def as_role(role: str):
        username, password = DEMO_ACCOUNTS[role]
        page.goto("/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        # The dashboard, by its path: a pattern such as "/$" matches the
        # login page's own address, so the wait ended at once and the test's
        # next `goto` could cut the login's POST short, leaving the tab
        # logged out (a test under two busy workers found itself on the
        # login page).
        page.wait_for_url(lambda url: urlsplit(url).path == "/")
        return page

    return as_role
