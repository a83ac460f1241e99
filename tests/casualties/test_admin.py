import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casualties.models import Claim, ClaimantSide, Outcome, Tally, VictimGroup
from casualties.services import update_claim
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    IncidentFactory,
    ReportFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _url(model, view, *args):
    return reverse(f"admin:casualties_{model._meta.model_name}_{view}", args=args)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def _staff(client, role):
    user = UserFactory(username=f"staff-{role}", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


def _claim_fields(incident, **fields):
    return {
        "incident": incident.pk,
        "side": "official",
        "group": "civilians",
        "outcome": "killed",
        "low": 10,
        "high": 12,
        "assessment": "unassessed",
        **fields,
    }


def _tally(incident, group="civilians") -> Tally:
    return Tally.objects.get(incident=incident, group=group, outcome="killed")


def _claimed_tally() -> Tally:
    claim = ClaimFactory(claimant=ActorFactory(), low=10, high=20, point=10)
    return _tally(claim.incident)


OBJECTS = {
    Claim: lambda: ClaimFactory(claimant=ActorFactory()),
    VictimGroup: lambda: VictimGroup.objects.get(slug="police"),
    Outcome: lambda: Outcome.objects.get(slug="killed"),
    ClaimantSide: lambda: ClaimantSide.objects.get(slug="official"),
}


@pytest.mark.parametrize("model", OBJECTS, ids=lambda model: model.__name__)
def test_every_casualties_admin_page_loads_for_an_admin(admin_client, model):
    obj = OBJECTS[model]()
    assert admin_client.get(_url(model, "changelist")).status_code == 200
    assert admin_client.get(_url(model, "add")).status_code == 200
    assert admin_client.get(_url(model, "change", obj.pk)).status_code == 200


def test_tally_pages_load_but_tallies_are_not_added_by_hand(admin_client):
    tally = _claimed_tally()
    assert admin_client.get(_url(Tally, "changelist")).status_code == 200
    assert admin_client.get(_url(Tally, "change", tally.pk)).status_code == 200
    assert admin_client.get(_url(Tally, "history", tally.pk)).status_code == 200
    assert admin_client.get(_url(Tally, "add")).status_code == 403


@pytest.mark.parametrize(
    "model, make",
    [(Claim, OBJECTS[Claim]), (Tally, _claimed_tally)],
    ids=["Claim", "Tally"],
)
def test_a_changelist_runs_the_same_queries_for_3_rows_as_for_30(
    admin_client, django_assert_num_queries, model, make
):
    url = _url(model, "changelist")
    for _ in range(3):
        make()
    _queries(admin_client, url)  # warm the session and content-type caches
    few = _queries(admin_client, url)
    for _ in range(27):
        make()

    with django_assert_num_queries(few):
        admin_client.get(url)


def test_a_claim_with_high_below_low_is_refused_next_to_the_high_field(
    admin_client,
):
    incident = IncidentFactory()
    response = admin_client.post(
        _url(Claim, "add"), _claim_fields(incident, low=10, high=5)
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["high"] == [
        "The high figure cannot be below the low figure."
    ]
    assert not Claim.objects.exists()
    assert not Tally.objects.exists()


def test_a_claim_added_with_reports_counts_their_sources_in_the_tally(
    admin_client, admin_user
):
    incident = IncidentFactory()
    reports = [ReportFactory(), ReportFactory()]
    response = admin_client.post(
        _url(Claim, "add"),
        _claim_fields(incident, linked_reports=[report.pk for report in reports]),
    )

    assert response.status_code == 302
    assert Claim.objects.get().created_by == admin_user
    assert _tally(incident).sources == 2


def test_a_reason_given_in_the_admin_retracts_the_claim(admin_client):
    claim = ClaimFactory()
    response = admin_client.post(
        _url(Claim, "change", claim.pk),
        _claim_fields(claim.incident, retraction_reason="Misread the wire."),
    )

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.retracted_at is not None
    assert not Tally.objects.filter(incident=claim.incident).exists()


@pytest.mark.parametrize("model", [Claim, Tally], ids=["Claim", "Tally"])
def test_claims_and_tallies_cannot_be_deleted_in_the_admin(admin_client, model):
    claim = ClaimFactory()
    obj = claim if model is Claim else _tally(claim.incident)

    response = admin_client.get(_url(model, "delete", obj.pk))

    assert response.status_code == 403
    changelist = admin_client.get(_url(model, "changelist"))
    assert 'value="delete_selected"' not in changelist.content.decode()
    assert model.objects.filter(pk=obj.pk).exists()


def test_a_staff_analyst_cannot_assess_a_claim(client):
    _staff(client, "analyst")
    claim = ClaimFactory()
    response = client.post(
        _url(Claim, "change", claim.pk),
        _claim_fields(claim.incident, wording="ten dead", assessment="discounted"),
    )

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.wording, claim.assessment) == ("ten dead", "unassessed")


def test_a_staff_editor_assesses_a_claim(client):
    _staff(client, "editor")
    claim = ClaimFactory()
    response = client.post(
        _url(Claim, "change", claim.pk),
        _claim_fields(
            claim.incident, assessment="contested", assessment_note="One source."
        ),
    )

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.assessment, claim.assessment_note) == ("contested", "One source.")


