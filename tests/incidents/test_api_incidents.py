"""The incidents resource of /api/v1/: representation, filters, roles, writes,
retraction and the CSV and GeoJSON exports."""

import csv
import datetime
import io
import json
import threading
from types import SimpleNamespace

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from casualties.models import Tally
from casualties.reference_case import load_reference_case
from incidents import services
from incidents.api import views
from incidents.models import (
    Incident,
    IncidentActor,
    Location,
    ResponsibilityClaim,
    Target,
)
from tests.factories import ActorFactory, ClaimFactory, IncidentFactory, LocationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"
Kind = Location.Kind
Status = Incident.Status


def detail(incident) -> str:
    return f"{URL}{incident.pk}/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def places(db):
    def area(name, kind, code, parent=None):
        return LocationFactory(
            name=name,
            kind=kind,
            code=code,
            parent=parent,
            latitude=None,
            longitude=None,
        )

    pakistan = area("Pakistan", Kind.COUNTRY, "PK")
    balochistan = area("Balochistan", Kind.ADMIN1, "PK-BA", pakistan)
    sindh = area("Sindh", Kind.ADMIN1, "PK-SD", pakistan)
    afghanistan = area("Afghanistan", Kind.COUNTRY, "AF")
    kabul_province = area("Kabul", Kind.ADMIN1, "AF-KAB", afghanistan)
    return SimpleNamespace(
        pakistan=pakistan,
        balochistan=balochistan,
        sindh=sindh,
        afghanistan=afghanistan,
        quetta=LocationFactory(
            name="Quetta", parent=balochistan, latitude=30.18, longitude=66.99
        ),
        karachi=LocationFactory(
            name="Karachi", parent=sindh, latitude=24.86, longitude=67.0
        ),
        kabul=LocationFactory(
            name="Kabul city", parent=kabul_province, latitude=34.53, longitude=69.17
        ),
    )


# Representation


def test_an_incident_carries_its_place_tree_actors_and_headline_tallies(api, editor):
    root = load_reference_case()

    response = api(editor).get(URL, {"top_level": "true"})

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == root.pk
    assert row["location"] == {
        "id": root.location_id,
        "name": "Balochistan",
        "admin1": "Balochistan",
        "country_code": "PK",
        # The province's representative point (countrystatecity-countries).
        "latitude": 28.0,
        "longitude": 66.0,
        "precision": "province",
    }
    assert row["type"] == "coordinated-attack"
    assert row["parent"] is None
    assert row["children_count"] == 8
    assert {(a["name"], a["role"]) for a in row["actors"]} == {
        ("Baloch Liberation Army", "perpetrator"),
        ("Pakistan military", "responding_force"),
    }
    [claim] = row["responsibility_claims"]
    assert claim["actor_name"] == "Baloch Liberation Army"
    assert "videos" in claim["how"]
    assert row["headline_tallies"] == {
        "killed": {"low": 129, "best": 129, "high": None, "disputed": False},
        "injured": {"low": 24, "best": 24, "high": None, "disputed": False},
    }
    assert row["status"] == "published"
    assert row["version"] == 1


def test_a_child_carries_its_targets_and_its_parent(api, researcher):
    root = load_reference_case()
    prison = Incident.objects.get(title__contains="Mastung high-security prison")

    row = api(researcher).get(detail(prison)).json()

    assert row["parent"] == root.pk
    assert row["targets"] == [
        {"category": "prison", "description": "Mastung high-security prison"}
    ]
    assert row["location"]["name"] == "Mastung"
    assert row["location"]["admin1"] == "Balochistan"
    assert row["headline_tallies"] == {"killed": None, "injured": None}


def test_the_detail_carries_its_version_as_etag(api, researcher):
    incident = IncidentFactory()

    response = api(researcher).get(detail(incident))

    assert response.status_code == 200
    assert response["ETag"] == '"1"'


def test_a_missing_incident_is_a_404(api, researcher):
    assert api(researcher).get(f"{URL}999999/").status_code == 404


def test_the_default_order_is_latest_start_then_highest_id(api, researcher):
    older = IncidentFactory(start_date=datetime.date(2025, 1, 1))
    first = IncidentFactory()
    second = IncidentFactory()

    assert ids(api(researcher).get(URL)) == [second.pk, first.pk, older.pk]


