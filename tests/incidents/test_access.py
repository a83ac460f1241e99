"""The one definition of who reads and writes which incidents."""

import pytest
from django.http import Http404

from incidents.access import (
    get_editable_incident,
    get_visible_incident,
    incidents_for_request,
    visible_incidents,
)
from incidents.models import Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

Status = Incident.Status


@pytest.fixture
def world():
    published = IncidentFactory(status=Status.PUBLISHED)
    draft = IncidentFactory(status=Status.DRAFT)
    under_draft = IncidentFactory(parent=draft, status=Status.PUBLISHED)
    retracted = IncidentFactory(status=Status.RETRACTED)
    return {
        "published": published,
        "draft": draft,
        "under_draft": under_draft,
        "retracted": retracted,
    }


def _names(queryset, world) -> set[str]:
    ids = set(queryset.values_list("pk", flat=True))
    return {name for name, incident in world.items() if incident.pk in ids}


@pytest.mark.parametrize(
    ("role", "listed", "with_retracted"),
    [
        ("researcher", {"published"}, {"published"}),
        ("analyst", {"published", "draft", "under_draft"}, None),
        ("editor", {"published", "draft", "under_draft"}, None),
    ],
)
def test_each_role_reads_what_spec_section_7_says(
    request, world, role, listed, with_retracted
):
    user = request.getfixturevalue(role)

    assert _names(visible_incidents(user), world) == listed
    widened = _names(visible_incidents(user, include_retracted=True), world)
    if role == "editor":
        assert widened == listed | {"retracted"}
    else:  # only editors may look at what was retracted
        assert widened == listed


def test_editors_open_a_retracted_incident_but_edit_none(editor, world):
    retracted = world["retracted"]

    assert get_visible_incident(editor, retracted.pk) == retracted
    with pytest.raises(Http404):
        get_editable_incident(editor, retracted.pk)


def test_researchers_get_a_404_for_a_part_of_a_draft(researcher, world):
    with pytest.raises(Http404):
        get_visible_incident(researcher, world["under_draft"].pk)


def test_without_a_request_filters_offer_published_incidents_only(world):
    assert _names(incidents_for_request(None), world) == {"published"}
