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


def test_a_session_reads_the_incidents(researcher_client):
    assert researcher_client.get(INCIDENTS).status_code == 200
