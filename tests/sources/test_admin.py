import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sources.models import Report, Source
from tests.factories import (
    ActorFactory,
    ReportFactory,
    SourceFactory,
    plausible_date_message,
)

pytestmark = pytest.mark.django_db


def _url(model, view, *args):
    return reverse(f"admin:sources_{model._meta.model_name}_{view}", args=args)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


OBJECTS = {
    Source: lambda: SourceFactory(affiliation=ActorFactory()),
    Report: ReportFactory,
}


@pytest.mark.parametrize("model", OBJECTS, ids=lambda model: model.__name__)
def test_every_sources_admin_page_loads_for_an_admin(admin_client, model):
    obj = OBJECTS[model]()
    assert admin_client.get(_url(model, "changelist")).status_code == 200
    assert admin_client.get(_url(model, "add")).status_code == 200
    assert admin_client.get(_url(model, "change", obj.pk)).status_code == 200
    assert admin_client.get(_url(model, "history", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", OBJECTS, ids=lambda model: model.__name__)
def test_a_changelist_runs_the_same_queries_for_3_rows_as_for_30(
    admin_client, django_assert_num_queries, model
):
    url = _url(model, "changelist")
    for _ in range(3):
        OBJECTS[model]()
    _queries(admin_client, url)  # warm the session and content-type caches
    few = _queries(admin_client, url)
    for _ in range(27):
        OBJECTS[model]()

    with django_assert_num_queries(few):
        admin_client.get(url)


@pytest.mark.parametrize("model", OBJECTS, ids=lambda model: model.__name__)
def test_sources_and_reports_cannot_be_deleted_in_the_admin(admin_client, model):
    obj = OBJECTS[model]()

    response = admin_client.get(_url(model, "delete", obj.pk))

    assert response.status_code == 403
    changelist = admin_client.get(_url(model, "changelist"))
    assert 'value="delete_selected"' not in changelist.content.decode()
    assert model.objects.filter(pk=obj.pk).exists()


def test_an_admin_adds_a_report_and_is_recorded_as_its_creator(
    admin_client, admin_user
):
    source = SourceFactory()
    response = admin_client.post(
        _url(Report, "add"),
        {
            "source": source.pk,
            "title": "Twelve killed in Mastung",
            "language": "en",
            "credibility": 2,
        },
    )

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.source, report.created_by) == (source, admin_user)


def test_a_report_published_in_the_future_is_refused_with_its_message(
    admin_client,
):
    response = admin_client.post(
        _url(Report, "add"),
        {
            "source": SourceFactory().pk,
            "title": "From tomorrow",
            "published_at_0": "2999-01-01",
            "published_at_1": "12:00:00",
            "language": "en",
            "credibility": 6,
        },
    )

    assert response.context["adminform"].form.errors["published_at"] == [
        plausible_date_message()
    ]
    assert not Report.objects.exists()


def test_a_source_added_in_the_admin_goes_through_the_service(admin_client, admin_user):
    response = admin_client.post(
        _url(Source, "add"),
        {"name": "  Balochistan   Post ", "kind": "newspaper", "reliability": "C"},
    )
    assert response.status_code == 302, response.content
    source = Source.objects.get()
    assert source.name == "Balochistan Post"  # spaced as the service keeps it
    assert source.history.get().history_user == admin_user
    assert response["Location"] == _url(Source, "changelist")
