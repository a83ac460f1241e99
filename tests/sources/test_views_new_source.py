"""Adding a source from the claims page, without leaving it (issue 12, item 1)."""

import pytest
from django.urls import reverse

from sources.models import Source
from tests.factories import ActorFactory, IncidentFactory, SourceFactory

pytestmark = pytest.mark.django_db

URL = reverse("sources:source-create")


def _post(client, **fields):
    data = {
        "new_source-name": "Balochistan Post",
        "new_source-kind": "newspaper",
        "new_source-reliability": "C",
        "new_source-affiliation": "",
        **{f"new_source-{name}": value for name, value in fields.items()},
    }
    return client.post(URL, data, HTTP_HX_REQUEST="true")


def test_an_analyst_adds_a_source_and_it_is_chosen(analyst_client, analyst):
    party = ActorFactory(name="Home Department")
    response = _post(analyst_client, affiliation=str(party.pk))

    assert response.status_code == 200
    source = Source.objects.get(name="Balochistan Post")
    assert (source.kind, source.reliability, source.affiliation) == (
        "newspaper",
        "C",
        party,
    )
    assert source.history.get().history_user == analyst
    page = response.content.decode()
    assert "Added Balochistan Post: chosen as the source of the new report" in page
    assert f'<option value="{source.pk}" selected>' in page
    assert 'id="id_source" hx-swap-oob="outerHTML"' in page


def test_a_name_like_a_recorded_one_asks_first(analyst_client):
    SourceFactory(name="Dawn", kind="newspaper", reliability="B")

    page = _post(analyst_client, name="  dawn ").content.decode()
    assert "already recorded under this name or one like it" in page
    assert "Dawn: Newspaper / online news, graded B" in page
    assert 'value="  dawn "' in page or 'value="dawn"' in page  # kept as typed
    assert Source.objects.count() == 1

    page = _post(analyst_client, name="Dawn News").content.decode()
    assert "already recorded under this name or one like it" in page
    assert Source.objects.count() == 1

    page = _post(analyst_client, name="Dawn News", different="on").content.decode()
    assert "Added Dawn News" in page
    assert Source.objects.filter(name="Dawn News").exists()


def test_a_taken_name_and_markup_are_refused_beside_the_field(analyst_client):
    SourceFactory(name="Dawn")
    page = _post(analyst_client, name="Dawn", different="on").content.decode()
    assert "Source with this Name already exists." in page
    page = _post(analyst_client, name="<b>Post</b>").content.decode()
    assert "HTML markup is not allowed here." in page
    assert Source.objects.count() == 1


def test_researchers_may_not_add_sources(researcher_client):
    assert _post(researcher_client).status_code == 403
    assert not Source.objects.filter(name="Balochistan Post").exists()


def test_the_claims_page_offers_it(analyst_client):
    incident = IncidentFactory()
    page = analyst_client.get(reverse("incidents:claims", args=[incident.pk]))
    assert "A source not in the list" in page.content.decode()
    assert reverse("sources:source-create") in page.content.decode()


def test_the_api_creates_sources_through_the_same_service(api, analyst):
    response = api(analyst).post(
        "/api/v1/sources/",
        {"name": "  Balochistan   Post ", "kind": "newspaper", "reliability": "C"},
        format="json",
    )
    assert response.status_code == 201, response.content
    source = Source.objects.get()
    assert source.name == "Balochistan Post"  # spacing as the service keeps it
    assert source.history.get().history_user == analyst
