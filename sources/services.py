"""The writes of reports that every door shares."""

from django.db import transaction

from sources.models import IncidentReport, Report


def hang_report(*, report: Report, incident, user) -> None:
    """Put `report` on `incident` (once: a second call changes nothing)."""
    IncidentReport.objects.get_or_create(
        incident=incident, report=report, defaults={"added_by": user}
    )


def add_report(*, report: Report, incident, user) -> Report:
    """A new report, read about `incident`: saved and hung on it together."""
    with transaction.atomic():
        report.created_by = user
        report.full_clean()
        report.save()
        hang_report(report=report, incident=incident, user=user)
    return report
