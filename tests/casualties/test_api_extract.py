"""claims/extract/: the entry aid that finds candidate claims in pasted text."""

import pytest
from rest_framework.test import APIClient

from casualties.models import Claim

pytestmark = pytest.mark.django_db

EXTRACT = "/api/v1/claims/extract/"
TEXT = "Officials said five policemen were killed and more than 12 people were injured."


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.mark.parametrize("role", ["analyst", "editor"])
def test_it_finds_the_claims_with_spans_that_slice_the_text(request, role):
    user = request.getfixturevalue(role)

    response = client_for(user).post(EXTRACT, {"text": TEXT}, format="json")

    assert response.status_code == 200
    candidates = response.json()["candidates"]
    assert [
        (c["group"], c["outcome"], c["low"], c["high"], c["point"]) for c in candidates
    ] == [("police", "killed", 5, 5, 5), ("all", "injured", 13, None, None)]
    for candidate in candidates:
        assert TEXT[candidate["start"] : candidate["end"]] == candidate["wording"]
    assert not Claim.objects.exists()


def test_spans_count_from_the_text_as_sent(analyst):
    text = "\n\n   " + TEXT

    response = client_for(analyst).post(EXTRACT, {"text": text}, format="json")

    first = response.json()["candidates"][0]
    assert (
        text[first["start"] : first["end"]]
        == first["wording"]
        == ("five policemen were killed")
    )


def test_text_without_figures_gives_no_candidates(analyst):
    response = client_for(analyst).post(
        EXTRACT, {"text": "Markets reopened on Monday."}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"candidates": []}


def test_researchers_may_not_use_the_entry_aid(researcher):
    response = client_for(researcher).post(EXTRACT, {"text": TEXT}, format="json")

    assert response.status_code == 403


def test_anonymous_visitors_may_not_use_it():
    assert client_for().post(EXTRACT, {"text": TEXT}).status_code in {401, 403}


@pytest.mark.parametrize(
    "body",
    [{}, {"text": ""}, {"text": None}, {"text": ["five"]}, {"text": "x" * 20_001}],
)
def test_it_refuses_missing_empty_or_oversize_text(analyst, body):
    response = client_for(analyst).post(EXTRACT, body, format="json")

    assert response.status_code == 400
    assert "text" in response.data


def test_it_takes_text_up_to_20000_characters(analyst):
    text = (TEXT + " ") * (20_000 // (len(TEXT) + 1))

    response = client_for(analyst).post(EXTRACT, {"text": text}, format="json")

    assert response.status_code == 200
    assert len(response.json()["candidates"]) > 100


def test_it_answers_only_post(analyst):
    assert client_for(analyst).get(EXTRACT).status_code == 405
