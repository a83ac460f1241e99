"""The writes of reports that every door shares."""

from django.db import transaction
from django.db.models import Q, QuerySet

from sources.models import IncidentReport, Report


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
