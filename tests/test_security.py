"""Headers, logins and rates that hold whatever page or endpoint is asked:
the Content-Security-Policy, the lockout after failed logins, the API throttles."""

import re

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from core.throttles import CountingThrottle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        directive.split()[0]: directive.split()[1:]
        for directive in header.split(";")
        if directive.strip()
    }


@pytest.mark.parametrize(
    "url",
    ["/login/", "/", "/incidents/", "/api/v1/incidents/", "/admin/", "/nowhere/"],
)
def test_every_response_carries_the_content_security_policy(editor_client, url):
    response = editor_client.get(url, follow=False)

    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_no_page_of_ours_carries_an_inline_script_without_the_nonce(editor_client):
    for url in ("/", "/incidents/", "/login/", "/api/v1/docs/", "/api/v1/docs/redoc/"):
        page = editor_client.get(url).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in tag or 'type="application/json"' in tag, (url, tag)


def _fail(client, username, times, address="10.0.0.1"):
    for _ in range(times):
        response = client.post(
            "/login/",
            {"username": username, "password": "wrong"},
            REMOTE_ADDR=address,
        )
    return response


def test_an_account_is_locked_out_after_repeated_failed_logins(settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="amina")
    client = Client()

    assert _fail(client, "amina", 2).status_code == 200  # the form, with its error
    locked = _fail(client, "amina", 1)

    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "ask an administrator to unlock" in locked.content.decode()
    # The right password from another address does not get in either.
    right = client.post(
        "/login/", {"username": "amina", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_address_is_locked_out_whatever_account_it_tries(settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="bilal")
    client = Client()
    for name in ("a", "b", "c"):
        _fail(client, name, 1, address="10.0.0.7")

    response = client.post(
        "/login/", {"username": "bilal", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )

    assert response.status_code == 429
    # Elsewhere the account is not locked.
    elsewhere = Client().post(
        "/login/", {"username": "bilal", "password": PASSWORD}, REMOTE_ADDR="10.0.0.8"
    )
    assert elsewhere.status_code == 302


def test_the_admin_login_is_locked_out_too(settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="chen", is_staff=True)
    client = Client()
    for _ in range(3):
        client.post(
            "/admin/login/",
            {"username": "chen", "password": "wrong"},
            REMOTE_ADDR="10.0.0.3",
        )

    response = client.post(
        "/admin/login/",
        {"username": "chen", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.3",
    )

    assert response.status_code == 429


def test_an_admin_unlocks_an_account(settings, admin_client):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="dara")
    _fail(Client(), "dara", 3)
    assert AccessAttempt.objects.filter(username="dara").exists()

    # The admin lists the attempts; deleting them (or `axes_reset`) unlocks.
    listing = admin_client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "dara" in listing.content.decode()
    call_command("axes_reset_username", "dara")

    response = Client().post(
        "/login/", {"username": "dara", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302


def _rates(monkeypatch, **rates):
    """DRF reads the rates once, when it is imported."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def test_the_api_throttles_a_signed_in_client(monkeypatch, api, researcher):
    _rates(monkeypatch, anon="2/min", user="3/min")
    client = api(researcher)

    answers = [client.get("/api/v1/incidents/").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    refused = client.get("/api/v1/incidents/")
    assert "detail" in refused.json()
    assert int(refused["Retry-After"]) > 0


def test_the_api_throttles_anonymous_readers(settings, monkeypatch, api):
    settings.PUBLIC_READ = True
    _rates(monkeypatch, anon="2/min", user="100/min")
    client = api()

    answers = [client.get("/api/v1/incidents/").status_code for _ in range(3)]

    assert answers == [200, 200, 429]


class _Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["locmem", "redis"])
def throttle_cache(request, settings):
    """The throttles count in the cache the settings name: each process's
    memory by default, Redis (REDIS_URL) in production."""
    if request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": request.getfixturevalue("redis_url"),
            }
        }
    cache.clear()
    yield request.param
    cache.clear()


def test_the_rate_holds_over_the_sliding_last_period(
    monkeypatch, api, researcher, throttle_cache
):
    """3 a minute: the previous minute's requests count for the share of it
    still inside the last sixty seconds, and Retry-After says when the next
    one fits."""
    _rates(monkeypatch, anon="2/min", user="3/min")
    clock = _Clock(60_000 + 10)  # ten seconds into a minute
    monkeypatch.setattr(CountingThrottle, "timer", staticmethod(clock))
    client = api(researcher)

    def status() -> int:
        return client.get("/api/v1/incidents/").status_code

    assert [status() for _ in range(4)] == [200, 200, 200, 429]
    # The three still weigh 3 * (1 - 20/60) = 2 at 80 s, so the fourth fits then.
    assert client.get("/api/v1/incidents/")["Retry-After"] == "70"
    clock.now = 60_000 + 79
    assert status() == 429
    clock.now = 60_000 + 80
    assert status() == 200
    assert status() == 429
    # 3 * (1 - 40/60) + 1 = 2 at 100 s: room for one more.
    assert client.get("/api/v1/incidents/")["Retry-After"] == "20"
    clock.now = 60_000 + 100
    assert [status(), status()] == [200, 429]


def test_each_account_has_its_own_count(
    monkeypatch, api, researcher, analyst, throttle_cache
):
    _rates(monkeypatch, anon="2/min", user="2/min")
    first, second = api(researcher), api(analyst)

    assert [first.get("/api/v1/incidents/").status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert second.get("/api/v1/incidents/").status_code == 200


def test_the_configured_rates_are_in_force():
    assert SimpleRateThrottle.THROTTLE_RATES["anon"]
    assert SimpleRateThrottle.THROTTLE_RATES["user"]
