"""Dates are bounded on every door: not before 1900, not after tomorrow; and
one absurd stored date does not take the dashboard down."""

import datetime

import pytest
from django.utils import timezone

from incidents.base import service_write
from incidents.models import Incident
from tests.factories import ClaimFactory, IncidentFactory, LocationFactory
from tests.incidents.form_data import incident_data
from tests.incidents.test_api_incidents import NEW, URL

pytestmark = pytest.mark.django_db

TOMORROW = timezone.now().date() + datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("1899-12-31", "on or after 1900-01-01"),
        ("0001-01-01", "on or after 1900-01-01"),
        ((TOMORROW + datetime.timedelta(days=1)).isoformat(), "no later than tomorrow"),
        ("9999-12-01", "no later than tomorrow"),
    ],
)
def test_the_api_refuses_an_incident_date_out_of_bounds(api, analyst, day, message):
    response = api(analyst).post(URL, {**NEW, "start_date": day})

    assert response.status_code == 400
    assert message in response.json()["start_date"][0]
    assert not Incident.objects.exists()


def test_the_api_takes_the_bounds_themselves(api, analyst):
    client = api(analyst)

    early = client.post(URL, {**NEW, "start_date": "1900-01-01"})
    late = client.post(URL, {**NEW, "start_date": TOMORROW.isoformat()})

    assert (early.status_code, late.status_code) == (201, 201)


def test_the_api_refuses_a_claim_asserted_in_the_future(api, analyst):
    claim = ClaimFactory()

    response = api(analyst).patch(
        f"/api/v1/claims/{claim.pk}/",
        {"asserted_at": "9999-12-01T00:00:00Z", "version": claim.version},
    )

    assert response.status_code == 400
    assert "no later than tomorrow" in response.json()["asserted_at"][0]
    claim.refresh_from_db()
    assert claim.asserted_at != datetime.datetime(9999, 12, 1, tzinfo=datetime.UTC)


def test_the_web_form_refuses_a_date_out_of_bounds_and_keeps_the_input(
    analyst_client,
):
    response = analyst_client.post(
        "/incidents/new/", incident_data(title="Typo year", start_date="0201-01-31")
    )

    assert response.status_code == 200
    assert "on or after 1900-01-01" in response.content.decode()
    assert 'value="Typo year"' in response.content.decode()
    assert not Incident.objects.filter(title="Typo year").exists()


@pytest.mark.parametrize("day", [datetime.date(9999, 12, 31), datetime.date(1, 1, 1)])
def test_a_stored_absurd_date_does_not_take_the_dashboard_down(researcher_client, day):
    place = LocationFactory()
    IncidentFactory(location=place, start_date=datetime.date(2026, 1, 31))
    odd = IncidentFactory(location=place, start_date=datetime.date(2026, 1, 30))
    with service_write():  # stored before the bounds existed
        Incident.objects.filter(pk=odd.pk).update(start_date=day)

    response = researcher_client.get("/")

    assert response.status_code == 200
    assert len(response.content) < 300_000
