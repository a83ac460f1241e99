"""Adding a report on an incident, from a known source or a new one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Incident
from sources import services
from sources.forms import SAME_SOURCE_MESSAGE
from sources.models import IncidentReport, Report, Source
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    IncidentFactory,
    ReportFactory,
    SourceFactory,
    plausible_date_message,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident():
    return IncidentFactory(status=Incident.Status.DRAFT)


def _url(incident):
    return reverse("sources:report-create", args=[incident.pk])


def _data(**fields):
    data = {
        "source": "",
        "new_source_name": "",
        "new_source_kind": "other",
        "new_source_reliability": "F",
        "title": "Five policemen killed in Turbat",
        "url": "https://example.org/turbat",
        "published_at": "2026-01-31T18:30",
        "language": "en",
        "excerpt": "Officials said five policemen were killed.",
        "archive_url": "",
        "credibility": "3",
    }
    data.update(fields)
    return data


def test_an_analyst_adds_a_report_and_goes_on_to_its_claims(
    analyst_client, analyst, incident
):
    source = SourceFactory(name="Dawn")
    response = analyst_client.post(_url(incident), _data(source=source.pk))
    report = Report.objects.get()
    claims = reverse("incidents:claims", args=[incident.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{claims}?report={report.pk}"
    assert (report.source, report.credibility, report.created_by) == (
        source,
        3,
        analyst,
    )
    assert report.published_at.isoformat().startswith("2026-01-31")
    assert report.history.get().history_user == analyst


def test_it_creates_a_new_source_inline(analyst_client, incident):
    data = _data(
        new_source_name="Balochistan Post",
        new_source_kind="newspaper",
        new_source_reliability="C",
    )
    analyst_client.post(_url(incident), data)
    source = Source.objects.get()
    assert (source.name, source.kind, source.reliability) == (
        "Balochistan Post",
        "newspaper",
        "C",
    )
    assert Report.objects.get().source == source


def test_a_source_is_chosen_or_described_not_both(analyst_client, incident):
    source = SourceFactory()
    response = analyst_client.post(
        _url(incident), _data(source=source.pk, new_source_name="Another")
    )
    assert response.context["form"].errors["source"] == [
        "Choose a source or describe a new one, not both."
    ]
    assert not Report.objects.exists()


def test_a_report_needs_a_source(analyst_client, incident):
    response = analyst_client.post(_url(incident), _data())
    assert response.context["form"].errors["source"] == [
        "Choose the source, or describe a new one."
    ]
    assert not Report.objects.exists()


def test_a_new_source_with_a_taken_name_is_refused(analyst_client, incident):
    SourceFactory(name="Dawn")
    # First the warning, with the source it may duplicate listed.
    response = analyst_client.post(_url(incident), _data(new_source_name="DAWN"))
    form = response.context["form"]
    assert form.errors["new_source_name"] == [SAME_SOURCE_MESSAGE]
    assert [source.name for source in form.same_sources] == ["Dawn"]
    assert "Sources already recorded" in response.content.decode()
    # Told it is different, the name itself is still taken.
    data = _data(new_source_name="Dawn", new_source_different="on")
    response = analyst_client.post(_url(incident), data)
    assert response.context["form"].errors["new_source_name"] == [
        "Source with this Name already exists."
    ]
    assert Source.objects.count() == 1
    assert not Report.objects.exists()


def test_a_source_like_one_recorded_is_saved_once_said_to_be_different(
    analyst_client, incident
):
    SourceFactory(name="Dawn")
    warned = analyst_client.post(_url(incident), _data(new_source_name="Dawn News"))
    assert warned.context["form"].errors["new_source_name"] == [SAME_SOURCE_MESSAGE]
    assert not Report.objects.exists()

    data = _data(new_source_name="Dawn News", new_source_different="on")
    response = analyst_client.post(_url(incident), data)
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.source.name == "Dawn News"
    assert report.source.history.get().history_user.username == "analyst"


def test_invalid_input_is_shown_by_its_field_and_kept(analyst_client, incident):
    source = SourceFactory()
    data = _data(source=source.pk, published_at="2999-01-01T00:00", title="Kept")
    response = analyst_client.post(_url(incident), data)
    assert response.status_code == 200
    assert response.context["form"].errors["published_at"] == [plausible_date_message()]
    page = response.content.decode()
    assert 'value="Kept"' in page
    assert 'id="id_published_at_error"' in page
    assert not Report.objects.exists()


def test_markup_is_refused_and_shown_back_escaped(analyst_client, incident):
    source = SourceFactory()
    data = _data(source=source.pk, excerpt="<script>alert(1)</script>")
    response = analyst_client.post(_url(incident), data)
    assert response.context["form"].errors["excerpt"] == [
        "HTML markup is not allowed here."
    ]
    assert "<script>alert(1)" not in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_researchers_may_not_add_reports(researcher_client, incident, method):
    source = SourceFactory()
    response = getattr(researcher_client, method)(
        _url(incident), _data(source=source.pk)
    )
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_it_asks_anonymous_visitors_to_log_in(client, incident):
    response = client.post(_url(incident), _data(new_source_name="X"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Source.objects.exists()


def test_a_missing_incident_is_a_404(analyst_client):
    missing = reverse("sources:report-create", args=[999999])
    assert analyst_client.get(missing).status_code == 404


def test_a_retracted_incident_gets_no_new_reports(editor_client):
    retracted = IncidentFactory(status="retracted", retraction_reason="Duplicate")
    response = editor_client.post(_url(retracted), _data(new_source_name="X"))
    assert response.status_code == 404
    assert not Source.objects.exists()


def test_the_page_runs_a_fixed_number_of_queries(
    analyst_client, incident, django_assert_num_queries
):
    SourceFactory()
    with CaptureQueriesContext(connection) as few:
        analyst_client.get(_url(incident))
    for _ in range(25):
        SourceFactory()
    with django_assert_num_queries(len(few)):
        analyst_client.get(_url(incident))


def test_a_report_without_figures_hangs_on_its_incident_and_is_offered(
    analyst_client, analyst, incident
):
    """Saved and left without claims, it is on the incident page and in the
    claims page's choice of reports (not only with ?report=)."""
    source = SourceFactory(name="Dawn")
    analyst_client.post(_url(incident), _data(source=source.pk))
    report = Report.objects.get()
    link = IncidentReport.objects.get()
    assert (link.incident, link.report, link.added_by) == (incident, report, analyst)

    page = analyst_client.get(reverse("incidents:detail", args=[incident.pk]))
    section = page.content.decode()
    section = section[section.index('id="reports"') :]
    assert "Five policemen killed in Turbat" in section
    assert "no figures entered from it yet" in section
    assert f"?report={report.pk}" in section

    claims = analyst_client.get(reverse("incidents:claims", args=[incident.pk]))
    offered = claims.context["source"].fields["report"].queryset
    assert list(offered) == [report]


def test_a_report_hangs_on_an_incident_once(analyst, incident):
    report = ReportFactory()
    for _ in range(2):
        services.hang_report(report=report, incident=incident, user=analyst)
    assert IncidentReport.objects.filter(report=report).count() == 1


def test_a_report_its_claims_cite_is_listed_with_their_count(
    researcher_client, researcher
):
    report = ReportFactory(title="Wire copy")
    claim = ClaimFactory(incident=IncidentFactory(), reports=[report])
    page = researcher_client.get(
        reverse("incidents:detail", args=[claim.incident_id])
    ).content.decode()
    section = page[page.index('id="reports"') :]
    assert "Wire copy" in section
    assert "1 claim here" in section
    assert "Add claims from this report" not in section  # researchers read only


def test_a_new_source_can_name_the_party_it_speaks_for(analyst_client, incident):
    party = ActorFactory(name="Baloch Liberation Army")
    data = _data(
        new_source_name="Jeeyand (BLA channel)",
        new_source_kind="armed_group",
        new_source_affiliation=party.pk,
    )
    analyst_client.post(_url(incident), data)
    assert Source.objects.get().affiliation == party
