"""The vocabularies: listed by endpoint, and as enums in the schema."""

import pytest

from casualties.models import ClaimantSide

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("prefix", "slug", "name"),
    [
        ("incident-types", "attack", "Attack"),
        ("victim-groups", "civilians", "Civilians"),
        ("outcomes", "killed", "Killed"),
        ("claimant-sides", "official", "Official"),
    ],
)
def test_each_taxonomy_lists_its_slugs_and_labels(api, researcher, prefix, slug, name):
    client = api(researcher)

    listed = client.get(f"/api/v1/{prefix}/")
    one = client.get(f"/api/v1/{prefix}/{slug}/")

    assert listed.status_code == 200
    assert {"slug": slug, "name": name}.items() <= next(
        term for term in listed.json() if term["slug"] == slug
    ).items()
    assert one.json()["name"] == name


def test_a_new_side_is_listed_and_ranked(api, researcher):
    ClaimantSide.objects.create(slug="ngo", name="Monitoring group", rank=99)

    sides = api(researcher).get("/api/v1/claimant-sides/").json()

    assert sides[0]["slug"] == "ngo"  # highest rank first
    assert sides[0]["rank"] == 99


def test_the_schema_lists_the_slugs_as_enums(api, researcher):
    schema = api(researcher).get("/api/v1/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]

    def enum_of(component, field):
        prop = components[component]["properties"][field]
        if "enum" in prop:
            return prop["enum"]
        target = prop.get("allOf", [prop])[0].get("$ref", "").rsplit("/", 1)[-1]
        return components[target]["enum"]

    assert "attack" in enum_of("IncidentRequest", "type")
    assert "civilians" in enum_of("ClaimWriteRequest", "group")
    assert "official" in enum_of("ClaimWriteRequest", "side")
    assert "killed" in enum_of("ClaimWriteRequest", "outcome")
