"""Background tasks (Django's tasks framework, settings.TASKS)."""

import io

from django.tasks import task

from incidents.interop.datasets import IMPORTERS
from incidents.interop.load import import_events
from incidents.interop.records import BadFile
from incidents.models import ImportRun, Incident


@task()
def run_import(run_id: int) -> None:
    """Import an uploaded file; the run records progress, summary or failure."""
    run = ImportRun.objects.select_related("user").get(pk=run_id)
    importer = IMPORTERS[run.dataset]
    status = Incident.Status.DRAFT if run.draft else Incident.Status.PUBLISHED
    try:
        with run.upload.open("rb") as raw:
            lines = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            import_events(
                dataset=importer.dataset,
                items=importer.read(lines),
                file_name=run.file_name,
                user=run.user,
                status=status,
                run=run,
            )
    except BadFile:
        return  # recorded on the run by import_events
    except Exception as error:
        run.status = ImportRun.Status.FAILED
        run.error = f"{type(error).__name__}: {error}"
        run.save(update_fields=["status", "error"])
        raise