def _incidents_with_everything(count, places, actor):
    locations = [places.quetta, places.karachi, places.kabul, places.balochistan]
    for number in range(count):
        incident = IncidentFactory(location=locations[number % 4])
        ResponsibilityClaim.objects.create(incident=incident, actor=actor)
        Target.objects.create(incident=incident, category_id="police")
        IncidentActor.objects.create(incident=incident, actor=actor, role="perpetrator")
        IncidentFactory(parent=incident, status=Status.DRAFT)
        ClaimFactory(incident=incident, group_id="all", low=1, high=None, point=2)


def _queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return len(queries), len(response.json()["results"])


def test_the_list_costs_the_same_queries_for_10_and_200_rows(api, editor, places):
    actor = ActorFactory()
    client = api(editor)
    url = f"{URL}?top_level=true&page_size=1000"
    _incidents_with_everything(10, places, actor)
    few = _queries(client, url)
    _incidents_with_everything(190, places, actor)
    many = _queries(client, url)

    assert few[1] == 10 and many[1] == 200
    assert few[0] == many[0]


def test_page_size_is_capped_at_1000(api, researcher):
    IncidentFactory()

    response = api(researcher).get(URL, {"page_size": 5000})

    assert response.status_code == 200
    assert response.json()["count"] == 1


# Roles


def test_anonymous_visitors_are_refused(api):
    incident = IncidentFactory()

    assert api().get(URL).status_code in (401, 403)
    assert api().get(detail(incident)).status_code in (401, 403)
    assert api().get(URL, {"format": "csv"}).status_code in (401, 403)


def test_public_read_shows_anonymous_visitors_published_incidents_only(api, settings):
    settings.PUBLIC_READ = True
    published = IncidentFactory()
    draft = IncidentFactory(status=Status.DRAFT)

    assert ids(api().get(URL)) == [published.pk]
    assert api().get(detail(draft)).status_code == 404
    response = api().post(URL, {"title": "x", "type": "attack"})
    assert response.status_code in (401, 403)


def test_researchers_see_published_incidents_only(api, researcher):
    published = IncidentFactory()
    draft = IncidentFactory(status=Status.DRAFT)

    assert ids(api(researcher).get(URL)) == [published.pk]
    assert api(researcher).get(detail(draft)).status_code == 404


def test_analysts_see_drafts(api, analyst):
    published = IncidentFactory()
    draft = IncidentFactory(status=Status.DRAFT)

    assert set(ids(api(analyst).get(URL))) == {published.pk, draft.pk}


def test_researchers_cannot_write(api, researcher):
    incident = IncidentFactory()
    client = api(researcher)

    assert client.post(URL, NEW).status_code == 403
    response = client.patch(detail(incident), {"title": "Changed", "version": 1})
    assert response.status_code == 403
    assert Incident.objects.count() == 1
    incident.refresh_from_db()
    assert incident.title != "Changed"


# Writes

NEW = {"title": "Attack on a checkpoint", "type": "attack", "start_date": "2026-02-01"}


def test_an_analyst_records_a_draft_with_targets_actors_and_place(api, analyst, places):
    actor = ActorFactory(name="Armed group")
    payload = {
        **NEW,
        "summary": "Gunmen attacked a police checkpoint.",
        "location_id": places.quetta.pk,
        "location_precision": "near",
        "targets": [{"category": "police", "description": "Checkpoint"}],
        "actors": [{"actor": actor.pk, "role": "perpetrator"}],
        "responsibility_claims": [{"actor": actor.pk, "how": "Statement"}],
    }

    response = api(analyst).post(URL, payload)

    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert incident.status == Status.DRAFT
    assert incident.created_by == analyst
    assert incident.location == places.quetta
    assert incident.location_precision == "near"
    assert list(incident.responsibility_claims.values_list("actor", "how")) == [
        (actor.pk, "Statement")
    ]
    assert list(incident.targets.values_list("category", "description")) == [
        ("police", "Checkpoint")
    ]
    assert list(incident.actor_roles.values_list("actor", "role")) == [
        (actor.pk, "perpetrator")
    ]
    body = response.json()
    assert body["location"]["admin1"] == "Balochistan"
    assert body["location"]["country_code"] == "PK"
    assert body["actors"] == [
        {"actor": actor.pk, "name": "Armed group", "role": "perpetrator"}
    ]


def test_an_analyst_cannot_publish_on_create(api, analyst):
    response = api(analyst).post(URL, {**NEW, "status": "published"})

    assert response.status_code == 400
    assert "status" in response.json()
    assert not Incident.objects.exists()


