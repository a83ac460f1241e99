"""The reference case loads the figures of SPEC section 5, once, beside other data."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Max

from casualties.models import Claim, Tally
from casualties.reference_case import ROOT_TITLE, load_reference_case
from incidents.models import Incident, Location
from sources.models import Source
from tests.factories import ClaimFactory, IncidentFactory, tally_differences

pytestmark = pytest.mark.django_db

OPEN = None

# SPEC section 5: group, outcome, low, best, high, disputed, status.
ROOT_TALLIES = [
    ("civilians", "killed", 11, 11, 11, False, "auto"),
    ("security-forces", "killed", 10, 10, OPEN, True, "needs_review"),
    ("militants", "killed", 108, 108, OPEN, False, "auto"),
    ("all", "killed", 129, 129, OPEN, False, "auto"),
    ("all", "injured", 24, 24, OPEN, False, "auto"),
    ("detainees", "freed", 31, 31, OPEN, False, "auto"),
]


@pytest.fixture
def root():
    return load_reference_case()


def _tally(incident, group, outcome) -> Tally:
    return Tally.objects.get(incident=incident, group=group, outcome=outcome)


def _child(root, title_start: str) -> Incident:
    return root.children.get(title__startswith=title_start)


@pytest.mark.parametrize(
    ("group", "outcome", "low", "best", "high", "disputed", "status"), ROOT_TALLIES
)
def test_the_root_tallies_are_those_of_the_spec(
    root, group, outcome, low, best, high, disputed, status
):
    tally = _tally(root, group, outcome)
    assert (tally.low, tally.best, tally.high) == (low, best, high)
    assert tally.disputed is disputed
    assert not tally.inconsistent
    assert tally.status == status


def test_the_umbrella_claim_is_not_added_to_its_parts(root):
    tally = _tally(root, "militants", "killed")
    assert tally.unattributed == 0
    assert tally.claims == 1


def test_each_side_keeps_its_own_interval(root):
    tally = _tally(root, "security-forces", "killed")
    assert tally.by_side == {
        "official": {"low": 10, "high": 10},
        "perpetrator": {"low": 11, "high": None},
    }


def test_the_child_operations_carry_their_own_figures(root):
    response = _tally(_child(root, "Security-force response"), "militants", "killed")
    raids = _tally(_child(root, "Earlier security raids"), "militants", "killed")
    assert (response.low, response.best, response.high) == (67, 67, 67)
    assert (raids.low, raids.best, raids.high) == (41, 41, 41)


def test_the_prison_break_freed_more_than_30(root):
    tally = _tally(_child(root, "Attack on the Mastung"), "detainees", "freed")
    assert (tally.low, tally.best, tally.high, tally.status) == (31, 31, OPEN, "auto")


def test_the_figures_count_the_sources_they_were_read_in(root):
    assert _tally(root, "civilians", "killed").sources == 3
    assert _tally(root, "security-forces", "killed").sources == 4


def test_the_root_is_described_as_the_spec_asks(root):
    assert root.title == ROOT_TITLE
    assert root.location.code == "PK-BA"
    assert root.location.parent.code == "PK"
    assert root.location_precision == "province"
    [claim] = root.responsibility_claims.select_related("actor")
    assert claim.actor.name == "Baloch Liberation Army"
    assert "female fighters" in claim.how
    assert root.actor_roles.filter(
        actor__name="Baloch Liberation Army", role="perpetrator"
    ).exists()


def test_every_child_has_a_location_a_date_and_a_target(root):
    children = root.children.all()
    assert children.count() == 8
    for child in children:
        assert child.location is not None
        assert child.start_date is not None
        assert child.targets.exists()
        assert child.status == Incident.Status.PUBLISHED


def test_the_sources_are_those_the_figures_came_from(root):
    names = set(Source.objects.values_list("name", flat=True))
    assert {"France 24", "Associated Press", "X", "BLA media"} <= names
    assert Source.objects.get(name="BLA media").affiliation.name == (
        "Baloch Liberation Army"
    )
    assert not Claim.objects.filter(reports__isnull=True).exists()


def _snapshot() -> dict:
    """Row count and highest version of every table, history and m2m included."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        rows = model._default_manager.all()
        version = (
            rows.aggregate(top=Max("version"))["top"]
            if any(f.name == "version" for f in model._meta.fields)
            else None
        )
        counts[model._meta.label] = (rows.count(), version)
    return counts


def test_loading_twice_changes_nothing(root):
    before = _snapshot()
    assert load_reference_case() == root
    assert _snapshot() == before


def test_loading_beside_other_data_leaves_it_as_it_was():
    other = ClaimFactory(incident=IncidentFactory(title="Unrelated attack"))
    incident = Incident.objects.filter(pk=other.incident_id)
    claim = Claim.objects.filter(pk=other.pk)
    tallies = Tally.objects.filter(incident=other.incident_id)
    before = [list(rows.values()) for rows in (incident, claim, tallies)]

    load_reference_case()

    assert [list(rows.values()) for rows in (incident, claim, tallies)] == before
    assert tally_differences() == []


def test_it_cooperates_with_a_gazetteer_loaded_first():
    pakistan = Location.objects.create(code="PK", name="Pakistan", kind="country")
    province = Location.objects.create(
        code="PK-BA", name="Balochistan", kind="admin1", parent=pakistan
    )
    root = load_reference_case()
    assert root.location == province
    assert Location.objects.filter(code__in=["PK", "PK-BA"]).count() == 2


def test_a_full_recompute_after_loading_changes_nothing(root):
    out = StringIO()
    call_command("recompute_tallies", stdout=out)
    assert out.getvalue().startswith("0 tally rows changed")
    assert tally_differences() == []


def test_the_command_says_what_it_did():
    out = StringIO()
    call_command("load_reference_case", stdout=out)
    assert "Created" in out.getvalue()
    assert "militants/killed: 108 / 108 / open" in out.getvalue()
    out = StringIO()
    call_command("load_reference_case", stdout=out)
    assert "nothing changed" in out.getvalue()