def test_a_staff_editors_review_is_stamped_and_moves_the_tally(client):
    editor = _staff(client, "editor")
    tally = _claimed_tally()
    response = client.post(
        _url(Tally, "change", tally.pk),
        {"reviewed_best": 11, "rationale": "The hospital list names eleven."},
    )

    assert response.status_code == 302
    tally.refresh_from_db()
    assert (tally.status, tally.review.reviewed_by) == (Tally.Status.REVIEWED, editor)
    assert tally.review.reviewed_at is not None
    assert tally.best == 11
    assert _tally(tally.incident, group="all").best == 11


def test_a_review_without_a_rationale_is_refused(client):
    _staff(client, "editor")
    tally = _claimed_tally()
    response = client.post(_url(Tally, "change", tally.pk), {"reviewed_best": 11})

    assert response.context["adminform"].form.errors["rationale"] == [
        "Say why this figure is the best estimate."
    ]
    tally.refresh_from_db()
    assert (tally.review, tally.status) == (None, Tally.Status.AUTO)


def test_a_reviewed_low_above_the_reviewed_best_is_refused(client):
    _staff(client, "editor")
    tally = _claimed_tally()
    response = client.post(
        _url(Tally, "change", tally.pk),
        {"reviewed_best": 11, "reviewed_low": 12, "rationale": "Counted."},
    )

    assert response.context["adminform"].form.errors["reviewed_low"] == [
        "The low figure cannot be above the best figure."
    ]


def test_a_staff_analyst_sees_a_tally_but_cannot_review_it(client):
    _staff(client, "analyst")
    tally = _claimed_tally()

    assert client.get(_url(Tally, "change", tally.pk)).status_code == 200
    response = client.post(
        _url(Tally, "change", tally.pk), {"reviewed_best": 11, "rationale": "No."}
    )

    assert response.status_code == 403
    tally.refresh_from_db()
    assert tally.review is None


def test_saving_a_stale_review_again_confirms_it(client):
    editor = _staff(client, "editor")
    claim = ClaimFactory(low=10, high=20, point=10)
    tally = _tally(claim.incident)
    review = {"reviewed_best": 11, "rationale": "The hospital list names eleven."}
    client.post(_url(Tally, "change", tally.pk), review)
    update_claim(claim=claim, user=editor, low=9, high=21, point=9)
    assert _tally(claim.incident).status == Tally.Status.STALE

    client.post(_url(Tally, "change", tally.pk), review)

    assert _tally(claim.incident).status == Tally.Status.REVIEWED


def test_clearing_a_review_hands_the_tally_back_to_the_rules(client):
    _staff(client, "editor")
    tally = _claimed_tally()
    client.post(
        _url(Tally, "change", tally.pk), {"reviewed_best": 11, "rationale": "Eleven."}
    )

    client.post(_url(Tally, "change", tally.pk), {"rationale": "Eleven."})

    tally.refresh_from_db()
    assert (tally.best, tally.status, tally.review) == (10, "auto", None)
