"""import_ucdp: UCDP GED files become incidents with faithful figures, the same
file twice changes nothing, a newer version supersedes, a killed run resumes.

The real files (tests/data/ucdp, CC BY 4.0, see its README) are read as given.
"""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from casualties.models import Claim, ClaimReport, Tally, TallyChange
from incidents.interop import ucdp
from incidents.interop.load import import_events
from incidents.models import ImportRecord, ImportRun, Incident, IncidentActor, Location

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent.parent / "data" / "ucdp"
PAKISTAN = DATA / "ucdp_ged_pakistan_v22_1_hdx.csv"
SAMPLE = DATA / "ucdp_ged_sample1000_v23_1.csv"
STATS = "/api/v1/stats/"


def _import(path, *args) -> str:
    out = io.StringIO()
    call_command("import_ucdp", str(path), "--no-progress", *args, stdout=out)
    return out.getvalue()


def _rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as lines:
        return [
            row
            for row in csv.DictReader(lines)
            if row["id"] and not row["id"].startswith("#")
        ]


def _file(tmp_path, rows: list[dict], name="events.csv", header=None) -> Path:
    """A UCDP-layout file of these rows (the sample file's columns)."""
    header = header or list(_rows(SAMPLE)[0])
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _event(**fields) -> dict:
    """The sample file's first row (Syria, 2013) with these changes."""
    return _rows(SAMPLE)[0] | {key: str(value) for key, value in fields.items()}


def _killed(incident, group="all", scope=("both", "published")):
    tally = Tally.objects.get(
        incident=incident, group=group, outcome="killed", scope__in=scope
    )
    return tally.low, tally.best, tally.high


# --- the Pakistan file -------------------------------------------------------------


def test_the_pakistan_file_gives_the_files_totals(api, researcher):
    rows = _rows(PAKISTAN)
    in_order = [r for r in rows if int(r["low"]) <= int(r["best"]) <= int(r["high"])]

    output = _import(PAKISTAN)

    assert "6416 rows; 6416 created, 0 updated, 0 unchanged, 200 flagged" in output
    assert Incident.objects.filter(dataset="ucdp-ged").count() == 6416
    # stats/ as a researcher reads it: every event, the file's sum of best.
    by_year = api(researcher).get(STATS, {"interval": "year"}).json()
    assert (
        sum(row["best"] for row in by_year)
        == 43225
        == sum(int(r["best"]) for r in rows)
    )
    assert sum(row["incidents"] for row in by_year) == 6416
    # low and high over the rows where they are in order, event by event.
    ids = {r["id"] for r in in_order}
    tallies = Tally.objects.filter(
        incident__external_id__in=ids, group="all", outcome="killed"
    ).aggregate(low=Sum("low"), high=Sum("high"))
    assert tallies["low"] == sum(int(r["low"]) for r in in_order) == 40164
    assert tallies["high"] == sum(int(r["high"]) for r in in_order) == 48921
    # Per victim group: the deaths_* columns' sums, both sides kept.
    groups = {
        row["key"]: row["best"]
        for row in api(researcher).get(STATS, {"by": "group"}).json()
    }
    total = {k: sum(int(r[k]) for r in rows) for k in ucdp.DEATHS}
    assert groups["civilians"] == total["deaths_civilians"] == 6850
    assert groups["unknown"] == total["deaths_unknown"] == 12955
    assert groups["security-forces"] + groups["militants"] == (
        total["deaths_a"] + total["deaths_b"]
    )
    out = io.StringIO()
    call_command("recompute_tallies", "--check", "--no-progress", stdout=out)
    assert "All stored tallies match" in out.getvalue()
    # The same import (a minute of the suite on SQLite): the rows out of order.
    _out_of_order_figures_are_kept_as_given_and_flagged(output)


