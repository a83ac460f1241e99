"""Input that once answered 500 (found by the fuzz and by hand) now gets a 4xx
with a message, and changes nothing."""

import json

import pytest

from casualties.models import Claim, Tally
from incidents.base import MAX_DEPTH
from incidents.models import Incident
from tests.factories import ClaimFactory, IncidentFactory
from tests.incidents.form_data import incident_data
from tests.incidents.test_api_incidents import NEW, URL

pytestmark = pytest.mark.django_db

NUL = "\x00"


def payload(incident) -> dict:
    return {
        "incident": incident.pk,
        "side": "official",
        "group": "civilians",
        "outcome": "killed",
        "low": 10,
        "high": None,
        "point": None,
    }


@pytest.mark.parametrize("field", ["group", "side", "outcome"])
def test_a_nul_in_a_claims_slug_is_a_400(api, analyst, field):
    incident = IncidentFactory()

    response = api(analyst).post(
        "/api/v1/claims/", {**payload(incident), field: f"civilians{NUL}"}
    )

    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {**NEW, "type": NUL},
        {**NEW, "targets": [{"category": f"police{NUL}"}]},
        {**NEW, "title": f"Attack{NUL}"},
    ],
    ids=["type", "target category", "title"],
)
def test_a_nul_in_an_incident_is_a_400(api, analyst, body):
    response = api(analyst).post(URL, body)

    assert response.status_code == 400
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/stats/?group=%00",
        "/api/v1/incidents/?type=attack%00",
        "/api/v1/tallies/?group=%00",
        "/api/v1/claims/?side=%00",
    ],
)
def test_a_nul_in_a_filter_is_a_400(api, researcher, url):
    response = api(researcher).get(url)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_a_nul_in_a_web_form_is_a_400_and_saves_nothing(analyst_client):
    response = analyst_client.post(
        "/incidents/new/", incident_data(title=f"Attack{NUL}")
    )

    assert response.status_code == 400
    assert not Incident.objects.exists()


def _chain(levels: int) -> list[Incident]:
    chain = [IncidentFactory()]
    for _ in range(levels):
        chain.append(IncidentFactory(parent=chain[-1]))
    return chain


def test_incidents_nest_at_most_max_depth_levels(api, analyst):
    deepest = _chain(MAX_DEPTH)[-1]
    assert deepest.depth == MAX_DEPTH

    response = api(analyst).post(URL, {**NEW, "parent": deepest.pk})

    assert response.status_code == 400
    assert f"at most {MAX_DEPTH} levels" in response.json()["parent"][0]
    assert not Incident.objects.filter(parent=deepest).exists()


def test_a_move_that_would_nest_a_subtree_too_deep_is_refused(api, analyst):
    host = _chain(8)[-1]
    subtree = _chain(5)
    top = subtree[0]

    response = api(analyst).patch(
        f"{URL}{top.pk}/", {"parent": host.pk, "version": top.version}
    )

    assert response.status_code == 400
    assert "levels deep" in response.json()["parent"][0]
    top.refresh_from_db()
    assert top.parent_id is None


def test_sibling_claims_at_the_largest_figure_sum_without_overflow(api, analyst):
    parent = IncidentFactory()
    client = api(analyst)
    largest = 2_147_483_647
    for child in (IncidentFactory(parent=parent), IncidentFactory(parent=parent)):
        response = client.post(
            "/api/v1/claims/",
            {**payload(child), "low": largest, "high": largest, "point": largest},
        )
        assert response.status_code == 201, response.content

    whole = Tally.objects.get(incident=parent, group="civilians", outcome="killed")
    assert whole.best == 2 * largest


def test_a_figure_past_the_largest_is_a_400(api, analyst):
    response = api(analyst).post(
        "/api/v1/claims/", {**payload(IncidentFactory()), "low": 2_147_483_648}
    )

    assert response.status_code == 400
    assert "low" in response.json()


