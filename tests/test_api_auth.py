"""Token authentication and `manage.py issue_token`, for scripts and notebooks."""

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"


def issue_token(username: str) -> str:
    out = io.StringIO()
    call_command("issue_token", username, stdout=out)
    return out.getvalue().strip()


def test_issue_token_prints_the_users_token(researcher):
    key = issue_token("researcher")

    assert key == Token.objects.get(user=researcher).key
    assert len(key) == 40


def test_issue_token_prints_the_same_token_twice(researcher):
    assert issue_token("researcher") == issue_token("researcher")
    assert Token.objects.filter(user=researcher).count() == 1


def test_issue_token_names_the_unknown_user():
    with pytest.raises(CommandError, match="No user is named 'nobody'"):
        issue_token("nobody")

    assert not Token.objects.exists()


def test_issue_token_refuses_an_inactive_user():
    UserFactory(username="gone", is_active=False)

    with pytest.raises(CommandError, match="inactive"):
        issue_token("gone")

    assert not Token.objects.exists()


def test_a_token_reads_the_incidents(researcher):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token('researcher')}")

    response = client.get(INCIDENTS)

    assert response.status_code == 200
    assert "results" in response.json()


def test_a_token_authenticates_a_write(analyst):
    """Token requests are exempt from CSRF, unlike session ones."""
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token('analyst')}")

    response = client.post(INCIDENTS, {}, format="json")

    assert response.status_code == 400


def test_a_bad_token_gets_401(researcher):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    response = client.get(INCIDENTS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_of_an_inactive_user_gets_401(researcher):
    key = issue_token("researcher")
    researcher.is_active = False
    researcher.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert client.get(INCIDENTS).status_code == 401


def test_a_token_gives_the_account_as_django_reads_it(request, rf):
    """core.auth.TokenAuthentication reads the token and its user in one
    statement (with the user's permissions, on PostgreSQL): the same user,
    the same permissions as Django's ModelBackend, DRF's answers."""
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import Permission
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.exceptions import AuthenticationFailed

    from core.auth import TokenAuthentication

    analyst = request.getfixturevalue("analyst")
    analyst.user_permissions.add(Permission.objects.get(codename="review_tally"))
    for name in ("researcher", "analyst", "editor", "admin_user"):
        user = request.getfixturevalue(name)
        key = Token.objects.get_or_create(user=user)[0].key
        asked = rf.get(INCIDENTS, HTTP_AUTHORIZATION=f"Token {key}")
        with CaptureQueriesContext(connection) as queries:
            found, token = TokenAuthentication().authenticate(asked)
            permissions = found.get_all_permissions()
        expected = ModelBackend().get_all_permissions(
            type(user).objects.get(pk=user.pk)
        )
        assert (found.pk, found.username, found.is_superuser) == (
            user.pk,
            user.username,
            user.is_superuser,
        )
        assert (token.key, token.user_id, token.user) == (key, user.pk, found)
        assert permissions == expected
        assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
        if name == "analyst":  # a permission of their own, beside the group's
            assert "casualties.review_tally" in permissions

    unknown = rf.get(INCIDENTS, HTTP_AUTHORIZATION="Token " + "0" * 40)
    with pytest.raises(AuthenticationFailed, match="Invalid token."):
        TokenAuthentication().authenticate(unknown)


def test_a_session_reads_the_incidents(researcher_client):
    assert researcher_client.get(INCIDENTS).status_code == 200
