"""tallies/, tallies/{id}/review/ and incidents/{id}/tally/."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from casualties import services
from casualties.models import (
    Claim,
    ClaimantSide,
    Outcome,
    Tally,
    TallyChange,
    TallyReview,
    VictimGroup,
)
from casualties.reference_case import BLA, load_reference_case
from incidents.models import Incident
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db

TALLIES = "/api/v1/tallies/"
OPEN = None
RATIONALE = "Hospital records name twelve members of the security forces."

# SPEC section 5, plus all/freed, which the detainees/freed claim implies (the
# whole of a group tree holds its parts).
REFERENCE_TABLE = {
    # (group, outcome): (low, best, high, disputed, status)
    ("civilians", "killed"): (11, 11, 11, False, "auto"),
    ("security-forces", "killed"): (10, 10, OPEN, True, "needs_review"),
    ("militants", "killed"): (108, 108, OPEN, False, "auto"),
    ("all", "killed"): (129, 129, OPEN, False, "auto"),
    ("all", "injured"): (24, 24, OPEN, False, "auto"),
    ("detainees", "freed"): (31, 31, OPEN, False, "auto"),
    ("all", "freed"): (31, 31, OPEN, False, "auto"),
}
ROW_FIELDS = {
    "group",
    "outcome",
    "low",
    "best",
    "high",
    "by_side",
    "disputed",
    "inconsistent",
    "unattributed",
    "claims",
    "sources",
    "status",
}
TALLY_FIELDS = ROW_FIELDS | {
    "id",
    "incident",
    "reviewed_by",
    "reviewed_at",
    "rationale",
    "version",
    "updated_at",
}


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def root():
    return load_reference_case()


def _tally(incident, group, outcome="killed") -> Tally:
    return Tally.objects.get(incident=incident, group=group, outcome=outcome)


def _review_url(tally) -> str:
    return f"{TALLIES}{tally.pk}/review/"


def _state(tally) -> tuple:
    """What a refused request must leave alone."""
    tally.refresh_from_db()
    return (
        tally.low,
        tally.best,
        tally.high,
        tally.status,
        tally.version,
        tally.review_id,
        TallyReview.objects.count(),
    )


def _review(client, tally, **body):
    body.setdefault("best", 12)
    body.setdefault("rationale", RATIONALE)
    body.setdefault("version", tally.version)
    return client.post(_review_url(tally), body, format="json")


def _claim(incident, low, *, group="civilians", outcome="killed", **kwargs):
    return ClaimFactory(
        incident=incident,
        group=VictimGroup.objects.get(slug=group),
        outcome=Outcome.objects.get(slug=outcome),
        low=low,
        high=kwargs.pop("high", low),
        point=kwargs.pop("point", low),
        **kwargs,
    )


def _ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


# --- tallies/ ----------------------------------------------------------------------


def test_it_lists_tallies_with_their_figures_and_review(root, researcher):
    response = _client(researcher).get(TALLIES, {"incident": root.pk})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert {(r["group"], r["outcome"]) for r in rows} == set(REFERENCE_TABLE)
    assert set(rows[0]) == TALLY_FIELDS
    security = next(r for r in rows if r["group"] == "security-forces")
    assert security["by_side"] == {
        "official": {"low": 10, "high": 10},
        "perpetrator": {"low": 11, "high": None},
    }
    assert security["incident"] == root.pk
    assert security["reviewed_by"] is None


def test_it_orders_the_list_like_incidents_then_by_group_and_outcome(root, researcher):
    rows = _client(researcher).get(TALLIES).json()["results"]

    expected = Tally.objects.order_by(
        "-incident__start_date", "-incident_id", "group", "outcome", "id"
    ).values_list("id", flat=True)
    assert [r["id"] for r in rows] == list(expected)


def test_a_researcher_sees_no_tallies_of_drafts(researcher, analyst):
    draft = IncidentFactory(status=Incident.Status.DRAFT)
    _claim(draft, 3)
    tally = _tally(draft, "civilians")

    assert tally.pk not in _ids(_client(researcher).get(TALLIES))
    assert _client(researcher).get(f"{TALLIES}{tally.pk}/").status_code == 404
    assert tally.pk in _ids(_client(analyst).get(TALLIES))


def test_the_detail_shows_one_tally(root, researcher):
    tally = _tally(root, "militants")

    response = _client(researcher).get(f"{TALLIES}{tally.pk}/")

    assert response.status_code == 200
    assert response.json()["best"] == 108
    assert response.json()["version"] == tally.version
    assert response["ETag"] == f'"{tally.version}"'


def test_a_missing_tally_is_a_404(researcher):
    assert _client(researcher).get(f"{TALLIES}999999/").status_code == 404


def test_anonymous_visitors_cannot_list_tallies(root):
    assert _client().get(TALLIES).status_code in (401, 403)


def test_tallies_are_read_only(root, editor):
    tally = _tally(root, "militants")
    client = _client(editor)

    assert client.post(TALLIES, {}, format="json").status_code in (403, 405)
    assert client.patch(f"{TALLIES}{tally.pk}/", {"best": 1}).status_code == 405
    assert client.delete(f"{TALLIES}{tally.pk}/").status_code == 405
    assert _tally(root, "militants").best == 108


# --- filters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"top_level": "true"}, set(REFERENCE_TABLE)),
        ({"group": "security-forces"}, {("security-forces", "killed")}),
        (
            {"group": ["civilians", "detainees"]},
            {("civilians", "killed"), ("detainees", "freed")},
        ),
        ({"outcome": "injured"}, {("all", "injured")}),
        ({"status": "needs_review"}, {("security-forces", "killed")}),
        ({"disputed": "true"}, {("security-forces", "killed")}),
        (
            {"disputed": "false", "outcome": "freed"},
            {("detainees", "freed"), ("all", "freed")},
        ),
    ],
)
def test_it_filters_the_root_tallies(root, researcher, params, expected):
    response = _client(researcher).get(TALLIES, {"top_level": "true", **params})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert {r["incident"] for r in rows} == {root.pk}
    assert {(r["group"], r["outcome"]) for r in rows} == expected


def test_it_filters_by_incident(root, researcher):
    child = root.children.get(title__startswith="Earlier security raids")

    rows = _client(researcher).get(TALLIES, {"incident": child.pk}).json()["results"]

    assert {(r["incident"], r["group"]) for r in rows} == {
        (child.pk, "militants"),
        (child.pk, "all"),
    }


def test_top_level_false_keeps_the_parts(root, researcher):
    rows = _client(researcher).get(TALLIES, {"top_level": "false"}).json()["results"]

    assert rows
    assert root.pk not in {r["incident"] for r in rows}


def test_status_takes_several_values_for_the_review_queue(root, editor, researcher):
    _review(_client(editor), _tally(root, "security-forces"))
    # A new figure under the reviewed tally puts it back in the queue as stale.
    _claim(root, 2, group="police", side=ClaimantSide.objects.get(slug="official"))

    queue = _client(researcher).get(TALLIES, {"status": ["needs_review", "stale"]})

    rows = queue.json()["results"]
    assert {(r["group"], r["status"]) for r in rows} >= {("security-forces", "stale")}
    assert all(r["status"] in ("needs_review", "stale") for r in rows)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("incident", "999999"),
        ("incident", "abc"),
        ("group", "nobody"),
        ("outcome", "vanished"),
        ("status", "approved"),
        ("disputed", "maybe"),
        ("top_level", "perhaps"),
        ("ordering", "colour"),
    ],
)
def test_it_rejects_a_bad_filter_value_naming_the_parameter(
    root, researcher, param, value
):
    response = _client(researcher).get(TALLIES, {param: value})

    assert response.status_code == 400
    assert param in response.json()


def test_a_draft_incident_id_looks_unknown_to_a_researcher(researcher):
    draft = IncidentFactory(status=Incident.Status.DRAFT)
    _claim(draft, 3)

    response = _client(researcher).get(TALLIES, {"incident": draft.pk})

    assert response.status_code == 400
    assert "incident" in response.json()


def test_it_orders_by_best_with_ties_broken_by_id(root, researcher):
    query = {"ordering": "-best", "page_size": 1000}
    rows = _client(researcher).get(TALLIES, query).json()["results"]

    # Ties follow the last key's direction: "-best" is "best" reversed exactly.
    keys = [(r["best"], r["id"]) for r in rows]
    assert keys == sorted(keys, reverse=True)
    query["ordering"] = "best"
    assert _client(researcher).get(TALLIES, query).json()["results"] == rows[::-1]


def _many_tallies(count: int, reviewer) -> None:
    """Reviewed tallies, written as every door writes them: the list only reads
    them."""
    reviewed = 0
    while reviewed < count:
        incident = IncidentFactory()
        _claim(incident, 1, high=3, point=2)
        for tally in Tally.objects.filter(incident=incident).order_by("id"):
            if reviewed < count:
                tally.refresh_from_db()  # a review below may move the sums above
                services.review_tally(
                    tally_id=tally.pk,
                    user=reviewer,
                    best=2,
                    low=None,
                    high=None,
                    rationale="Checked.",
                    version=tally.version,
                )
                reviewed += 1


def _queries(client, params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(TALLIES, params)
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


def test_the_list_runs_the_same_queries_for_10_and_200_rows(researcher, editor):
    client = _client(researcher)
    _many_tallies(10, editor)
    few = _queries(client, {"page_size": 1000, "status": "reviewed"})
    _many_tallies(190, editor)
    many = _queries(client, {"page_size": 1000, "status": "reviewed"})

    assert (few[1], many[1]) == (10, 200)
    assert few[0] == many[0]


# --- tallies/{id}/review/ ----------------------------------------------------------


def test_an_editor_reviews_a_disputed_tally(root, editor):
    tally = _tally(root, "security-forces")

    response = _review(_client(editor), tally)

    assert response.status_code == 200
    body = response.json()
    assert (body["low"], body["best"], body["high"]) == (10, 12, None)
    assert body["status"] == "reviewed"
    assert body["reviewed_by"] == "editor"
    assert body["rationale"] == RATIONALE
    tally.refresh_from_db()
    assert (tally.best, tally.review.best, tally.status) == (12, 12, "reviewed")
    assert (tally.review.rationale, tally.review.reviewed_by) == (RATIONALE, editor)
    assert body["version"] == tally.version
    assert response["ETag"] == f'"{tally.version}"'


def test_a_review_moves_the_sums_above_it(root, editor):
    _review(_client(editor), _tally(root, "security-forces"))

    # civilians 11 + security forces 12 + militants 108
    assert _tally(root, "all").best == 131


def test_a_later_superseding_claim_makes_the_review_stale(root, editor):
    tally = _tally(root, "security-forces")
    _review(_client(editor), tally)
    earlier = Claim.objects.get(
        incident=root, group="security-forces", claimant__name=BLA
    )

    _claim(
        root,
        40,
        group="security-forces",
        high=None,
        claimant=earlier.claimant,
        side=earlier.side,
        supersedes=earlier,
    )

    body = _client(editor).get(f"{TALLIES}{tally.pk}/").json()
    assert body["status"] == "stale"
    assert body["best"] == 12


def test_an_editor_may_narrow_low_and_high(root, editor):
    tally = _tally(root, "security-forces")

    response = _review(_client(editor), tally, low=11, high=20)

    assert response.status_code == 200
    assert (response.json()["low"], response.json()["high"]) == (11, 20)


def test_an_admin_may_review(root, admin_user):
    response = _review(_client(admin_user), _tally(root, "security-forces"))

    assert response.status_code == 200
    assert response.json()["reviewed_by"] == "admin"


@pytest.mark.parametrize("role", ["analyst", "researcher"])
def test_analysts_and_researchers_may_not_review(request, root, role):
    tally = _tally(root, "security-forces")
    before = _state(tally)

    response = _review(_client(request.getfixturevalue(role)), tally)

    assert response.status_code == 403
    assert _state(tally) == before


def test_anonymous_visitors_may_not_review(root):
    tally = _tally(root, "security-forces")
    before = _state(tally)

    assert _review(_client(), tally).status_code in (401, 403)
    assert _state(tally) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rationale": ""}, "rationale"),
        ({"rationale": "   "}, "rationale"),
        ({"rationale": "<script>alert(1)</script>"}, "rationale"),
        ({"best": 9}, "best"),  # below every claim
        ({"best": 12, "low": 13}, "low"),
        ({"best": 12, "high": 11}, "high"),
        ({"best": 12, "low": 9}, "low"),  # would widen the interval
        ({"best": -1}, "best"),
        ({"best": "twelve"}, "best"),
        ({"version": None}, "version"),
    ],
)
def test_it_rejects_a_bad_review_with_field_messages(root, editor, body, field):
    tally = _tally(root, "security-forces")
    before = _state(tally)

    response = _review(_client(editor), tally, **body)

    assert response.status_code == 400
    assert field in response.json()
    assert _state(tally) == before


def test_a_review_without_a_rationale_is_refused(root, editor):
    tally = _tally(root, "security-forces")
    before = _state(tally)

    response = _client(editor).post(
        _review_url(tally), {"best": 12, "version": tally.version}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["rationale"]
    assert _state(tally) == before


def test_a_stale_version_gets_409_and_changes_nothing(root, editor):
    tally = _tally(root, "security-forces")
    before = _state(tally)

    response = _review(_client(editor), tally, version=tally.version + 1)

    assert response.status_code == 409
    assert response.json()["version"] == tally.version
    assert _state(tally) == before
    assert _tally(root, "all").best == 129


def test_of_two_reviews_from_the_same_version_only_one_wins(root, editor):
    tally = _tally(root, "security-forces")
    version = tally.version
    client = _client(editor)

    first = _review(client, tally, best=12, version=version)
    second = _review(client, tally, best=15, version=version)

    assert (first.status_code, second.status_code) == (200, 409)
    assert _tally(root, "security-forces").best == 12


def test_reviewing_a_missing_tally_is_a_404(editor):
    response = _client(editor).post(
        f"{TALLIES}999999/review/",
        {"best": 1, "rationale": RATIONALE, "version": 1},
        format="json",
    )

    assert response.status_code == 404


# --- incidents/{id}/tally/ ---------------------------------------------------------


def _table_url(incident_id: int) -> str:
    return f"/api/v1/incidents/{incident_id}/tally/"


def test_the_reference_root_gives_the_table_of_the_spec(root, researcher):
    response = _client(researcher).get(_table_url(root.pk))

    assert response.status_code == 200
    rows = response.json()
    assert all(set(row) == ROW_FIELDS for row in rows)
    table = {
        (r["group"], r["outcome"]): (
            r["low"],
            r["best"],
            r["high"],
            r["disputed"],
            r["status"],
        )
        for r in rows
    }
    assert table == REFERENCE_TABLE
    assert len(rows) == len(REFERENCE_TABLE)
    militants = next(r for r in rows if r["group"] == "militants")
    assert (militants["unattributed"], militants["inconsistent"]) == (0, False)


def test_the_table_lists_outcomes_in_spec_order_with_the_whole_first(root, researcher):
    rows = _client(researcher).get(_table_url(root.pk)).json()

    assert [(r["outcome"], r["group"]) for r in rows] == [
        ("killed", "all"),
        ("killed", "civilians"),
        ("killed", "security-forces"),
        ("killed", "militants"),
        ("injured", "all"),
        ("freed", "all"),
        ("freed", "detainees"),
    ]


def test_the_table_of_an_incident_without_claims_is_empty(researcher):
    incident = IncidentFactory()

    response = _client(researcher).get(_table_url(incident.pk))

    assert response.status_code == 200
    assert response.json() == []


def test_the_table_runs_a_fixed_number_of_queries(root, researcher):
    client = _client(researcher)
    child = root.children.get(title__startswith="Earlier security raids")

    counts = []
    for incident in (child, root):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_table_url(incident.pk)).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_the_table_of_a_missing_incident_is_a_404(researcher):
    assert _client(researcher).get(_table_url(999999)).status_code == 404


def test_the_table_of_a_draft_is_hidden_from_researchers(researcher, analyst):
    draft = IncidentFactory(status=Incident.Status.DRAFT)
    _claim(draft, 3)

    assert _client(researcher).get(_table_url(draft.pk)).status_code == 404
    assert len(_client(analyst).get(_table_url(draft.pk)).json()) == 2


def test_anonymous_visitors_cannot_read_the_table(root):
    assert _client().get(_table_url(root.pk)).status_code in (401, 403)


def test_anonymous_visitors_cannot_probe_incident_ids():
    assert _client().get(_table_url(999999)).status_code in (401, 403)


def test_public_read_opens_published_tallies_to_anonymous_visitors(root, settings):
    settings.PUBLIC_READ = True
    client = _client()

    assert client.get(_table_url(root.pk)).status_code == 200
    assert client.get(TALLIES).json()["count"] > 0
    tally = _tally(root, "security-forces")
    assert _review(client, tally).status_code in (401, 403)


def test_the_csv_export_has_every_tally_with_each_sides_interval(root, researcher):
    response = _client(researcher).get(TALLIES, {"format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    visible = Tally.objects.visible_to(researcher)
    assert len(rows) == visible.count()
    assert {(r["group"], r["outcome"]) for r in rows} == set(
        visible.values_list("group_id", "outcome_id")
    )
    militants = _tally(root, "militants")
    [row] = [r for r in rows if r["id"] == str(militants.pk)]
    assert row["best"] == str(militants.best)
    for side, interval in militants.by_side.items():
        assert row[f"{side}_low"] == str(interval["low"])
        assert row[f"{side}_open"] == ("true" if interval["high"] is None else "false")
    silent = {"independent", "official", "unknown", "perpetrator"} - set(
        militants.by_side
    )
    assert all(row[f"{side}_low"] == "" for side in silent)


def test_a_bad_filter_on_the_csv_export_is_a_json_400(root, researcher):
    response = _client(researcher).get(TALLIES, {"format": "csv", "group": "aliens"})

    assert response.status_code == 400
    assert "group" in response.json()


# --- as_of: the table as it stood --------------------------------------------------


def _independent():
    return ClaimantSide.objects.get(slug="independent")


def _table(user, incident, **params) -> list[tuple]:
    response = _client(user).get(f"/api/v1/incidents/{incident.pk}/tally/", params)
    assert response.status_code == 200, response.content
    return [(r["group"], r["outcome"], r["best"]) for r in response.json()]


def test_as_of_gives_the_tally_table_as_it_stood_then(root, researcher):
    then = TallyChange.objects.latest("at").at
    before = _table(researcher, root)
    ClaimFactory(incident=root, low=500, high=500, point=500, side=_independent())

    now = _table(researcher, root)
    assert now != before
    assert _table(researcher, root, as_of=then.isoformat()) == before
    assert _table(researcher, root, as_of="1990-01-01") == []
    assert _table(researcher, root, as_of=then.date().isoformat()) == now


@pytest.mark.parametrize("value", ["yesterday", "0001-01-01", "2026-02-30"])
def test_a_bad_as_of_is_a_400_naming_it(root, researcher, value):
    response = _client(researcher).get(
        f"/api/v1/incidents/{root.pk}/tally/", {"as_of": value}
    )

    assert response.status_code == 400
    assert "as_of" in response.json()


def test_the_incident_page_shows_the_figures_as_of_a_date(root, researcher_client):
    then = TallyChange.objects.latest("at").at
    ClaimFactory(incident=root, low=500, high=500, point=500, side=_independent())
    url = f"/incidents/{root.pk}/"

    current = researcher_client.get(url).content.decode()
    past = researcher_client.get(url, {"as_of": then.isoformat()}).content.decode()
    bad = researcher_client.get(url, {"as_of": "soon"}).content.decode()

    assert "<strong>500</strong>" in current
    assert "<strong>500</strong>" not in past
    assert "from the tally history" in past
    assert "Enter a date" in bad and "<strong>500</strong>" in bad
