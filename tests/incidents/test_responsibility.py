"""Claims of responsibility: several parties, competing claims, each with how
and the report that carries it; one service behind the API, the page and the
admin; the old single field moved into rows with its history."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import IncidentActor, ResponsibilityClaim
from sources.models import IncidentReport
from tests.factories import ActorFactory, IncidentFactory, ReportFactory
from tests.incidents.form_data import edit_data

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def _claims(incident):
    return list(
        incident.responsibility_claims.order_by("id").values_list(
            "actor__name", "how", "report"
        )
    )


@pytest.fixture
def groups():
    return ActorFactory(name="Baloch Liberation Army"), ActorFactory(
        name="Baloch Liberation Front"
    )


def test_two_groups_claiming_one_attack_are_both_recorded_with_their_reports(
    analyst, groups
):
    incident = IncidentFactory()
    bla, blf = groups
    report = ReportFactory(title="BLF statement")
    services.set_incident_rows(
        incident=incident,
        user=analyst,
        responsibilities=[
            {"actor": bla, "how": "A video"},
            {"actor": blf, "how": "A statement", "report": report},
        ],
    )
    assert _claims(incident) == [
        ("Baloch Liberation Army", "A video", None),
        ("Baloch Liberation Front", "A statement", report.pk),
    ]
    # The report that carries a claim is one read about the incident.
    assert IncidentReport.objects.filter(incident=incident, report=report).exists()
    assert {row.history_user for row in ResponsibilityClaim.history.all()} == {analyst}


@pytest.mark.parametrize(
    "rows, message",
    [
        (lambda bla, report: [{"actor": bla}, {"actor": bla, "how": "again"}], "twice"),
        (lambda bla, report: [{"actor": bla, "report": report}], "retracted"),
        (lambda bla, report: [{"actor": bla, "how": "<b>bold</b>"}], "markup"),
    ],
    ids=["same party twice", "retracted report", "markup"],
)
def test_a_refused_list_changes_nothing(analyst, groups, rows, message):
    incident = IncidentFactory()
    bla, blf = groups
    ResponsibilityClaim.objects.create(incident=incident, actor=blf, how="Kept")
    report = ReportFactory(retracted_at=timezone.now(), retraction_reason="Fake")
    with pytest.raises(ValidationError) as refused:
        services.set_incident_rows(
            incident=incident, user=analyst, responsibilities=rows(bla, report)
        )
    assert message in str(refused.value).lower()
    assert _claims(incident) == [("Baloch Liberation Front", "Kept", None)]


def test_the_api_reads_and_replaces_the_list(api, analyst, groups):
    bla, blf = groups
    incident = IncidentFactory()
    ResponsibilityClaim.objects.create(incident=incident, actor=bla, how="A video")
    client = api(analyst)
    body = client.get(f"{URL}{incident.pk}/").json()
    assert body["responsibility_claims"] == [
        {
            "actor": bla.pk,
            "actor_name": "Baloch Liberation Army",
            "how": "A video",
            "report": None,
        }
    ]
    response = client.patch(
        f"{URL}{incident.pk}/",
        {
            "version": body["version"],
            "responsibility_claims": [
                {"actor": bla.pk, "how": "A video"},
                {"actor": blf.pk, "how": "Also claimed it"},
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert [c["actor_name"] for c in response.json()["responsibility_claims"]] == [
        "Baloch Liberation Army",
        "Baloch Liberation Front",
    ]
    # The claim that stayed is the same row: its history has one entry.
    assert ResponsibilityClaim.history.filter(actor=bla).count() == 1


def test_the_api_refuses_a_party_listed_twice(api, analyst, groups):
    bla, _ = groups
    incident = IncidentFactory()
    response = api(analyst).patch(
        f"{URL}{incident.pk}/",
        {
            "version": incident.version,
            "responsibility_claims": [{"actor": bla.pk}, {"actor": bla.pk}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "twice" in str(response.json())
    assert not incident.responsibility_claims.exists()


def test_the_page_edits_a_claim_in_place_and_offers_the_incidents_reports(
    analyst_client, groups
):
    bla, blf = groups
    incident = IncidentFactory()
    hung = ReportFactory(title="Read about it")
    IncidentReport.objects.create(incident=incident, report=hung)
    other = ReportFactory(title="About something else")
    claim = ResponsibilityClaim.objects.create(incident=incident, actor=bla)
    page = analyst_client.get(reverse("incidents:edit", args=[incident.pk]))
    choices = [
        label
        for _, label in page.context["responsibility"].forms[0].fields["report"].choices
    ]
    assert any("Read about it" in str(label) for label in choices)
    assert not any(other.title in str(label) for label in choices)

    data = edit_data(
        incident,
        **{
            "responsibility-0-how": "A video on Telegram",
            "responsibility-0-report": hung.pk,
            "responsibility-TOTAL_FORMS": "2",
            "responsibility-1-actor": blf.pk,
            "responsibility-1-how": "A competing statement",
        },
    )
    response = analyst_client.post(reverse("incidents:edit", args=[incident.pk]), data)
    assert response.status_code == 302
    assert _claims(incident) == [
        ("Baloch Liberation Army", "A video on Telegram", hung.pk),
        ("Baloch Liberation Front", "A competing statement", None),
    ]
    assert incident.responsibility_claims.get(actor=bla).pk == claim.pk
    detail = analyst_client.get(reverse("incidents:detail", args=[incident.pk]))
    text = detail.content.decode()
    assert "Claimed responsibility" in text
    assert "A competing statement" in text
    IncidentActor.objects.create(incident=incident, actor=blf, role="party")
    text = analyst_client.get(reverse("incidents:detail", args=[incident.pk]))
    assert "Baloch Liberation Front: party to the fighting" in text.content.decode()


def test_the_page_refuses_the_same_party_twice_and_saves_nothing(
    analyst_client, groups
):
    bla, _ = groups
    incident = IncidentFactory(title="Before")
    data = edit_data(
        incident,
        title="After",
        **{
            "responsibility-TOTAL_FORMS": "2",
            "responsibility-0-actor": bla.pk,
            "responsibility-1-actor": bla.pk,
        },
    )
    response = analyst_client.post(reverse("incidents:edit", args=[incident.pk]), data)
    assert response.status_code == 200
    assert services.TWICE_MESSAGE in response.content.decode()
    incident.refresh_from_db()
    assert incident.title == "Before"
    assert not incident.responsibility_claims.exists()


def test_the_admin_writes_claims_through_the_service(admin_client, groups):
    bla, _ = groups
    incident = IncidentFactory()
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    data |= {
        "type": incident.type_id,
        "start_date": incident.start_date.isoformat(),
        "status": incident.status,
    }
    prefixes = ("actor_roles", "targets", "responsibility_claims", "children", "claims")
    for prefix in prefixes:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    data |= {
        "responsibility_claims-TOTAL_FORMS": "1",
        "responsibility_claims-0-actor": bla.pk,
        "responsibility_claims-0-how": "<script>x</script>",
    }
    refused = admin_client.post(url, data)
    assert refused.status_code == 200  # the model's message on the form
    assert not incident.responsibility_claims.exists()
    data["responsibility_claims-0-how"] = "A statement"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    assert _claims(incident) == [("Baloch Liberation Army", "A statement", None)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_moves_the_one_claim_and_its_history_into_rows():
    executor = MigrationExecutor(connection)
    before = [("incidents", "0015_list_covering_index")]
    after = [("incidents", "0016_responsibility_claims")]
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Incident = apps.get_model("incidents", "Incident")
    Actor = apps.get_model("incidents", "Actor")
    History = apps.get_model("incidents", "HistoricalIncident")
    bla = Actor.objects.create(name="BLA", kind="armed_group")
    blf = Actor.objects.create(name="BLF", kind="armed_group")
    incident = Incident.objects.create(
        title="Attack",
        type_id="attack",
        start_date="2026-01-31",
        responsibility_claimed_by=blf,
        responsibility_claim="A statement",
        path="/",
    )
    steps = [(None, ""), (bla, "A video"), (bla, "Two videos"), (blf, "A statement")]
    for number, (actor, how) in enumerate(steps):
        History.objects.create(
            id=incident.pk,
            title="Attack",
            type_id="attack",
            start_date="2026-01-31",
            path="/",
            responsibility_claimed_by=actor,
            responsibility_claim=how,
            history_date=timezone.now() + timezone.timedelta(seconds=number),
            history_type="+" if number == 0 else "~",
            version=number + 1,
            date_precision="day",
            location_precision="exact",
            status="draft",
            depth=0,
            created_at=timezone.now(),
            updated_at=timezone.now(),
        )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    Claim = apps.get_model("incidents", "ResponsibilityClaim")
    ClaimHistory = apps.get_model("incidents", "HistoricalResponsibilityClaim")
    [claim] = Claim.objects.filter(incident_id=incident.pk)
    assert (claim.actor_id, claim.how) == (blf.pk, "A statement")
    history = list(
        ClaimHistory.objects.order_by("history_date", "history_id").values_list(
            "actor_id", "how", "history_type"
        )
    )
    assert history == [
        (bla.pk, "A video", "+"),
        (bla.pk, "Two videos", "~"),
        (bla.pk, "Two videos", "-"),
        (blf.pk, "A statement", "+"),
    ]
    assert ClaimHistory.objects.filter(actor_id=blf.pk).get().id == claim.pk
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
