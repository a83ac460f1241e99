import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from casualties.models import Claim, Tally
from casualties.services import retract_claim
from incidents.base import service_write
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def _errors(instance) -> dict:
    with pytest.raises(ValidationError) as info:
        instance.full_clean()
    return info.value.message_dict


@pytest.mark.parametrize(
    ("figures", "field", "message"),
    [
        ({"low": -1, "high": 5, "point": None}, "low", "greater than or equal to 0"),
        ({"low": 10, "high": 5, "point": None}, "high", "cannot be below the low"),
        ({"low": 10, "high": 20, "point": 5}, "point", "cannot be below the low"),
        ({"low": 10, "high": 20, "point": 25}, "point", "cannot be above the high"),
    ],
)
def test_it_names_the_field_of_a_bad_interval(figures, field, message):
    claim = ClaimFactory.build(incident=IncidentFactory(), **figures)
    errors = _errors(claim)
    assert message in errors[field][0]


@pytest.mark.parametrize(
    "figures",
    [
        {"low": 10, "high": 5, "point": None},
        {"low": 10, "high": 20, "point": 25},
        {"low": 10, "high": None, "point": 3},
    ],
)
def test_the_database_refuses_a_bad_interval(figures):
    claim = ClaimFactory.build(incident=IncidentFactory(), **figures)
    # Open the services' door to write past their validation, as a buggy writer would.
    with pytest.raises(IntegrityError), transaction.atomic(), service_write():
        claim.save()
    assert not Claim.objects.exists()


def test_a_claim_supersedes_only_its_own_claimants_claims(django_user_model):
    from tests.factories import ActorFactory

    earlier = ClaimFactory(claimant=ActorFactory())
    later = ClaimFactory.build(
        incident=earlier.incident, claimant=ActorFactory(), supersedes=earlier
    )
    assert "supersedes" in _errors(later)


def test_there_is_one_tally_per_incident_group_and_outcome():
    claim = ClaimFactory()
    duplicate = Tally(
        incident=claim.incident,
        group_id=claim.group_id,
        outcome_id=claim.outcome_id,
        low=1,
        best=1,
        high=1,
    )
    assert _errors(duplicate)["__all__"] == [
        "There is already a working tally for this incident, group and outcome.",
        "There is already a published tally for this incident, group and outcome.",
    ]
    with pytest.raises(IntegrityError), transaction.atomic(), service_write():
        duplicate.save()


def test_a_claim_is_retracted_not_deleted(editor):
    claim = ClaimFactory()
    with pytest.raises(ValidationError):
        claim.delete()
    retract_claim(claim=claim, user=editor, reason="Duplicate of another report")
    claim.refresh_from_db()
    assert claim.is_retracted
    assert claim.history.count() == 2