def _out_of_order_figures_are_kept_as_given_and_flagged(output: str) -> None:
    # Line 84 of the file (after the HXL row): best 2 above high 1.
    assert "line 84, id 370168: best 2 is above high 1." in output
    incident = Incident.objects.get(external_id="370168")
    assert _killed(incident) == (1, 2, 2)  # the smallest interval holding all three
    record = ImportRecord.objects.get(external_id="370168")
    assert (record.row["low"], record.row["best"], record.row["high"]) == (
        "2",
        "2",
        "1",
    )
    assert record.flags == ["best 2 is above high 1."]
    run = ImportRun.objects.get()
    assert len(run.flagged) == 200
    assert ImportRecord.objects.exclude(flags=[]).count() == 200
    low_above_best = [f for f in run.flagged if "low" in f["reasons"][0]]
    assert len(low_above_best) == 61


def test_the_same_file_twice_changes_nothing(tmp_path):
    # Its first 1,500 events: two batches and a part, as the whole file reads.
    rows = _rows(PAKISTAN)[:1500]
    path = _file(tmp_path, rows, header=list(rows[0]))
    _import(path)
    counts = [
        model.objects.count()
        for model in (Incident, Claim, Tally, TallyChange, Location, IncidentActor)
    ]
    histories = Claim.history.count()

    output = _import(path)

    assert "0 created, 0 updated, 1500 unchanged" in output
    assert counts == [
        model.objects.count()
        for model in (Incident, Claim, Tally, TallyChange, Location, IncidentActor)
    ]
    assert Claim.history.count() == histories


# --- faithful figures --------------------------------------------------------------


def _two_states(**figures) -> dict:
    """Both sides governments: their dead share the security-forces group."""
    return _event(
        side_a="Government of India",
        side_b="Government of Pakistan",
        deaths_a=3,
        deaths_b=2,
        deaths_civilians=1,
        deaths_unknown=0,
        best=6,
        **figures,
    )


def test_both_sides_keep_their_dead_when_they_share_a_group(tmp_path):
    row = _two_states(id=1, low=5, high=9)
    _import(_file(tmp_path, [row]))

    incident = Incident.objects.get(external_id="1")
    assert _killed(incident, "security-forces")[1] == 5
    assert _killed(incident, "civilians")[1] == 1
    assert _killed(incident) == (5, 6, 9)
    parties = dict(
        Claim.objects.filter(incident=incident, group="security-forces").values_list(
            "party__name", "point"
        )
    )
    assert parties == {"Government of India": 3, "Government of Pakistan": 2}
    roles = set(incident.actor_roles.values_list("actor__name", "role"))
    assert roles == {
        ("Government of India", "party"),
        ("Government of Pakistan", "party"),
    }


def test_an_event_carries_its_id_dates_place_and_provenance(tmp_path, api, researcher):
    row = _event(id=77, date_prec=5, where_prec=4)
    _import(_file(tmp_path, [row]))

    found = api(researcher).get(
        "/api/v1/incidents/", {"dataset": "ucdp-ged", "external_id": "77"}
    )
    (incident,) = found.json()["results"]
    assert incident["external_id"] == "77"
    assert incident["date_precision"] == "year"
    assert incident["location"]["precision"] == "province"
    claim = Claim.objects.filter(incident_id=incident["id"], group="all").get()
    assert claim.claimant.name == ucdp.CLAIMANT
    assert claim.side_id == "independent"
    (report,) = claim.reports.all()
    assert report.source.name == ucdp.SOURCE
    assert "Support Kurds in Syria" in report.excerpt  # the row's own sources


def test_the_sample_of_another_version_imports_every_country():
    output = _import(SAMPLE)

    assert "1000 rows; 1000 created" in output
    assert "0 refused" in output
    without_place = Incident.objects.filter(location__isnull=True).count()
    assert without_place == 0
    countries = Location.objects.filter(kind="country", latitude__isnull=False)
    assert countries.exists()  # events at country precision gave them a point


# --- bad files and bad rows --------------------------------------------------------


def test_missing_columns_are_named_and_nothing_is_written(tmp_path):
    header = [c for c in _rows(SAMPLE)[0] if c not in ("best", "deaths_a")]
    path = _file(tmp_path, [_event()], header=header)

    with pytest.raises(CommandError, match="Missing required columns: deaths_a, best"):
        _import(path)

    assert not Incident.objects.exists()
    assert not ImportRun.objects.exists()