def test_an_analyst_cannot_publish_a_draft(api, analyst):
    draft = IncidentFactory(status=Status.DRAFT)

    response = api(analyst).patch(detail(draft), {"status": "published", "version": 1})

    assert response.status_code == 400
    assert "status" in response.json()
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.version == 1


def test_an_analyst_may_resend_the_status_unchanged(api, analyst):
    draft = IncidentFactory(status=Status.DRAFT)

    response = api(analyst).patch(
        detail(draft), {"status": "draft", "title": "Renamed", "version": 1}
    )

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.title == "Renamed"


def test_an_editor_publishes_a_draft(api, editor):
    draft = IncidentFactory(status=Status.DRAFT)

    response = api(editor).patch(detail(draft), {"status": "published", "version": 1})

    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert response["ETag"] == '"2"'
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED


def test_an_editor_may_create_a_published_incident(api, editor):
    response = api(editor).post(URL, {**NEW, "status": "published"})

    assert response.status_code == 201
    assert Incident.objects.get().status == Status.PUBLISHED


def test_status_cannot_be_set_to_retracted(api, editor):
    incident = IncidentFactory()

    response = api(editor).patch(
        detail(incident), {"status": "retracted", "version": 1}
    )

    assert response.status_code == 400
    assert "status" in response.json()
    incident.refresh_from_db()
    assert incident.status == Status.PUBLISHED


def test_an_update_replaces_targets_and_actor_roles(api, analyst):
    incident = IncidentFactory()
    old, new = ActorFactory(), ActorFactory()
    Target.objects.create(incident=incident, category_id="police")
    IncidentActor.objects.create(incident=incident, actor=old, role="perpetrator")

    response = api(analyst).patch(
        detail(incident),
        {
            "targets": [{"category": "rail", "description": "Track"}],
            "actors": [{"actor": new.pk, "role": "suspected_perpetrator"}],
            "version": 1,
        },
    )

    assert response.status_code == 200, response.content
    assert list(incident.targets.values_list("category", flat=True)) == ["rail"]
    assert list(incident.actor_roles.values_list("actor", "role")) == [
        (new.pk, "suspected_perpetrator")
    ]
    incident.refresh_from_db()
    assert incident.version == 2


def test_a_full_update_needs_the_required_fields(api, analyst):
    incident = IncidentFactory()

    response = api(analyst).put(
        detail(incident), {**NEW, "title": "Replaced", "version": 1}
    )

    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.title == "Replaced"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": "2026-01-01"}, "end_date"),
        ({"type": "no-such-type"}, "type"),
        ({"title": "<script>alert(1)</script>"}, "title"),
        ({"location_id": 999999}, "location_id"),
        ({"start_date": "31/01/2026"}, "start_date"),
        ({"targets": [{"category": "no-such-category"}]}, "targets"),
        ({"targets": [{"category": "police", "description": "<b>x</b>"}]}, "targets"),
        ({"summary": "x" * 20001}, "summary"),
    ],
)
def test_invalid_input_is_refused_with_the_field_named(api, analyst, change, field):
    response = api(analyst).post(URL, {**NEW, **change})

    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists()


def test_an_actor_listed_twice_in_one_role_is_refused(api, analyst):
    actor = ActorFactory()
    role = {"actor": actor.pk, "role": "perpetrator"}

    response = api(analyst).post(URL, {**NEW, "actors": [role, role]})

    assert response.status_code == 400
    assert "actors" in response.json()
    assert not Incident.objects.exists()


def test_a_parent_below_the_incident_is_refused(api, analyst):
    root = IncidentFactory()
    child = IncidentFactory(parent=root)

    response = api(analyst).patch(detail(root), {"parent": child.pk, "version": 1})

    assert response.status_code == 400
    assert "parent" in response.json()
    root.refresh_from_db()
    assert root.parent is None


def test_a_retracted_incident_cannot_be_a_parent(api, analyst):
    hidden = IncidentFactory(status=Status.RETRACTED, retraction_reason="Duplicate")

    response = api(analyst).post(URL, {**NEW, "parent": hidden.pk})

    assert response.status_code == 400
    assert "parent" in response.json()


