"""The writes of sources and reports that every door shares."""

import re

from django.db import transaction
from django.db.models import Q, QuerySet

from sources.models import IncidentReport, Report, Source


def reports_about(incident, claims=None) -> QuerySet:
    """The reports read about `incident`, not retracted: those hung on it and
    those its claims cite (`claims`: the ones the reader may see; all of
    them by default). None for an incident not saved yet."""
    if incident.pk is None:
        return Report.objects.none()
    if claims is None:
        claims = incident.claims.all()
    hung = IncidentReport.objects.filter(incident=incident).values("report")
    cited = Report.objects.filter(claims__in=claims).values("pk")
    return Report.objects.filter(retracted_at__isnull=True).filter(
        Q(pk__in=hung) | Q(pk__in=cited)
    )


def hang_report(*, report: Report, incident, user) -> None:
    """Put `report` (a Report or its id) on `incident` (once: a second call
    changes nothing)."""
    IncidentReport.objects.get_or_create(
        incident=incident,
        report_id=getattr(report, "pk", report),
        defaults={"added_by": user},
    )


def add_report(*, report: Report, incident, user) -> Report:
    """A new report, read about `incident`: saved and hung on it together."""
    with transaction.atomic():
        report.created_by = user
        report.full_clean()
        report.save()
        hang_report(report=report, incident=incident, user=user)
    return report


def _words(name: str) -> str:
    """A name's words, case, spacing and punctuation aside."""
    return " ".join(re.findall(r"\w+", name.casefold()))


def sources_named(name: str) -> list[Source]:
    """Sources a new one called `name` may well duplicate: the same name, case,
    spacing and punctuation aside ("DAWN" for "Dawn"), or one name holding the
    other's words ("Dawn" and "Dawn News", "Reuters" and "Thomson Reuters")."""
    wanted = _words(name)
    if not wanted:
        return []
    found = []
    for pk, known in Source.objects.values_list("pk", "name"):
        words = _words(known)
        if words == wanted or (
            min(len(words), len(wanted)) >= 4
            and (f" {wanted} " in f" {words} " or f" {words} " in f" {wanted} ")
        ):
            found.append(pk)
    return list(
        Source.objects.filter(pk__in=found)
        .select_related("affiliation")
        .order_by("name")
    )


def create_source(
    *,
    user,
    name: str,
    kind: str = Source.Kind.OTHER,
    reliability: str = Source.Reliability.F,
    affiliation=None,
    url: str = "",
) -> Source:
    """A new source, checked as the model has it (unique name, no markup): the
    API's, the report page's and the claims page's, one way."""
    source = Source(
        name=" ".join(name.split()),
        kind=kind,
        reliability=reliability,
        affiliation=affiliation,
        url=url,
    )
    source.full_clean()
    source._history_user = user
    source.save()
    return source