def test_a_file_that_is_not_utf8_is_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(SAMPLE.read_bytes()[:2000] + "Jérôme".encode("latin-1"))

    with pytest.raises(CommandError, match="not UTF-8"):
        _import(path)

    assert not ImportRun.objects.exists()


def test_bad_rows_are_refused_with_their_line_and_the_rest_imported(tmp_path):
    rows = [
        _event(id=1),
        _event(id=2, best="many"),
        _event(id=3, date_start="2999-01-01 00:00:00.000"),
        _event(id=4, date_end="2001-01-01 00:00:00.000"),
        _event(id=1),
        _event(id=6, where_description="<script>alert(1)</script>"),
    ]

    output = _import(_file(tmp_path, rows))

    assert "1 created" in output and "5 refused" in output
    assert "line 3, id 2: best: 'many' is not a whole number." in output
    assert "line 4, id 3: date_start" in output
    assert "line 5, id 4: date_end: before date_start." in output
    assert "line 6, id 1: id 1 is also on line 2." in output
    assert "line 7, id 6: summary:" in output
    assert list(Incident.objects.values_list("external_id", flat=True)) == ["1"]


# --- newer versions, and a killed run ----------------------------------------------


def test_a_newer_version_supersedes_what_changed_and_keeps_history(tmp_path):
    first = [_event(id=1), _event(id=2)]
    _import(_file(tmp_path, first, "v1.csv"))
    incident = Incident.objects.get(external_id="1")
    old = Claim.objects.get(incident=incident, group="all")

    newer = [
        _event(id=1, deaths_a=5, best=7, low=6, high=9, where_description="Near"),
        _event(id=2),
    ]
    output = _import(_file(tmp_path, newer, "v2.csv"))

    assert "0 created, 1 updated, 1 unchanged" in output
    new = Claim.objects.get(incident=incident, group="all", supersedes=old)
    assert (new.low, new.point, new.high) == (6, 7, 9)
    assert Claim.objects.filter(pk=old.pk).exists()  # kept, superseded
    assert _killed(incident) == (6, 7, 9)
    incident.refresh_from_db()
    assert incident.summary.startswith("Near")
    assert incident.history.count() == 2
    assert "0 created, 0 updated, 2 unchanged" in _import(
        _file(tmp_path, newer, "v2.csv")
    )


def test_a_figure_a_newer_version_drops_is_retracted(tmp_path):
    _import(_file(tmp_path, [_event(id=1, deaths_civilians=2, best=4)], "v1.csv"))
    _import(_file(tmp_path, [_event(id=1, deaths_civilians=0, best=2)], "v2.csv"))

    civilians = Claim.objects.get(incident__external_id="1", group="civilians")
    assert civilians.retracted_at is not None
    assert "v2.csv" in civilians.retraction_reason
    assert not Tally.objects.filter(
        incident__external_id="1", group="civilians"
    ).exists()


class Killed(Exception):
    pass


def _killed_after(items, count):
    for done, item in enumerate(items):
        if done == count:
            raise Killed
        yield item


def test_a_run_killed_midway_and_rerun_equals_one_clean_run(tmp_path):
    rows = _rows(SAMPLE)[:60]
    path = _file(tmp_path, rows)
    with path.open(newline="", encoding="utf-8") as lines:
        with pytest.raises(Killed):
            import_events(
                dataset=ucdp.UCDP,
                items=_killed_after(ucdp.read(lines), 45),
                file_name=path.name,
                batch_size=20,
            )
    assert Incident.objects.count() == 40  # two whole batches, nothing of the third

    output = _import(path)

    assert "20 created, 0 updated, 40 unchanged" in output
    imported = {
        incident.external_id: _killed(incident) for incident in Incident.objects.all()
    }
    expected = {}
    for r in rows:
        figures = [int(r[k]) for k in ("low", "best", "high")]
        expected[r["id"]] = (min(figures), int(r["best"]), max(figures))
    assert imported == expected
    out = io.StringIO()
    call_command("recompute_tallies", "--check", "--no-progress", stdout=out)
    assert "All stored tallies match" in out.getvalue()