def test_an_update_without_a_version_is_refused(api, analyst):
    incident = IncidentFactory()

    response = api(analyst).patch(detail(incident), {"title": "Changed"})

    assert response.status_code == 400
    assert "version" in response.json()
    incident.refresh_from_db()
    assert incident.title != "Changed"


def test_of_two_updates_from_one_version_exactly_one_wins(api, analyst):
    incident = IncidentFactory()
    client = api(analyst)

    first = client.patch(detail(incident), {"title": "First", "version": 1})
    second = client.patch(detail(incident), {"title": "Second", "version": 1})

    assert [first.status_code, second.status_code] == [200, 409]
    incident.refresh_from_db()
    assert (incident.title, incident.version) == ("First", 2)


def test_a_stale_if_match_gets_412_and_changes_nothing(api, analyst):
    incident = IncidentFactory()

    response = api(analyst).patch(
        detail(incident), {"title": "Changed"}, HTTP_IF_MATCH='"7"'
    )

    assert response.status_code == 412
    incident.refresh_from_db()
    assert incident.version == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs row locks from separate sessions"
)
def test_two_concurrent_updates_from_one_version_let_exactly_one_win(analyst):
    incident = IncidentFactory()
    start = threading.Barrier(2)
    statuses = []

    def update(title):
        client = APIClient()
        client.force_login(analyst)
        start.wait()
        response = client.patch(detail(incident), {"title": title, "version": 1})
        statuses.append(response.status_code)
        connections.close_all()

    threads = [threading.Thread(target=update, args=(t,)) for t in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 409]
    incident.refresh_from_db()
    assert incident.version == 2


# Retraction


def test_retracting_needs_a_reason(api, editor):
    incident = IncidentFactory()

    response = api(editor).delete(detail(incident))

    assert response.status_code == 400
    assert "reason" in response.json()
    incident.refresh_from_db()
    assert incident.status == Status.PUBLISHED


def test_analysts_cannot_retract(api, analyst):
    incident = IncidentFactory()

    response = api(analyst).delete(detail(incident), {"reason": "Duplicate"})

    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == Status.PUBLISHED


def test_an_editor_retracts_with_a_reason_and_the_record_stays(api, editor):
    incident = IncidentFactory()

    response = api(editor).delete(detail(incident), {"reason": "Duplicate entry"})

    assert response.status_code == 204
    incident.refresh_from_db()
    assert incident.status == Status.RETRACTED
    assert incident.retraction_reason == "Duplicate entry"
    assert api(editor).get(detail(incident)).json()["status"] == "retracted"


def test_retracting_a_missing_incident_is_a_404(api, editor):
    assert api(editor).delete(f"{URL}999999/", {"reason": "x"}).status_code == 404


def test_retracted_incidents_leave_the_list_unless_an_editor_asks(api, editor, analyst):
    kept = IncidentFactory()
    gone = IncidentFactory(status=Status.RETRACTED, retraction_reason="Duplicate")

    assert ids(api(editor).get(URL)) == [kept.pk]
    asked = ids(api(editor).get(URL, {"include_retracted": "true"}))
    assert set(asked) == {kept.pk, gone.pk}
    assert ids(api(analyst).get(URL, {"include_retracted": "true"})) == [kept.pk]
    assert ids(api(editor).get(URL, {"status": "retracted"})) == [gone.pk]


def test_the_parts_of_a_retracted_incident_leave_the_list_with_it(api, editor, analyst):
    """A part is withdrawn with its whole (SPEC rule 9): out of every
    reader's list, as its parent's child count already said, until an
    editor asks for what was retracted."""
    kept = IncidentFactory()
    whole = IncidentFactory()
    part = IncidentFactory(parent=whole)
    services.retract_incident(incident=whole, user=None, reason="Counted twice.")

    for user in (editor, analyst):
        assert ids(api(user).get(URL)) == [kept.pk]
    asked = ids(api(editor).get(URL, {"include_retracted": "true"}))
    assert set(asked) == {kept.pk, whole.pk, part.pk}
    assert ids(api(editor).get(URL, {"status": "retracted"})) == [whole.pk]


def test_the_roots_tallies_drop_a_retracted_childs_figures(api, editor):
    root = IncidentFactory()
    kept = IncidentFactory(parent=root)
    dropped = IncidentFactory(parent=root)
    ClaimFactory(incident=kept, low=5)
    ClaimFactory(incident=dropped, low=7)
    client = api(editor)
    assert client.get(detail(root)).json()["headline_tallies"]["killed"]["best"] == 12

    client.delete(detail(dropped), {"reason": "Double-counted"})

    killed = client.get(detail(root)).json()["headline_tallies"]["killed"]
    assert (killed["low"], killed["best"]) == (5, 5)


