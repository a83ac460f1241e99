import pytest
from django.urls import reverse

from incidents.models import Incident
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def test_it_asks_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("incidents:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_login_page_loads(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Log in" in response.content


def test_it_lists_top_level_incidents_with_their_tallies(researcher_client):
    root = IncidentFactory(title="Umbrella")
    IncidentFactory(title="Sub-incident", parent=root)
    ClaimFactory(incident=root, low=11, high=11, point=11)

    response = researcher_client.get(reverse("incidents:home"))

    assert response.status_code == 200
    assert list(response.context["incidents"]) == [root]
    assert "Sub-incident" not in response.content.decode()
    assert ">11</strong>" in response.content.decode()


def test_researchers_do_not_see_drafts(researcher_client):
    IncidentFactory(title="A draft", status=Incident.Status.DRAFT)
    response = researcher_client.get(reverse("incidents:home"))
    assert "A draft" not in response.content.decode()


def test_analysts_see_drafts(analyst_client):
    IncidentFactory(title="A draft", status=Incident.Status.DRAFT)
    response = analyst_client.get(reverse("incidents:home"))
    assert "A draft" in response.content.decode()


def test_the_home_page_runs_the_same_queries_for_any_number_of_incidents(
    researcher_client, django_assert_max_num_queries
):
    for _ in range(2):
        ClaimFactory(incident=IncidentFactory())
    with django_assert_max_num_queries(100) as few:
        researcher_client.get(reverse("incidents:home"))
    for _ in range(10):
        ClaimFactory(incident=IncidentFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        researcher_client.get(reverse("incidents:home"))
