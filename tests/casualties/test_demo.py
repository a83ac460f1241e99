"""The demo accounts of `make run`: one per role, with the printed passwords."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from casualties.demo import create_demo_accounts

pytestmark = pytest.mark.django_db


def test_each_role_gets_an_account_in_its_group():
    accounts = create_demo_accounts()
    assert [role for role, _, _ in accounts] == [
        "researcher",
        "analyst",
        "editor",
        "admin",
    ]
    users = get_user_model().objects
    for role in ("researcher", "analyst", "editor"):
        user = users.get(username=role)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert not user.is_superuser
    admin = users.get(username="admin")
    assert admin.is_superuser and admin.is_staff


def _logs_in(client, username, password):
    """Through the login form, as a person does (and as django-axes watches)."""
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


@pytest.mark.parametrize("role", ["researcher", "analyst", "editor", "admin"])
def test_the_printed_credentials_log_in(client, role):
    accounts = {role: (user, pw) for role, user, pw in create_demo_accounts()}
    username, password = accounts[role]
    _logs_in(client, username, password)


def test_creating_them_twice_changes_nothing():
    create_demo_accounts()
    users = get_user_model().objects
    before = list(users.order_by("pk").values("pk", "password", "is_superuser"))
    create_demo_accounts()
    assert list(users.order_by("pk").values("pk", "password", "is_superuser")) == (
        before
    )


def test_it_restores_a_changed_demo_password(client):
    create_demo_accounts()
    analyst = get_user_model().objects.get(username="analyst")
    analyst.set_password("something else entirely")
    analyst.save()
    [(_, username, password)] = [a for a in create_demo_accounts() if a[0] == "analyst"]
    _logs_in(client, username, password)


def test_the_command_prints_each_role_and_its_password(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("create_demo_accounts", stdout=out)
    lines = out.getvalue().splitlines()
    for role, username, password in create_demo_accounts():
        [line] = [line for line in lines if line.split()[:1] == [role]]
        assert f"username: {username} " in line
        assert line.endswith(f"password: {password}")


def test_the_command_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("create_demo_accounts", stdout=StringIO())
    assert not get_user_model().objects.filter(username="admin").exists()