# Filters


def test_it_filters_by_search_in_title_or_summary(api, researcher):
    by_title = IncidentFactory(title="Raid on Turbat")
    by_summary = IncidentFactory(summary="Near turbat airport")
    IncidentFactory(title="Elsewhere")

    found = ids(api(researcher).get(URL, {"search": "TURBAT"}))

    assert set(found) == {by_title.pk, by_summary.pk}


def test_it_filters_by_parent(api, researcher):
    root = IncidentFactory()
    child = IncidentFactory(parent=root)
    IncidentFactory()

    assert ids(api(researcher).get(URL, {"parent": root.pk})) == [child.pk]
    response = api(researcher).get(URL, {"parent": 999999})
    assert response.status_code == 400
    assert "parent" in response.json()


def test_a_researcher_cannot_filter_by_a_draft_parent(api, researcher):
    draft = IncidentFactory(status=Status.DRAFT)

    response = api(researcher).get(URL, {"parent": draft.pk})

    assert response.status_code == 400


def test_it_filters_top_level_incidents(api, researcher):
    root = IncidentFactory()
    child = IncidentFactory(parent=root)

    assert ids(api(researcher).get(URL, {"top_level": "true"})) == [root.pk]
    assert ids(api(researcher).get(URL, {"top_level": "false"})) == [child.pk]
    response = api(researcher).get(URL, {"top_level": "perhaps"})
    assert response.status_code == 400
    assert "top_level" in response.json()


@pytest.mark.parametrize(
    ("name", "expected"), [("started_after", ["late"]), ("started_before", ["early"])]
)
def test_it_filters_by_start_date(api, researcher, name, expected):
    made = {
        "early": IncidentFactory(start_date=datetime.date(2026, 1, 1)),
        "late": IncidentFactory(start_date=datetime.date(2026, 3, 1)),
    }

    found = ids(api(researcher).get(URL, {name: "2026-02-01"}))

    assert found == [made[key].pk for key in expected]
    response = api(researcher).get(URL, {name: "01/02/2026"})
    assert response.status_code == 400
    assert name in response.json()


def test_it_filters_by_location_including_places_below_it(api, researcher, places):
    in_quetta = IncidentFactory(location=places.quetta)
    in_province = IncidentFactory(location=places.balochistan)
    IncidentFactory(location=places.karachi)

    found = ids(api(researcher).get(URL, {"location": places.balochistan.pk}))

    assert set(found) == {in_quetta.pk, in_province.pk}
    assert api(researcher).get(URL, {"location": 999999}).status_code == 400


def test_it_filters_by_country_code(api, researcher, places):
    in_pakistan = IncidentFactory(location=places.karachi)
    IncidentFactory(location=places.kabul)

    assert ids(api(researcher).get(URL, {"country": "PK"})) == [in_pakistan.pk]
    assert ids(api(researcher).get(URL, {"country": "pk"})) == [in_pakistan.pk]
    response = api(researcher).get(URL, {"country": "XX"})
    assert response.status_code == 400
    assert "country" in response.json()


def test_it_filters_by_target_category(api, researcher):
    prison = IncidentFactory()
    Target.objects.create(incident=prison, category_id="prison")
    Target.objects.create(incident=prison, category_id="prison", description="Gate")
    IncidentFactory()

    assert ids(api(researcher).get(URL, {"target": "prison"})) == [prison.pk]
    response = api(researcher).get(URL, {"target": "no-such-category"})
    assert response.status_code == 400
    assert "target" in response.json()


def test_it_filters_by_actor(api, researcher):
    actor = ActorFactory()
    involved = IncidentFactory()
    IncidentActor.objects.create(incident=involved, actor=actor, role="perpetrator")
    IncidentActor.objects.create(incident=involved, actor=actor, role="target")
    IncidentFactory()

    assert ids(api(researcher).get(URL, {"actor": actor.pk})) == [involved.pk]
    assert api(researcher).get(URL, {"actor": 999999}).status_code == 400


