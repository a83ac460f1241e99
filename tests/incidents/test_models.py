import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from incidents.base import service_write
from incidents.models import Incident, Location
from incidents.services import update_incident
from tests.factories import IncidentFactory, LocationFactory

pytestmark = pytest.mark.django_db


def _errors(instance) -> dict:
    with pytest.raises(ValidationError) as info:
        instance.full_clean()
    return info.value.message_dict


def test_it_names_the_end_date_when_it_is_before_the_start():
    incident = IncidentFactory.build(
        type_id="attack",
        start_date=datetime.date(2026, 1, 31),
        end_date=datetime.date(2026, 1, 30),
    )
    assert _errors(incident) == {
        "end_date": ["The end date cannot be before the start date."]
    }


def test_the_database_refuses_an_end_before_the_start():
    incident = IncidentFactory()
    incident.end_date = incident.start_date - datetime.timedelta(days=1)
    # Open the services' door to write past their validation, as a buggy writer would.
    with pytest.raises(IntegrityError), transaction.atomic(), service_write():
        incident.save()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("latitude", 91, "Latitude must be between -90 and 90."),
        ("longitude", -181, "Longitude must be between -180 and 180."),
    ],
)
def test_it_rejects_coordinates_out_of_range(field, value, message):
    location = LocationFactory.build(**{field: value})
    assert _errors(location)[field] == [message]
    with pytest.raises(IntegrityError), transaction.atomic():
        location.save()


def test_it_asks_for_both_coordinates_or_neither():
    location = LocationFactory.build(latitude=None)
    assert "latitude" in _errors(location)


def test_it_keeps_a_materialised_path_through_moves(analyst):
    root, other = IncidentFactory(), IncidentFactory()
    child = IncidentFactory(parent=root)
    grandchild = IncidentFactory(parent=child)
    assert grandchild.path == f"/{root.pk}/{child.pk}/{grandchild.pk}/"

    update_incident(incident=child, user=analyst, parent=other)

    grandchild.refresh_from_db()
    assert grandchild.path == f"/{other.pk}/{child.pk}/{grandchild.pk}/"
    assert grandchild.depth == 2
    assert list(Incident.objects.below(other)) == sorted(
        [other, child, grandchild], key=lambda i: -i.pk
    )


def test_an_incident_cannot_become_its_own_ancestor():
    root = IncidentFactory()
    child = IncidentFactory(parent=root)
    root.parent = child
    assert _errors(root) == {
        "parent": ["This parent lies below the record: that would make a cycle."]
    }


def test_the_database_refuses_a_cycle_too():
    root = IncidentFactory()
    child = IncidentFactory(parent=root)
    with pytest.raises(IntegrityError), transaction.atomic(), service_write():
        Incident.objects.filter(pk=root.pk).update(parent=child)
    root.refresh_from_db()
    assert root.parent_id is None


def test_the_database_refuses_a_location_below_itself():
    country = LocationFactory(kind=Location.Kind.COUNTRY)
    place = LocationFactory(parent=country)
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.filter(pk=country.pk).update(parent=place)


def test_an_incident_is_retracted_not_deleted():
    incident = IncidentFactory()
    with pytest.raises(ValidationError):
        incident.delete()
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_a_retraction_needs_a_reason():
    incident = IncidentFactory()
    incident.status = Incident.Status.RETRACTED
    assert "retraction_reason" in _errors(incident)
    with pytest.raises(IntegrityError), transaction.atomic(), service_write():
        incident.save()


def test_every_change_is_kept_in_the_history(analyst):
    incident = IncidentFactory(title="First title")
    incident = update_incident(incident=incident, user=analyst, title="Second title")
    titles = [h.title for h in incident.history.order_by("history_date")]
    assert titles == ["First title", "Second title"]
    assert incident.version == 2
