"""The report page: a document read about an incident, added by an analyst.

A report hangs on the incident it was added from, whether or not it gives
figures; saving one leads straight to the claims page with the report chosen
and its excerpt ready to extract from.
"""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from incidents.access import get_editable_incident
from incidents.claim_forms import ClaimSourceForm
from sources import services
from sources.forms import NewSourceForm, ReportForm


class ReportCreateView(PermissionRequiredMixin, View):
    permission_required = "sources.add_report"
    template_name = "sources/report_form.html"

    def get(self, request, pk):
        incident = get_editable_incident(request.user, pk)
        return self.render(incident, ReportForm())

    def post(self, request, pk):
        incident = get_editable_incident(request.user, pk)
        form = ReportForm(request.POST)
        if form.is_valid():
            with transaction.atomic():  # a new source is saved with it
                report = services.add_report(
                    report=form.save(commit=False, user=request.user),
                    incident=incident,
                    user=request.user,
                )
            messages.success(request, "Report saved: now enter the figures it gives.")
            claims = reverse("incidents:claims", args=[incident.pk])
            return redirect(f"{claims}?report={report.pk}")
        return self.render(incident, form)

    def render(self, incident, form):
        return render(
            self.request, self.template_name, {"incident": incident, "form": form}
        )


class NewSourceView(PermissionRequiredMixin, View):
    """htmx: add a source from the claims page; the answer replaces the little
    form and, on success, the new report's source list, with the new source
    chosen."""

    permission_required = "sources.add_source"
    template_name = "sources/partials/new_source.html"

    def post(self, request):
        form = NewSourceForm(request.POST)
        source = form.save(user=request.user) if form.is_valid() else None
        context = {"form": form, "added": source}
        if source is not None:
            context["form"] = NewSourceForm()
            field = ClaimSourceForm.base_fields["source"]
            context["source_select"] = field.widget.render(
                "source",
                source.pk,
                attrs={"id": "id_source", "hx-swap-oob": "outerHTML"},
            )
        return render(request, self.template_name, context)