def test_it_filters_by_type(api, researcher):
    raid = IncidentFactory(type_id="raid")
    IncidentFactory()

    assert ids(api(researcher).get(URL, {"type": "raid"})) == [raid.pk]
    response = api(researcher).get(URL, {"type": "picnic"})
    assert response.status_code == 400
    assert "type" in response.json()


def test_it_filters_by_status(api, analyst):
    draft = IncidentFactory(status=Status.DRAFT)
    IncidentFactory()

    assert ids(api(analyst).get(URL, {"status": "draft"})) == [draft.pk]
    response = api(analyst).get(URL, {"status": "lost"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_it_filters_by_disputed_tallies(api, researcher):
    disputed = IncidentFactory()
    ClaimFactory(incident=disputed, low=10)
    ClaimFactory(incident=disputed, low=50, side_id="perpetrator")
    calm = IncidentFactory()
    ClaimFactory(incident=calm, low=10)

    assert ids(api(researcher).get(URL, {"disputed": "true"})) == [disputed.pk]
    assert ids(api(researcher).get(URL, {"disputed": "false"})) == [calm.pk]
    assert api(researcher).get(URL, {"disputed": "often"}).status_code == 400


def test_it_filters_by_bbox(api, researcher, places):
    quetta = IncidentFactory(location=places.quetta)
    IncidentFactory(location=places.kabul)
    IncidentFactory(location=places.balochistan)  # no coordinates

    assert ids(api(researcher).get(URL, {"bbox": "60,25,68,31"})) == [quetta.pk]


@pytest.mark.parametrize(
    "bbox",
    [
        "60,25,68",
        "60,25,68,31,1",
        "west,25,68,31",
        "60,25,181,31",
        "60,-91,68,31",
        "68,25,60,31",
        "60,31,68,25",
        "nan,25,68,31",
    ],
)
def test_it_refuses_a_bad_bbox(api, researcher, bbox):
    response = api(researcher).get(URL, {"bbox": bbox})

    assert response.status_code == 400
    assert "bbox" in response.json()


def test_it_orders_by_a_chosen_key_with_ties_broken_by_id(api, researcher):
    b1 = IncidentFactory(title="B")
    a = IncidentFactory(title="A")
    b2 = IncidentFactory(title="B")

    assert ids(api(researcher).get(URL, {"ordering": "title"})) == [a.pk, b1.pk, b2.pk]
    found = ids(api(researcher).get(URL, {"ordering": "-title"}))
    assert found == [b2.pk, b1.pk, a.pk]
    response = api(researcher).get(URL, {"ordering": "password"})
    assert response.status_code == 400
    assert "ordering" in response.json()


@pytest.mark.parametrize("ordering", [",", ",,", "", "title,", ",-title"])
def test_an_ordering_with_an_empty_entry_is_refused(api, researcher, ordering):
    """The schema's enum has no empty key: a script that sends one meant a
    key and would otherwise get the default order without knowing."""
    IncidentFactory()

    response = api(researcher).get(URL, {"ordering": ordering})

    assert response.status_code == 400
    assert response.json()["ordering"] == ["Give a value, or leave the parameter out."]


# Exports


def _csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def _geojson(response) -> dict:
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("application/geo+json")
    return json.loads(b"".join(response.streaming_content))


def test_the_csv_export_has_one_row_per_incident_with_place_and_tallies(api, editor):
    root = load_reference_case()

    response = api(editor).get(URL, {"format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert len(rows) == Incident.objects.count() == 9
    [row] = [row for row in rows if row["id"] == str(root.pk)]
    assert row["title"] == root.title
    assert (row["admin1"], row["country_code"]) == ("Balochistan", "PK")
    assert (row["killed_low"], row["killed_best"], row["killed_high"]) == (
        "129",
        "129",
        "",
    )
    assert (row["injured_best"], row["injured_disputed"]) == ("24", "false")
    assert row["location_precision"] == "province"
    # Each group below `all` has its own figures.
    for group in ("civilians", "security-forces", "militants"):
        tally = Tally.objects.get(incident=root, group=group, outcome="killed")
        assert row[f"{group}_killed_best"] == str(tally.best)
        assert row[f"{group}_killed_low"] == str(tally.low)
    assert row["detainees_injured_best"] == ""  # no such tally: empty


def test_the_csv_export_honours_filters_and_roles(api, researcher, places):
    wanted = IncidentFactory(location=places.quetta)
    IncidentFactory(location=places.kabul)
    IncidentFactory(location=places.quetta, status=Status.DRAFT)

    rows = _csv_rows(api(researcher).get(URL, {"format": "csv", "country": "PK"}))

    assert [row["id"] for row in rows] == [str(wanted.pk)]
    assert rows[0]["location_name"] == "Quetta"


def test_the_csv_export_streams_in_chunks_and_skips_pagination(
    api, researcher, places, monkeypatch
):
    monkeypatch.setattr(views, "EXPORT_CHUNK", 3)
    made = {IncidentFactory(location=places.quetta).pk for _ in range(8)}

    with CaptureQueriesContext(connection) as before_reading:
        response = api(researcher).get(URL, {"format": "csv", "page_size": 2})
    export_queries = [q for q in before_reading if "tally" in q["sql"].lower()]
    rows = _csv_rows(response)

    assert export_queries == []  # nothing is read until the stream is consumed
    assert {int(row["id"]) for row in rows} == made


def test_the_csv_export_defuses_spreadsheet_formulas(api, researcher):
    IncidentFactory(title="=HYPERLINK(1)")

    [row] = _csv_rows(api(researcher).get(URL, {"format": "csv"}))

    assert row["title"] == "'=HYPERLINK(1)"


def test_a_bad_filter_on_an_export_is_a_json_400(api, researcher):
    response = api(researcher).get(URL, {"format": "csv", "started_after": "soon"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "started_after" in response.json()


def test_there_is_no_csv_of_a_single_incident(api, researcher):
    incident = IncidentFactory()

    assert api(researcher).get(detail(incident), {"format": "csv"}).status_code == 404


def test_the_geojson_export_has_points_with_the_incident_fields(
    api, researcher, places
):
    quetta = IncidentFactory(location=places.quetta, title="In Quetta")
    IncidentFactory(location=places.balochistan)  # no coordinates: no feature
    IncidentFactory()  # no location

    collection = _geojson(api(researcher).get(URL, {"format": "geojson"}))

    assert collection["type"] == "FeatureCollection"
    [feature] = collection["features"]
    assert feature["id"] == quetta.pk
    assert feature["geometry"] == {"type": "Point", "coordinates": [66.99, 30.18]}
    assert feature["properties"]["title"] == "In Quetta"
    assert feature["properties"]["admin1"] == "Balochistan"
    assert feature["properties"]["country_code"] == "PK"
    assert feature["properties"]["approximate"] is False


def test_a_point_standing_for_an_area_is_marked_approximate(api, researcher, places):
    Location.objects.filter(pk=places.balochistan.pk).update(
        latitude=28.5, longitude=65.5
    )
    IncidentFactory(location=places.balochistan, location_precision="province")

    collection = _geojson(api(researcher).get(URL, {"format": "geojson"}))

    [feature] = collection["features"]
    assert feature["properties"]["approximate"] is True
    assert feature["properties"]["location_precision"] == "province"


def test_the_geojson_export_honours_filters(api, researcher, places):
    IncidentFactory(location=places.quetta)
    kabul = IncidentFactory(location=places.kabul)

    collection = _geojson(
        api(researcher).get(URL, {"format": "geojson", "country": "AF"})
    )

    assert [feature["id"] for feature in collection["features"]] == [kabul.pk]


def test_a_patch_with_incomplete_targets_or_actors_is_refused(api, analyst):
    incident = IncidentFactory()
    for body in ({"targets": [{"description": "a school"}]}, {"actors": [{}]}):
        response = api(analyst).patch(
            detail(incident), {**body, "version": 1}, format="json"
        )
        assert response.status_code == 400
        assert set(response.json()) == set(body)
    incident.refresh_from_db()
    assert incident.version == 1


def test_children_are_counted_as_each_reader_sees_them(api, researcher, editor):
    """A page's child counts follow the reader's visibility: a draft part is
    counted for an editor, not for a researcher; retracted parts for no one."""
    parent = IncidentFactory()
    IncidentFactory(parent=parent)
    IncidentFactory(parent=parent, status=Status.DRAFT)
    lone = IncidentFactory()

    def counts(user):
        rows = api(user).get(URL, {"top_level": "true"}).json()["results"]
        return {row["id"]: row["children_count"] for row in rows}

    assert counts(researcher) == {parent.pk: 1, lone.pk: 0}
    assert counts(editor) == {parent.pk: 2, lone.pk: 0}
    assert api(researcher).get(detail(parent)).json()["children_count"] == 1
