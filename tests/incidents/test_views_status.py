"""Publishing and retracting (editors), and the incident page's action bar."""

import pytest
from django.urls import reverse

from casualties.models import Tally
from incidents.models import Incident
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def _publish(incident):
    return reverse("incidents:publish", args=[incident.pk])


def _retract(incident):
    return reverse("incidents:retract", args=[incident.pk])


@pytest.fixture
def draft():
    return IncidentFactory(status=Incident.Status.DRAFT)


def test_an_editor_publishes_a_draft(editor_client, editor, draft):
    response = editor_client.post(_publish(draft), {"version": draft.version})
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:detail", args=[draft.pk])
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (Incident.Status.PUBLISHED, 2)
    assert draft.history.first().history_user == editor


def test_only_a_draft_is_published(editor_client):
    published = IncidentFactory()
    response = editor_client.post(_publish(published), {"version": 1})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Only a draft can be published; this incident is published."
    ]
    published.refresh_from_db()
    assert published.version == 1


def test_an_editor_retracts_with_a_reason_and_the_tallies_drop_it(editor_client):
    root = IncidentFactory()
    child = IncidentFactory(parent=root)
    ClaimFactory(incident=child, low=7)
    assert Tally.objects.get(incident=root, group="civilians").best == 7
    response = editor_client.post(
        _retract(child), {"version": child.version, "reason": "A duplicate of #12"}
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.status, child.retraction_reason) == (
        "retracted",
        "A duplicate of #12",
    )
    assert not Tally.objects.filter(incident=root, group="civilians").exists()


def test_a_retraction_needs_a_reason(editor_client, draft):
    response = editor_client.post(_retract(draft), {"version": 1, "reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [
        "Say why the incident is retracted."
    ]
    assert 'id="id_reason_error"' in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Incident.Status.DRAFT


def test_a_second_retraction_is_refused(editor_client):
    retracted = IncidentFactory(status="retracted", retraction_reason="First")
    response = editor_client.post(
        _retract(retracted), {"version": retracted.version, "reason": "Two"}
    )
    assert response.context["form"].non_field_errors() == [
        "This incident is already retracted."
    ]
    retracted.refresh_from_db()
    assert retracted.retraction_reason == "First"


@pytest.mark.parametrize("version", ["", "x", "7"])
def test_a_stale_or_tampered_version_changes_nothing(editor_client, draft, version):
    response = editor_client.post(_publish(draft), {"version": version})
    assert response.status_code == 200
    assert response.context["form"].errors
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (Incident.Status.DRAFT, 1)


def test_the_reason_is_shown_back_escaped(editor_client, draft):
    response = editor_client.post(
        _retract(draft), {"version": 1, "reason": "<script>alert(1)</script>"}
    )
    assert response.context["form"].errors["reason"] == [
        "HTML markup is not allowed here."
    ]
    assert "<script>alert(1)" not in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Incident.Status.DRAFT


@pytest.mark.parametrize("url", [_publish, _retract])
def test_analysts_may_not_publish_or_retract(analyst_client, draft, url):
    response = analyst_client.post(url(draft), {"version": 1, "reason": "Because"})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == Incident.Status.DRAFT


def test_it_asks_anonymous_visitors_to_log_in(client, draft):
    response = client.post(_publish(draft), {"version": 1})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_missing_incident_is_a_404(editor_client):
    missing = reverse("incidents:publish", args=[999999])
    assert editor_client.post(missing, {"version": 1}).status_code == 404


def test_the_confirmation_page_carries_the_version(editor_client, draft):
    page = editor_client.get(_retract(draft)).content.decode()
    assert 'name="version" value="1"' in page
    assert ">Reason</label>" in page


# The action bar on the incident page ---------------------------------------


def _page(client, incident):
    return client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()


def test_researchers_see_no_edit_links(researcher_client):
    incident = IncidentFactory()
    page = _page(researcher_client, incident)
    assert "Incident actions" not in page
    assert reverse("incidents:edit", args=[incident.pk]) not in page
    assert reverse("incidents:claims", args=[incident.pk]) not in page


def test_analysts_see_the_edit_links_but_no_publish(analyst_client, draft):
    page = _page(analyst_client, draft)
    assert reverse("incidents:edit", args=[draft.pk]) in page
    assert f"{reverse('incidents:create')}?parent={draft.pk}" in page
    assert ">Add sub-incident</a>" in page
    assert reverse("sources:report-create", args=[draft.pk]) in page
    assert ">Add claims</a>" in page
    assert _publish(draft) not in page
    assert _retract(draft) not in page


def test_editors_see_publish_on_a_draft_and_retract(editor_client, draft):
    page = _page(editor_client, draft)
    assert _publish(draft) in page
    assert _retract(draft) in page


def test_a_retracted_incident_offers_no_actions(editor_client):
    retracted = IncidentFactory(status="retracted", retraction_reason="Duplicate")
    page = _page(editor_client, retracted)
    assert reverse("incidents:edit", args=[retracted.pk]) not in page
    assert _retract(retracted) not in page
