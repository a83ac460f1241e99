"""Fixtures: factories in factories.py, one logged-in client per role.

Property tests run a quick profile by default and a thorough one in CI
(`HYPOTHESIS_PROFILE=ci`, set by .ci/run).
"""

import os
import socket

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread
from django.test.utils import override_settings
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient

from tests.factories import UserFactory

for name, examples in (("dev", 40), ("ci", 200)):
    settings.register_profile(
        name,
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _plain_http_settings(settings):
    """Tests talk plain HTTP to an unbuilt static tree."""
    settings.SECURE_SSL_REDIRECT = False
    # Hashing demo passwords properly costs a second each; tests need no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture
def redis_url() -> str:
    """A database of the Redis at 127.0.0.1:6379 for a test that needs
    Redis (RQ, the shared cache); such a test is skipped where none runs,
    and fails in CI, which never passes by skipping (as the browser tests)."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        message = "needs the Redis at 127.0.0.1:6379"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return "redis://127.0.0.1:6379/15"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The API throttles count in the cache: each test starts with none spent."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_query_log():
    """Each test's query counts start from an empty log. The log keeps the
    last 9,000 queries of the connection: once a long run has filled it, a
    CaptureQueriesContext measures a window that has moved (a count of 0, or
    of other queries) and the count tests fail or pass for nothing."""
    for connection in connections.all(initialized_only=True):
        connection.queries_log.clear()


def _user_in(role: str):
    user = UserFactory(username=role)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def researcher(db):
    return _user_in("researcher")


@pytest.fixture
def analyst(db):
    return _user_in("analyst")


@pytest.fixture
def editor(db):
    return _user_in("editor")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def researcher_client(client, researcher):
    return _client_for(client, researcher)


@pytest.fixture
def analyst_client(client, analyst):
    return _client_for(client, analyst)


@pytest.fixture
def editor_client(client, editor):
    return _client_for(client, editor)


@pytest.fixture
def admin_client(client, admin_user):
    return _client_for(client, admin_user)


@pytest.fixture
def api():
    """`api(user)`: an API client logged in as that user (anonymous without one)."""

    def client_for(user=None):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return client_for


@pytest.fixture(scope="session")
def _plain_http():
    """The live server speaks plain HTTP: no redirect to HTTPS, no secure cookies.

    The server reads these when it starts, before any per-test settings apply.
    """
    with override_settings(
        SECURE_SSL_REDIRECT=False,
        SECURE_HSTS_SECONDS=0,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
    ):
        yield


class _OneRequestAtATime(WSGIServer):
    """The live server's server, serving one request after another (each on
    its own connection, as Django's server does when it is not threaded).

    On SQLite the test database lives in memory, and the live server's
    request threads all share the test's one connection to it. Two requests
    at once, such as the dashboard's map fetch and the next page a test
    opens, then used that connection together: "bad parameter or other API
    misuse", a session read as missing, the tab logged out, and a browser
    test waiting 30 s for a field of a page it never got (the preflight of
    21679c9; very likely the earlier "Report text" failures too)."""

    def __init__(self, *args, connections_override=None, **kwargs):
        # The live server's own thread already uses the shared connection.
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="session")
def _one_request_at_a_time(django_db_setup):
    """On an in-memory SQLite test database, the live server serves one
    request at a time; on PostgreSQL each request thread has its own
    connection and the server stays threaded."""
    if not any(c.vendor == "sqlite" and c.is_in_memory_db() for c in connections.all()):
        yield
        return
    threaded = LiveServerThread.server_class
    LiveServerThread.server_class = _OneRequestAtATime
    yield
    LiveServerThread.server_class = threaded


@pytest.fixture(scope="session")
def live_server(_plain_http, _one_request_at_a_time, live_server):
    return live_server
