"""The groups of SPEC section 7, as the migration creates them."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        ("researcher", "incidents.view_incident", True),
        ("researcher", "incidents.view_draft_incident", False),
        ("researcher", "casualties.add_claim", False),
        ("analyst", "incidents.view_draft_incident", True),
        ("analyst", "incidents.add_incident", True),
        ("analyst", "sources.add_report", True),
        ("analyst", "casualties.change_claim", True),
        ("analyst", "incidents.publish_incident", False),
        ("analyst", "casualties.assess_claim", False),
        ("analyst", "casualties.review_tally", False),
        ("editor", "incidents.publish_incident", True),
        ("editor", "casualties.assess_claim", True),
        ("editor", "casualties.review_tally", True),
        ("editor", "auth.add_user", False),
        ("editor", "casualties.change_victimgroup", False),
    ],
)
def test_each_role_has_the_permissions_of_the_spec(request, role, permission, allowed):
    user = request.getfixturevalue(role)
    assert user.has_perm(permission) is allowed


def test_no_one_may_delete_records(editor):
    for model in ("incident", "claim", "tally"):
        app = "incidents" if model == "incident" else "casualties"
        assert not editor.has_perm(f"{app}.delete_{model}")


def test_the_backend_reads_a_users_permissions_as_djangos_does_in_one_query(
    request, django_assert_num_queries
):
    """core.auth.ModelBackend reads own and group permissions in one query;
    the set must be Django's own ModelBackend's, for every kind of account."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.backends import ModelBackend as DjangosBackend
    from django.contrib.auth.models import Permission

    from core.auth import ModelBackend

    analyst = request.getfixturevalue("analyst")
    analyst.user_permissions.add(Permission.objects.get(codename="review_tally"))
    users = [
        request.getfixturevalue(name)
        for name in ("researcher", "analyst", "editor", "admin_user")
    ]
    users.append(get_user_model().objects.create_user("nobody", password="x" * 12))
    for user in users:
        expected = DjangosBackend().get_all_permissions(
            get_user_model().objects.get(pk=user.pk)
        )
        fresh = get_user_model().objects.get(pk=user.pk)
        with django_assert_num_queries(1):
            assert ModelBackend().get_all_permissions(fresh) == expected
    assert "casualties.review_tally" in ModelBackend().get_all_permissions(
        get_user_model().objects.get(pk=analyst.pk)
    )
