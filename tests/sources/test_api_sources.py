"""sources/ and reports/: reading, writing, filters, versions and retraction."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sources.models import Report, Source
from tests.factories import ActorFactory, ReportFactory, SourceFactory

pytestmark = pytest.mark.django_db

SOURCES = "/api/v1/sources/"
REPORTS = "/api/v1/reports/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.data
    return {row["id"] for row in response.data["results"]}


def at(day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, 1, day, hour, tzinfo=datetime.UTC)


def same_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {**(params or {}), "page_size": 1000})
    assert response.status_code == 200
    return len(queries)


# sources/


def test_it_lists_sources_with_their_affiliation(api, researcher):
    actor = ActorFactory(name="ISPR")
    source = SourceFactory(name="ISPR media", kind="military", affiliation=actor)

    response = api(researcher).get(SOURCES)

    assert response.status_code == 200
    row = response.json()["results"][0]
    assert row["id"] == source.pk
    assert (row["name"], row["kind"], row["reliability"]) == (
        "ISPR media",
        "military",
        "B",
    )
    assert (row["affiliation"], row["affiliation_name"]) == (actor.pk, "ISPR")
    assert row["version"] == 1


def test_a_source_carries_its_version_as_etag(api, researcher):
    source = SourceFactory()

    response = api(researcher).get(f"{SOURCES}{source.pk}/")

    assert response["ETag"] == '"1"'


def test_a_missing_source_is_404(api, researcher):
    assert api(researcher).get(f"{SOURCES}999999/").status_code == 404


@pytest.mark.parametrize("rows", [10, 200])
def test_the_source_list_runs_a_fixed_number_of_queries(api, researcher, rows):
    actor = ActorFactory()
    SourceFactory.create_batch(rows, affiliation=actor)

    # Session, user and the permissions (one lookup), then the count and the page.
    assert same_queries(api(researcher), SOURCES) == 5


def test_analysts_create_a_source(api, analyst):
    actor = ActorFactory()

    response = api(analyst).post(
        SOURCES,
        {"name": "Balochistan Post", "kind": "newspaper", "affiliation": actor.pk},
        format="json",
    )

    assert response.status_code == 201, response.data
    source = Source.objects.get()
    assert (source.name, source.affiliation, source.reliability) == (
        "Balochistan Post",
        actor,
        "F",
    )


def test_researchers_cannot_create_or_change_sources(api, researcher):
    source = SourceFactory(name="Dawn")
    client = api(researcher)

    assert client.post(SOURCES, {"name": "New"}, format="json").status_code == 403
    patch = client.patch(f"{SOURCES}{source.pk}/", {"name": "X", "version": 1})
    assert patch.status_code == 403
    assert list(Source.objects.values_list("name", flat=True)) == ["Dawn"]


def test_anonymous_visitors_cannot_read_sources(api):
    SourceFactory()

    assert api().get(SOURCES).status_code in {401, 403}


def test_sources_are_never_deleted(api, editor):
    source = SourceFactory()

    assert api(editor).delete(f"{SOURCES}{source.pk}/").status_code == 405
    assert Source.objects.filter(pk=source.pk).exists()


def test_a_source_update_with_a_stale_version_is_a_409(api, analyst):
    source = SourceFactory(name="Dawn")
    client = api(analyst)
    url = f"{SOURCES}{source.pk}/"

    first = client.patch(url, {"reliability": "A", "version": 1}, format="json")
    second = client.patch(url, {"reliability": "E", "version": 1}, format="json")

    assert (first.status_code, second.status_code) == (200, 409)
    source.refresh_from_db()
    assert (source.reliability, source.version) == ("A", 2)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "Dawn"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "<b>Loud</b>"}, "name"),
        ({"reliability": "Z"}, "reliability"),
        ({"kind": "blog"}, "kind"),
        ({"affiliation": 999999}, "affiliation"),
        ({"url": "not a url"}, "url"),
    ],
)
def test_bad_source_input_is_a_400_naming_the_field(api, analyst, change, field):
    SourceFactory(name="Dawn")

    response = api(analyst).post(SOURCES, {"name": "New", **change}, format="json")

    assert response.status_code == 400
    assert field in response.data, response.data
    assert Source.objects.count() == 1


@pytest.mark.parametrize(
    ("params", "wanted"),
    [
        ({"kind": "wire"}, "Wire"),
        ({"reliability": "A"}, "Wire"),
        ({"search": "pakist"}, "Radio Pakistan"),
    ],
)
def test_it_filters_sources(api, researcher, params, wanted):
    SourceFactory(name="Wire", kind="wire", reliability="A")
    SourceFactory(name="Radio Pakistan", kind="broadcaster", reliability="C")

    response = api(researcher).get(SOURCES, params)

    assert [row["name"] for row in response.data["results"]] == [wanted]


def test_it_filters_sources_by_affiliation(api, researcher):
    actor = ActorFactory()
    speaking = SourceFactory(affiliation=actor)
    SourceFactory()

    assert ids(api(researcher).get(SOURCES, {"affiliation": actor.pk})) == {speaking.pk}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("kind", "blog"),
        ("reliability", "Z"),
        ("affiliation", "999999"),
        ("affiliation", "ispr"),
        ("ordering", "secret"),
    ],
)
def test_a_malformed_source_filter_is_a_400(api, researcher, name, value):
    response = api(researcher).get(SOURCES, {name: value})

    assert response.status_code == 400
    assert name in response.data


# reports/


def test_it_lists_reports_with_their_source(api, researcher):
    source = SourceFactory(name="Dawn", reliability="B")
    report = ReportFactory(source=source, title="Attack", published_at=at(31))

    response = api(researcher).get(REPORTS)

    row = response.json()["results"][0]
    assert row["id"] == report.pk
    assert (row["source"], row["source_name"], row["source_reliability"]) == (
        source.pk,
        "Dawn",
        "B",
    )
    assert row["published_at"] == "2026-01-31T12:00:00Z"
    assert row["retracted_at"] is None


@pytest.mark.parametrize("rows", [10, 200])
def test_the_report_list_runs_a_fixed_number_of_queries(api, researcher, rows):
    ReportFactory.create_batch(rows)

    # Session, user and the permissions (one lookup), then the count and the page.
    assert same_queries(api(researcher), REPORTS) == 5


def test_analysts_create_a_report(api, analyst):
    source = SourceFactory()

    response = api(analyst).post(
        REPORTS,
        {
            "source": source.pk,
            "title": "Five killed",
            "url": "https://news.example/five",
            "published_at": "2026-01-31T08:00:00Z",
            "credibility": 2,
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    report = Report.objects.get()
    assert (report.title, report.credibility, report.created_by) == (
        "Five killed",
        2,
        analyst,
    )


def test_researchers_cannot_create_reports(api, researcher):
    response = api(researcher).post(
        REPORTS, {"source": SourceFactory().pk, "title": "T"}, format="json"
    )

    assert response.status_code == 403
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"title": "<script>x</script>"}, "title"),
        ({"excerpt": "<img src=x onerror=alert(1)>"}, "excerpt"),
        ({"source": 999999}, "source"),
        ({"source": "Dawn"}, "source"),
        ({"credibility": 9}, "credibility"),
        ({"published_at": "last week"}, "published_at"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"created_by": 1, "retracted_at": "2026-01-01T00:00:00Z"}, None),
    ],
)
def test_bad_report_input_is_a_400_naming_the_field(api, analyst, change, field):
    body = {"source": SourceFactory().pk, "title": "Report", **change}

    response = api(analyst).post(REPORTS, body, format="json")

    if field is None:  # read-only fields are ignored, never applied
        assert response.status_code == 201
        report = Report.objects.get()
        assert (report.created_by, report.retracted_at) == (analyst, None)
        return
    assert response.status_code == 400
    assert field in response.data, response.data
    assert not Report.objects.exists()


def test_a_report_cannot_be_published_in_the_future(api, analyst):
    later = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    body = {"source": SourceFactory().pk, "title": "T", "published_at": later}

    response = api(analyst).post(REPORTS, body, format="json")

    assert response.status_code == 400
    assert "published_at" in response.data
    assert not Report.objects.exists()


def test_a_report_update_with_a_stale_version_is_a_409(api, analyst):
    report = ReportFactory(title="First")
    client = api(analyst)
    url = f"{REPORTS}{report.pk}/"

    assert client.patch(url, {"title": "Second", "version": 1}).status_code == 200
    assert client.patch(url, {"title": "Third", "version": 1}).status_code == 409
    report.refresh_from_db()
    assert (report.title, report.version) == ("Second", 2)


def test_editors_retract_a_report_with_a_reason(api, editor):
    report = ReportFactory()

    response = api(editor).delete(
        f"{REPORTS}{report.pk}/", {"reason": "Fabricated"}, format="json"
    )

    assert response.status_code == 204
    report.refresh_from_db()
    assert report.retracted_at is not None
    assert report.retraction_reason == "Fabricated"


def test_a_report_retraction_needs_a_reason(api, editor):
    report = ReportFactory()

    response = api(editor).delete(f"{REPORTS}{report.pk}/")

    assert response.status_code == 400
    assert "reason" in response.data
    report.refresh_from_db()
    assert report.retracted_at is None


def test_analysts_cannot_retract_reports(api, analyst):
    report = ReportFactory()

    response = api(analyst).delete(f"{REPORTS}{report.pk}/", {"reason": "No"})

    assert response.status_code == 403
    report.refresh_from_db()
    assert report.retracted_at is None


def test_a_missing_report_is_404(api, editor):
    client = api(editor)

    assert client.get(f"{REPORTS}999999/").status_code == 404
    assert client.delete(f"{REPORTS}999999/", {"reason": "x"}).status_code == 404


def retracted_report() -> Report:
    report = ReportFactory()
    report.retracted_at = timezone.now()
    report.retraction_reason = "Fabricated"
    report.save()
    return report


def test_retracted_reports_come_back_for_editors_who_ask(api, editor):
    live, gone = ReportFactory(), retracted_report()
    client = api(editor)

    assert ids(client.get(REPORTS)) == {live.pk}
    assert ids(client.get(REPORTS, {"include_retracted": "true"})) == {
        live.pk,
        gone.pk,
    }
    assert client.get(f"{REPORTS}{gone.pk}/").status_code == 200


def test_retracted_reports_stay_hidden_from_researchers(api, researcher):
    gone = retracted_report()
    client = api(researcher)

    assert ids(client.get(REPORTS, {"include_retracted": "true"})) == set()
    assert client.get(f"{REPORTS}{gone.pk}/").status_code == 404


def test_it_filters_reports_by_source_language_and_search(api, researcher):
    source = SourceFactory()
    wanted = ReportFactory(source=source, language="ur", title="Quetta blast")
    ReportFactory(source=source, language="en", title="Quetta blast")
    ReportFactory(language="ur", title="Quetta blast")
    ReportFactory(source=source, language="ur", title="Floods")
    client = api(researcher)

    params = {"source": source.pk, "language": "ur", "search": "quetta"}
    assert ids(client.get(REPORTS, params)) == {wanted.pk}


def test_it_filters_reports_by_publication_day_both_ends_inclusive(api, researcher):
    ReportFactory(published_at=at(1, 23))
    first = ReportFactory(published_at=at(2, 0))
    last = ReportFactory(published_at=at(3, 23))
    ReportFactory(published_at=at(4, 0))

    response = api(researcher).get(
        REPORTS, {"published_after": "2026-01-02", "published_before": "2026-01-03"}
    )

    assert ids(response) == {first.pk, last.pk}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("source", "999999"),
        ("source", "dawn"),
        ("published_after", "yesterday"),
        ("published_before", "2026-13-01"),
        ("include_retracted", "yes please"),
        ("ordering", "source__name"),
        ("language", "x" * 11),
    ],
)
def test_a_malformed_report_filter_is_a_400(api, researcher, name, value):
    response = api(researcher).get(REPORTS, {name: value})

    assert response.status_code == 400
    assert name in response.data