def test_json_nested_past_the_recursion_limit_is_a_400(api, analyst):
    deep = "[" * 100_000 + "]" * 100_000

    response = api(analyst).generic("POST", URL, deep, content_type="application/json")

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_a_body_over_the_limit_is_a_413_in_json(api, analyst, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({**NEW, "summary": "x" * 5000})

    response = api(analyst).generic("POST", URL, body, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "larger than 1,000 bytes" in response.json()["detail"]


def test_the_api_takes_json_only(api, analyst):
    response = api(analyst).post(URL, NEW, format="multipart")

    assert response.status_code == 415
    assert not Incident.objects.exists()


def test_a_claim_on_a_deep_leaf_still_counts_up_the_chain(api, analyst):
    chain = _chain(MAX_DEPTH)
    ClaimFactory(incident=chain[-1], low=3, high=3, point=3)

    root = Tally.objects.get(incident=chain[0], group="civilians", outcome="killed")
    assert root.best == 3


@pytest.mark.parametrize("page_size", ["null", "0", "-3", "x"])
def test_a_page_size_that_is_no_whole_number_is_a_400(api, researcher, page_size):
    response = api(researcher).get(URL, {"page_size": page_size})

    assert response.status_code == 400
    assert "page_size" in response.json()


@pytest.mark.parametrize(
    "query", ["page=x&page=", "page=", "page=2&page=%C3%90", "page=0&page=1"]
)
def test_every_page_sent_must_name_a_page(api, researcher, query):
    """DRF reads only the last `page` and takes an empty one as the first page
    (the fuzz found `page=x&page=` answering 200)."""
    response = api(researcher).get(f"/api/v1/claims/?{query}")

    assert response.status_code == 404
    assert "page" in response.json()["detail"].lower()


def test_the_last_page_may_be_asked_for_by_name(api, researcher):
    response = api(researcher).get(URL, {"page": "last"})

    assert response.status_code == 200


def test_a_page_size_above_the_cap_gets_the_cap(api, researcher):
    response = api(researcher).get(URL, {"page_size": 5000})

    assert response.status_code == 200


def test_an_empty_typed_filter_is_a_400_and_empty_text_is_no_filter(api, researcher):
    client = api(researcher)

    dated = client.get(URL, {"started_before": ""})
    searched = client.get("/api/v1/sources/", {"search": ""})

    assert dated.status_code == 400
    assert dated.json() == {
        "started_before": ["Give a value, or leave the parameter out."]
    }
    assert searched.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        f"{URL}?format=csv",
        f"{URL}?format=ucdp",
        "/api/v1/tallies/?format=csv",
        "/api/v1/claims/?format=csv",
    ],
)
def test_an_unsupported_method_is_a_405_whatever_the_format(api, researcher, url):
    response = api(researcher).generic("TRACE", url)

    assert response.status_code == 405


def test_an_analyst_sending_a_null_status_is_told_so(api, analyst):
    response = api(analyst).post(URL, {**NEW, "status": None})

    assert response.status_code == 400
    assert "status" in response.json()
    assert not Incident.objects.exists()


def test_a_patched_source_still_names_its_affiliation(api, analyst):
    from tests.factories import SourceFactory

    source = SourceFactory()

    response = api(analyst).patch(
        f"/api/v1/sources/{source.pk}/", {"name": "Renamed", "version": source.version}
    )

    assert response.status_code == 200
    assert response.json()["affiliation_name"] is None


@pytest.mark.parametrize(
    "url", ["/api/v1/incidents/", "/api/v1/claims/", "/api/v1/tallies/"]
)
def test_an_empty_format_is_a_404_not_json(api, researcher, url):
    response = api(researcher).get(url, {"format": ""})

    assert response.status_code == 404
    assert "format" in response.json()["detail"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/tallies/?format=csv&page_size=-3", 400),
        ("/api/v1/claims/?format=csv&page_size=0", 400),
        ("/api/v1/incidents/?format=ucdp&page_size=x", 400),
        ("/api/v1/incidents/?format=geojson&page=-1", 404),
    ],
)
def test_an_export_refuses_malformed_paging_as_a_page_does(
    api, researcher, url, status
):
    response = api(researcher).get(url)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"


def test_an_empty_string_for_an_id_is_a_400_and_clears_nothing(api, analyst):
    """DRF reads "" as null in related fields: a blanked affiliation, parent
    or place would have been cleared (the fuzz found the source's)."""
    from sources.models import Source
    from tests.factories import ActorFactory, LocationFactory, SourceFactory

    client = api(analyst)
    government = ActorFactory()
    source = SourceFactory(affiliation=government)
    created = client.post(
        "/api/v1/sources/", {"name": "New outlet", "kind": "wire", "affiliation": ""}
    )
    patched = client.patch(
        f"/api/v1/sources/{source.pk}/", {"affiliation": "", "version": source.version}
    )
    parent = IncidentFactory(location=LocationFactory())
    incident = IncidentFactory(parent=parent, location=parent.location)
    moved = client.patch(
        f"{URL}{incident.pk}/",
        {"parent": "", "location_id": "", "version": incident.version},
    )
    claim = client.post(
        "/api/v1/claims/", {**payload(incident), "supersedes": "", "reports": [""]}
    )

    for response, fields in (
        (created, {"affiliation"}),
        (patched, {"affiliation"}),
        (moved, {"parent", "location_id"}),
        (claim, {"supersedes", "reports"}),
    ):
        assert response.status_code == 400, response.content
        assert fields <= set(response.json()), response.json()
    assert "empty string is not an id" in str(created.json()["affiliation"])
    assert not Source.objects.filter(name="New outlet").exists()
    source.refresh_from_db()
    assert source.affiliation == government
    incident.refresh_from_db()
    assert (incident.parent, incident.location) == (parent, parent.location)
    assert not Claim.objects.exists()
