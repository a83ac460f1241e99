"""An editor imports a UCDP file from the web and watches it finish."""

import re
from pathlib import Path

from django.core.management import call_command
from playwright.sync_api import expect

from incidents.models import Incident

SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "ucdp"
    / "ucdp_ged_sample1000_v23_1.csv"
)


def test_an_editor_uploads_a_file_and_sees_the_summary(log_in, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    upload = tmp_path / "ged-sample.csv"
    upload.write_text("".join(lines[:13]), encoding="utf-8")

    page = log_in("editor")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Imports"
    ).click()
    page.get_by_label("Dataset").select_option("ucdp-ged")
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_role("button", name="Import").click()

    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    expect(page.locator(".import-state")).to_contain_text("Queued")
    # The background worker picks the task up; the page, polling, follows.
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    expect(page.locator(".summary")).to_contain_text(
        "12 rows: 12 created, 0 updated, 0 unchanged", timeout=15_000
    )
    expect(page.locator(".import-state")).to_contain_text("Finished")
    assert Incident.objects.filter(dataset="ucdp-ged").count() == 12

    page.get_by_role("link", name="Imports").first.click()
    expect(page.get_by_role("row").filter(has_text="ged-sample.csv")).to_contain_text(
        "editor"
    )
