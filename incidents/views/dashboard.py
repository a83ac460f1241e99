"""The home page after login: the dashboard, for every role."""

import json
from html import escape

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from incidents import charts, dashboard
from incidents.filters import BBoxField
from incidents.models import Location, Outline

PROVINCE_FIELD_ID = "province-field"


class CodeChoiceField(forms.ModelChoiceField):
    """A gazetteer entry by its ISO 3166 code, in either case."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().upper()
        return super().to_python(value)


class DashboardFilterForm(forms.Form):
    """Period and place, named as the incident list's filters are.

    `country` and `province` take ISO 3166 codes (PK, PK-BA), so the address
    of a filtered dashboard reads like the API's `?country=PK`.
    """

    started_after = forms.DateField(
        label="From",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Incidents that started on or after this day.",
    )
    started_before = forms.DateField(
        label="To",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Incidents that started on or before this day.",
    )
    country = CodeChoiceField(
        queryset=Location.objects.filter(kind=Location.Kind.COUNTRY),
        to_field_name="code",
        required=False,
        empty_label="All countries",
        error_messages={"invalid_choice": "Choose a country from the list."},
    )
    province = CodeChoiceField(
        queryset=Location.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="All provinces",
        label="Province",
        error_messages={"invalid_choice": "Choose a province of the selected country."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = str(self.data.get("country") or "").strip().upper()
        province = self.fields["province"]
        if code:
            province.queryset = Location.objects.filter(
                kind=Location.Kind.ADMIN1, parent__code=code
            )
        else:
            province.help_text = "Choose a country first."
        # With htmx, a new country brings its provinces without a reload;
        # without it, applying the filters does the same.
        self.fields["country"].widget.attrs.update(
            {
                "hx-get": reverse("incidents:home"),
                "hx-target": f"#{PROVINCE_FIELD_ID}",
                "hx-swap": "outerHTML",
            }
        )

    def clean(self):
        data = super().clean()
        after, before = data.get("started_after"), data.get("started_before")
        if after and before and before < after:
            self.add_error(
                "started_before", "The end of the period is before its start."
            )
        return data

    def filters(self) -> dashboard.Filters:
        data = self.cleaned_data
        return dashboard.Filters(
            started_after=data.get("started_after"),
            started_before=data.get("started_before"),
            place=data.get("province") or data.get("country"),
        )


@login_required
def home(request):
    """Totals, sides' claims, timeline, map and reconciliation table."""
    form = DashboardFilterForm(request.GET)
    if request.htmx and request.htmx.target == PROVINCE_FIELD_ID:
        response = render(
            request,
            "incidents/partials/dashboard_province.html",
            {"field": form["province"], "field_id": PROVINCE_FIELD_ID},
        )
    else:
        context = {"form": form, "province_field_id": PROVINCE_FIELD_ID}
        if form.is_valid():
            context.update(_figures(request, form.filters()))
        response = render(request, "incidents/dashboard.html", context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@login_required
def home_map(request):
    """The dashboard map's incidents as GeoJSON, for the same filters."""
    form = DashboardFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    response = JsonResponse(dashboard.map_data(request.user, form.filters()))
    patch_vary_headers(response, ("Cookie",))
    return response


class OutlinesForm(forms.Form):
    bbox = BBoxField(required=True)


# The largest provinces first, so that a view over a continent still draws its
# main divisions; the map asks for outlines only once zoomed in that far.
MAX_OUTLINES = 300


@login_required
def province_outlines(request):
    """The outlines of the provinces a bounding box meets, as GeoJSON.

    Each geometry is stored as the GeoJSON text it is served as, so the answer
    is put together from the stored text, never parsed and dumped again.
    """
    form = OutlinesForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    west, south, east, north = form.cleaned_data["bbox"]
    rows = list(
        Outline.objects.filter(
            west__lte=east, east__gte=west, south__lte=north, north__gte=south
        )
        .order_by(-(F("east") - F("west")) * (F("north") - F("south")), "location_id")
        .values_list("location__code", "location__name", "geometry")[: MAX_OUTLINES + 1]
    )
    features = ",".join(
        '{"type":"Feature","id":'
        + json.dumps(code)
        + ',"properties":'
        + json.dumps({"code": code, "name": name})
        + ',"geometry":'
        + geometry
        + "}"
        for code, name, geometry in rows[:MAX_OUTLINES]
    )
    truncated = "true" if len(rows) > MAX_OUTLINES else "false"
    body = (
        '{"type":"FeatureCollection","truncated":'
        + truncated
        + ',"features":['
        + features
        + "]}"
    )
    response = HttpResponse(body, content_type="application/geo+json")
    # Outlines change only when `load_gazetteer` runs.
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _figures(request, filters: dashboard.Filters) -> dict:
    data = dashboard.build(
        request.user,
        filters,
        page_number=request.GET.get("page"),
        with_review=request.user.has_perm("casualties.review_tally"),
    )
    groups = [
        charts.RangeGroup(
            label=group.name,
            best=group.figures.best,
            ranges=[
                charts.Range(side.slug, side.name, side.low, side.high)
                for side in group.sides
            ],
        )
        for group in data.groups
    ]
    # The charts escape every text they draw, so their markup is safe to embed.
    return {
        "data": data,
        "place": filters.place,
        "sides_chart": mark_safe(
            charts.range_chart(
                groups,
                title="Killed: each side's figures and the best, per victim group",
                chart_id="sides-chart",
            )
        ),
        "timeline_chart": mark_safe(
            charts.timeline_chart(
                data.periods,
                title=f"Incidents and killed per {data.interval}",
                chart_id="timeline-chart",
            )
        ),
        "timeline_rows": _timeline_rows(data.periods),
        "reconciliation_rows": _reconciliation_rows(data.table),
        "map_limit": dashboard.MAP_LIMIT,
        "map_query": _map_query(request),
        "unmapped": data.totals.incidents - data.totals.mapped,
    }


def _timeline_rows(periods) -> str:
    """The timeline's table rows, joined here: a row per month over twelve
    years is 150 rows, which the template engine took 6 ms to render (of
    the dashboard's 90)."""
    return format_html_join(
        "\n",
        '<tr><th scope="row">{}</th>'
        '<td class="num">{}</td><td class="num">{}</td></tr>',
        ((period.label, period.incidents, period.killed) for period in periods),
    )


def _reconciliation_rows(page) -> str:
    """The reconciliation table's bodies (one per incident), joined here as
    the timeline's rows are: twenty incidents of a few rows each were 1,300
    template nodes, two thirds of the page's rendering (20 ms at 400,000
    incidents)."""
    url = dashboard.detail_urls()
    return mark_safe(
        "\n".join(_incident_rows(incident, url(incident.pk)) for incident in page)
    )


def _incident_rows(incident, url: str) -> str:
    """Built with the standard library's `html.escape` (what Django's escape
    does, without the lazy-string check around every call, which cost more
    than the rows themselves)."""
    where = f" · {escape(incident.location.name)}" if incident.location else ""
    if incident.status != "published":
        where += f" · {escape(str(incident.get_status_display()))}"
    date = date_format(incident.start_date, "Y-m-d")
    heading = (
        f'<a href="{escape(url)}">{escape(incident.title)}</a>\n'
        f'<span class="meta">{date}{where}</span>'
    )
    if not incident.rows:
        return (
            f'<tbody>\n<tr>\n<th scope="row">\n{heading}\n</th>\n'
            '<td colspan="7" class="meta">No figures of killed recorded.</td>\n'
            "</tr>\n</tbody>"
        )
    rows = []
    for index, row in enumerate(incident.rows):
        first = (
            f'<th scope="rowgroup" rowspan="{len(incident.rows)}">\n{heading}\n</th>\n'
            if index == 0
            else ""
        )
        others = (
            "; ".join(f"{escape(name)} {escape(shown)}" for name, shown in row.others)
            or "—"
        )
        badges = ""
        if row.disputed:
            badges += '<span class="badge disputed">disputed</span>'
        if row.status != "auto":
            badges += (
                f'<span class="badge status-{escape(row.status)}">'
                f"{escape(str(row.status_display))}</span>"
            )
        rows.append(
            f"<tr>\n{first}<td>{escape(row.group)}</td>\n"
            f"<td>{escape(row.official or '—')}</td>\n"
            f"<td>{escape(row.perpetrator or '—')}</td>\n<td>{others}</td>\n"
            f'<td class="num"><strong>{row.figures.best}</strong></td>\n'
            f"<td>{escape(row.figures.interval)}</td>\n<td>{badges}</td>\n</tr>"
        )
    return "<tbody>\n" + "\n".join(rows) + "\n</tbody>"


def _map_query(request) -> str:
    """The page's filters for the map's own request (the table's page aside)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