# --- exports in UCDP's and ACLED's layouts -----------------------------------------


def _export(api, user, fmt, **params) -> tuple[object, list[dict]]:
    response = api(user).get("/api/v1/incidents/", {"format": fmt, **params})
    text = b"".join(response.streaming_content).decode()
    return response, list(csv.DictReader(io.StringIO(text)))


def _figures_by_event() -> dict:
    """Per event: all/killed and each group's figures, and each party's dead."""
    figures = {}
    for incident in Incident.objects.all():
        tallies = {
            (t.group_id, t.outcome_id): (t.low, t.best, t.high)
            for t in Tally.objects.filter(
                incident=incident, scope__in=("both", "published")
            )
        }
        parties = {
            (name, point)
            for name, point in Claim.objects.filter(
                incident=incident, party__isnull=False, retracted_at__isnull=True
            ).values_list("party__name", "point")
        }
        figures[incident.external_id] = (tallies, parties)
    return figures


def test_our_ucdp_export_of_imported_data_imports_to_the_same_figures(
    tmp_path, api, researcher
):
    rows = [*_rows(PAKISTAN)[:300], _two_states(id=900001, low=7, high=5)]
    _import(_file(tmp_path, rows, header=list(_rows(PAKISTAN)[0])))
    before = _figures_by_event()

    response, exported = _export(api, researcher, "ucdp", top_level="true")

    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="incidents-ucdp-ged.csv"' in response["Content-Disposition"]
    assert len(exported) == 301
    pair = next(row for row in exported if row["id"] == "900001")
    assert (pair["deaths_a"], pair["deaths_b"], pair["best"]) == ("3", "2", "6")
    assert (pair["low"], pair["high"]) == ("5", "7")
    # Into an empty database: the same figures, per event and per party.
    _wipe()
    path = _file(tmp_path, exported, "export.csv", header=list(exported[0]))
    assert "301 created" in _import(path)
    assert _figures_by_event() == before


def _wipe():
    """An empty database as far as incidents go (actors, sources and places
    stay, as a gazetteer would): every row the import writes, deleted."""
    from django.db import connection

    from casualties.models import TallyReview
    from sources.models import Report

    models = [TallyChange, TallyReview, Tally, ClaimReport, Claim, IncidentActor]
    models += [ImportRecord, ImportRun, Incident, Report]
    with connection.cursor() as cursor:
        for model in models:
            history = getattr(model, "history", None)
            for table in (model, None if history is None else history.model):
                if table is not None:
                    name = connection.ops.quote_name(table._meta.db_table)
                    cursor.execute(f"DELETE FROM {name}")


def test_the_acled_export_has_acleds_columns_and_conservative_figure(
    tmp_path, api, researcher
):
    _import(_file(tmp_path, [_event(id=5, best=6, low=4, high=9, deaths_b=6)]))

    _, exported = _export(api, researcher, "acled")

    (row,) = exported
    assert row["event_id_cnty"] == str(Incident.objects.get().pk)
    assert row["fatalities"] == "4"
    assert row["country"] == "Syria" and row["iso"] == "760"
    assert row["event_type"] == "Battles"
    assert row["actor1"] == "Government of Syria"


def test_flagged_events_are_found_in_the_api_and_say_why_on_their_page(
    tmp_path, api, researcher, researcher_client
):
    rows = [_event(id=1), _event(id=2, low=9, best=2, high=9)]
    _import(_file(tmp_path, rows))

    client = api(researcher)
    flagged = client.get("/api/v1/incidents/", {"import_flagged": "true"}).json()
    clean = client.get("/api/v1/incidents/", {"import_flagged": "false"}).json()
    assert [r["external_id"] for r in flagged["results"]] == ["2"]
    assert [r["external_id"] for r in clean["results"]] == ["1"]
    incident = Incident.objects.get(external_id="2")
    page = researcher_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Flagged for review" in page and "low 9 is above best 2." in page
    assert "ucdp-ged event 2" in page
