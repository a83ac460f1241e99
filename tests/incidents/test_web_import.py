"""Imports from the web: an editor uploads a file, a background task imports
it (database backend by default, RQ on Redis by a settings change), and the
run's page shows progress and then the summary."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from incidents.models import ImportRun, Incident

# The worker commits and checks its connection between tasks, as a real one
# does: the tests run outside a wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DATA = Path(__file__).parent.parent / "data" / "ucdp"
SAMPLE = DATA / "ucdp_ged_sample1000_v23_1.csv"
URL = "/imports/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _sample(rows: int) -> bytes:
    lines = SAMPLE.read_bytes().splitlines(keepends=True)
    return b"".join(lines[: rows + 1])


def _upload(client, content: bytes, dataset="ucdp-ged", name="ged.csv", **extra):
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(URL, {"dataset": dataset, "file": upload, **extra})


def _work():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")


def test_an_editor_uploads_a_file_and_the_task_imports_it(editor_client, editor):
    response = _upload(editor_client, _sample(30))

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{run.pk}/"
    assert run.status == "queued" and run.user == editor
    page = editor_client.get(f"/imports/{run.pk}/").content.decode()
    assert "Queued" in page and 'hx-trigger="every 2s"' in page
    assert not Incident.objects.exists()  # nothing until the worker runs

    _work()

    run.refresh_from_db()
    assert run.status == "finished"
    assert Incident.objects.filter(dataset="ucdp-ged").count() == 30 == run.created
    page = editor_client.get(f"/imports/{run.pk}/", HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert "30 rows: 30 created, 0 updated, 0 unchanged" in text
    assert "hx-trigger" not in text  # done: no more polling
    listing = editor_client.get(URL).content.decode()
    assert "ged.csv" in listing and editor.username in listing
    history = Incident.history.filter(history_user=editor)
    assert history.count() == 30
    assert history.first().history_change_reason == "Imported from ged.csv"


def test_drafts_when_asked(editor_client):
    _upload(editor_client, _sample(3), draft="on")
    _work()

    assert set(Incident.objects.values_list("status", flat=True)) == {"draft"}


def test_missing_columns_are_named_before_anything_is_queued(editor_client):
    header, *rows = _sample(3).decode().splitlines(keepends=True)
    header = header.replace(",best,", ",bets,")

    response = _upload(editor_client, "".join([header, *rows]).encode())

    assert response.status_code == 400
    assert "Missing required columns: best" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_file_that_is_not_utf8_is_refused(editor_client):
    response = _upload(editor_client, _sample(3) + "Jérôme".encode("latin-1"))

    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_broken_file_fails_the_run_and_says_where(editor_client):
    huge = b'9,"' + b"x" * 200_000 + b'"\n'  # over the csv module's field limit
    _upload(editor_client, _sample(3) + huge, batch="ignored")
    _work()

    run = ImportRun.objects.get()
    assert run.status == "failed"
    assert run.error.startswith("line 5: field larger than field limit")
    assert Incident.objects.count() == 3  # the rows before it stand
    page = _page(editor_client, run)
    assert "field larger than field limit" in page and "import it again" in page


def test_a_row_holding_a_nul_is_refused(editor_client):
    header, first, *rest = _sample(3).decode().splitlines(keepends=True)
    bad = first.replace("Rami village", "Rami\x00village")
    _upload(editor_client, "".join([header, bad, *rest]).encode())
    _work()

    run = ImportRun.objects.get()
    assert run.refused[0]["line"] == 2
    assert "NUL" in run.refused[0]["reasons"][0]
    assert Incident.objects.count() == 2


def _page(client, run) -> str:
    return client.get(f"/imports/{run.pk}/").content.decode()


@pytest.mark.parametrize("user", ["analyst_client", "researcher_client"])
def test_only_editors_import(request, user):
    client = request.getfixturevalue(user)

    assert client.get(URL).status_code == 403
    assert _upload(client, _sample(3)).status_code == 403
    assert not ImportRun.objects.exists()


def test_on_rq_the_same_import_is_a_settings_change(editor_client, settings, redis_url):
    import django_rq

    settings.RQ_QUEUES = {"default": {"URL": redis_url}}
    settings.TASKS = {"default": settings.TASK_BACKENDS["rq"]}  # TASKS_BACKEND=rq
    queue = django_rq.get_queue("default")
    queue.empty()
    try:
        _upload(editor_client, _sample(5))
        assert queue.count == 1
        assert not Incident.objects.exists()
        worker = django_rq.get_worker(
            "default", worker_class="rq.SimpleWorker", job_class="django_tasks_rq.Job"
        )
        worker.work(burst=True)
    finally:
        queue.empty()

    run = ImportRun.objects.get()
    assert run.status == "finished"
    assert Incident.objects.count() == 5


def test_an_editor_uploads_our_own_csv_export(editor_client, api, researcher):
    """The third importer on the page: the tracker's own incident CSV."""
    from casualties.reference_case import load_reference_case

    load_reference_case()
    response = api(researcher).get("/api/v1/incidents/", {"format": "csv"})
    exported = b"".join(response.streaming_content)
    originals = Incident.objects.count()

    _upload(editor_client, exported, dataset="tracker", name="export.csv")
    _work()

    run = ImportRun.objects.get()
    assert (run.status, run.created, run.refused) == ("finished", originals, [])
    assert Incident.objects.filter(dataset="tracker").count() == originals
    assert "Our own CSV export" in _page(editor_client, run)
