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
