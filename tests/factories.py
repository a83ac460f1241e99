"""factory_boy factories for the domain; taxonomy rows come from migrations.

Incidents and claims are created through their write services, as every door
creates them, so the stored tallies follow.
"""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from casualties import services as claim_services
from casualties.models import Claim, ClaimantSide, Outcome, VictimGroup
from incidents import services as incident_services
from incidents.base import service_write
from incidents.models import Actor, Incident, IncidentType, Location
from sources.models import Report, Source


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Place {n}")
    kind = Location.Kind.PLACE
    latitude = 30.0
    longitude = 67.0


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Incident {n}")
    type = factory.LazyFunction(lambda: IncidentType.objects.get(slug="attack"))
    start_date = datetime.date(2026, 1, 31)
    status = Incident.Status.PUBLISHED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Through the services, as users write: a retracted incident is one
        recorded and then retracted with its reason."""
        user = kwargs.pop("created_by", None)
        reason = kwargs.pop("retraction_reason", "") or "Recorded in error."
        if kwargs.get("status") != Incident.Status.RETRACTED:
            return incident_services.create_incident(user=user, **kwargs)
        kwargs["status"] = Incident.Status.PUBLISHED
        incident = incident_services.create_incident(user=user, **kwargs)
        return incident_services.retract_incident(
            incident=incident, user=user, reason=reason
        )


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Outlet {n}")
    kind = Source.Kind.WIRE
    reliability = Source.Reliability.B


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    source = factory.SubFactory(SourceFactory)
    title = factory.Sequence(lambda n: f"Report {n}")


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    incident = factory.SubFactory(IncidentFactory)
    side = factory.LazyFunction(lambda: ClaimantSide.objects.get(slug="official"))
    group = factory.LazyFunction(lambda: VictimGroup.objects.get(slug="civilians"))
    outcome = factory.LazyFunction(lambda: Outcome.objects.get(slug="killed"))
    low = 10
    high = factory.LazyAttribute(lambda claim: claim.low)
    point = factory.LazyAttribute(lambda claim: claim.low)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        user = kwargs.pop("created_by", None)
        reports = kwargs.pop("reports", ())
        return claim_services.create_claim(user=user, reports=reports, **kwargs)


def bulk_incidents(specs) -> list[Incident]:
    """Top-level incidents in one INSERT, for tests that need many rows (the
    factories write one at a time, through the services); `bulk_claims` adds
    their claims and `rebuild_tallies` then computes every tally once."""
    defaults = {
        "type_id": "attack",
        "start_date": datetime.date(2026, 1, 31),
        "status": Incident.Status.PUBLISHED,
    }
    with service_write():
        made = Incident.objects.bulk_create(
            Incident(title=f"Bulk incident {n}", **(defaults | spec))
            for n, spec in enumerate(specs)
        )
        ids = [incident.pk for incident in made]
        Incident.objects.filter(pk__in=ids).update(
            path=Concat(Value("/"), Cast("id", CharField()), Value("/")),
            root_id=F("id"),
            effective_status=F("status"),
        )
    return list(Incident.objects.filter(pk__in=ids).order_by("pk"))


def bulk_claims(specs) -> None:
    """Killed-civilians official claims of 10 unless told, in one INSERT."""
    defaults = {
        "side_id": "official",
        "group_id": "civilians",
        "outcome_id": "killed",
        "low": 10,
    }
    with service_write():
        Claim.objects.bulk_create(Claim(**(defaults | spec)) for spec in specs)


def rebuild_tallies() -> None:
    from casualties import engine

    engine.recompute(restart=True)


def tally_differences() -> list[str]:
    """Stored tally rows that differ from a full recompute (none, when every
    write kept them current)."""
    from casualties import engine

    return engine.recompute(check=True).differences


def stored_as(row, **fields):
    """Write values past every check, as rows stored before a rule existed (or
    by another tool) can hold them; the row is returned fresh."""
    with service_write():
        type(row).objects.filter(pk=row.pk).update(**fields)
    row.refresh_from_db()
    return row


def plausible_date_message() -> str:
    """What core.validators.plausible_date says of a date after tomorrow."""
    latest = timezone.now().date() + datetime.timedelta(days=1)
    return (
        f"Enter a date no later than tomorrow ({latest.isoformat()}): events are "
        "recorded once they happened."
    )


def admin_form_data(client, url, **fields) -> dict:
    """An admin page's form: the fields given plus its inlines' management forms."""
    response = client.get(url)
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update(
            {f"{management.prefix}-{k}": v for k, v in management.initial.items()}
        )
    return {**data, **fields}


def review(tally, user, best: int, rationale: str = "Funerals counted in Turbat."):
    """An editor's review of `tally` at `best` (low and high computed), through
    the service, at the tally's current version."""
    return claim_services.review_tally(
        tally_id=tally.pk,
        user=user,
        best=best,
        low=None,
        high=None,
        rationale=rationale,
        version=tally.version,
    )
