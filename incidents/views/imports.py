"""Imports from the web (editors): upload a UCDP or ACLED file, the import runs
as a background task (incidents.tasks), and its page shows progress, then
the summary. The list of runs is the history of imports: who, which file,
when, with what result."""

import io

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from incidents.interop.datasets import IMPORTERS
from incidents.interop.fields import check_utf8
from incidents.interop.records import BadFile
from incidents.models import ImportRun
from incidents.tasks import run_import

SHOWN = 200


class ImportForm(forms.Form):
    dataset = forms.ChoiceField(
        choices=[(slug, importer.label) for slug, importer in IMPORTERS.items()]
    )
    file = forms.FileField(
        help_text="CSV, UTF-8, as the dataset exports it (README: Importing)."
    )
    draft = forms.BooleanField(
        required=False, label="Import as drafts (published otherwise)"
    )

    def clean(self):
        data = super().clean()
        upload, dataset = data.get("file"), data.get("dataset")
        if upload is None or dataset is None:
            return data
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                {"file": f"The file is larger than {limit:,} bytes."}
            )
        try:
            check_utf8(upload)
            # The header, as the importer will read it: missing columns are
            # named now rather than after the task starts.
            lines = io.TextIOWrapper(upload, encoding="utf-8-sig", newline="")
            next(iter(IMPORTERS[dataset].read(lines)), None)
            lines.detach()
        except BadFile as error:
            raise forms.ValidationError({"file": str(error)}) from None
        upload.seek(0)
        return data


class ImportsView(PermissionRequiredMixin, View):
    """The upload form and the runs so far, newest first."""

    permission_required = "incidents.publish_incident"

    def get(self, request):
        return self.render(ImportForm())

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form, status=400)
        upload = form.cleaned_data["file"]
        run = ImportRun(
            dataset=form.cleaned_data["dataset"],
            file_name=upload.name[-300:],
            user=request.user,
            draft=form.cleaned_data["draft"],
            status=ImportRun.Status.QUEUED,
        )
        run.upload.save(upload.name, upload, save=False)
        run.save()
        run_import.enqueue(run.pk)
        return redirect("incidents:import", run.pk)

    def render(self, form, status=200):
        runs = ImportRun.objects.select_related("user")[:50]
        return render(
            self.request,
            "incidents/imports.html",
            {"form": form, "runs": runs, "labels": _labels()},
            status=status,
        )


class ImportView(PermissionRequiredMixin, View):
    """One run: progress while it runs (the page polls), then its summary."""

    permission_required = "incidents.publish_incident"

    def get(self, request, pk):
        run = get_object_or_404(ImportRun.objects.select_related("user"), pk=pk)
        context = {
            "run": run,
            "label": _labels().get(run.dataset, run.dataset),
            "flagged": run.flagged[:SHOWN],
            "refused": run.refused[:SHOWN],
            "shown": SHOWN,
            "busy": run.status in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING),
        }
        if request.htmx:
            return render(request, "incidents/partials/import_status.html", context)
        return render(request, "incidents/import_detail.html", context)


def _labels() -> dict[str, str]:
    return {slug: importer.label for slug, importer in IMPORTERS.items()}
