"""import_csv: our own incident export read back, as another team's tracker
would load it. The reference case goes out through the API's CSV and comes
back in: the same trees, places and figures."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from casualties.models import Claim, Tally
from casualties.reference_case import load_reference_case
from incidents.interop import tracker
from incidents.models import Incident

pytestmark = pytest.mark.django_db

FIGURES = ("low", "best", "high")


@pytest.fixture
def exported(api, researcher, tmp_path):
    """The reference case as a researcher exports it, and its incidents."""
    load_reference_case()
    response = api(researcher).get("/api/v1/incidents/", {"format": "csv"})
    assert response.status_code == 200
    path = tmp_path / "export.csv"
    path.write_bytes(b"".join(response.streaming_content))
    return path, list(Incident.objects.filter(dataset=""))


def _import(path) -> str:
    out = io.StringIO()
    call_command("import_csv", str(path), "--no-progress", stdout=out)
    return out.getvalue()


def _figures(incident) -> dict:
    return {
        (t.group_id, t.outcome_id): (t.low, t.best, t.high)
        for t in Tally.objects.filter(incident=incident, scope="both")
    }


def test_our_export_comes_back_with_its_trees_and_figures(exported):
    path, originals = exported

    output = _import(path)

    assert f"{len(originals)} rows; {len(originals)} created" in output
    assert "0 flagged, 0 refused" in output
    copies = {int(i.external_id): i for i in Incident.objects.filter(dataset="tracker")}
    assert set(copies) == {i.pk for i in originals}
    groups, compared = _exported_groups(path), 0
    for original in originals:
        copy = copies[original.pk]
        expected_parent = copies[original.parent_id].pk if original.parent_id else None
        assert copy.parent_id == expected_parent
        assert (copy.title, copy.start_date) == (original.title, original.start_date)
        # The same place (a district-precision place comes back as a district).
        assert copy.location.name == original.location.name
        assert copy.location_precision == original.location_precision
        # Every figure the export carries (all and the headline groups) is back.
        mine = _figures(copy)
        theirs = _figures(original)
        for key in theirs:
            if key[0] in groups and key[1] in tracker.OUTCOMES:
                assert mine[key] == theirs[key], (original.title, key)
                compared += 1
    assert compared >= len(originals)


def _exported_groups(path) -> set[str]:
    with path.open(encoding="utf-8") as data:
        header = next(csv.reader(data))
    return {"all"} | {
        match["group"]
        for match in map(tracker.FIGURE_COLUMN.match, header)
        if match and match["group"]
    }


def test_a_second_run_changes_nothing(exported):
    path, originals = exported
    _import(path)
    claims = Claim.objects.count()

    output = _import(path)

    assert f"0 created, 0 updated, {len(originals)} unchanged" in output
    assert Claim.objects.count() == claims


def _rows(path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8") as data:
        reader = csv.DictReader(data)
        return list(reader.fieldnames), list(reader)


def _write(path, columns, rows):
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_part_whose_whole_is_missing_is_imported_on_its_own_and_flagged(exported):
    path, originals = exported
    columns, rows = _rows(path)
    parts = [row for row in rows if row["parent"]]

    output = _import(_write(path, columns, parts[:1]))

    assert "1 created" in output and "1 flagged" in output
    assert f"parent {parts[0]['parent']} is in neither this file" in output
    copy = Incident.objects.get(dataset="tracker", external_id=parts[0]["id"])
    assert copy.parent_id is None


def test_rows_it_cannot_take_are_refused_with_their_reasons(exported):
    path, _ = exported
    columns, rows = _rows(path)
    top = next(row for row in rows if not row["parent"])
    bad = [
        top | {"id": "1001", "killed_low": "9", "killed_best": "5"},
        top | {"id": "1002", "type": "no-such-type"},
        top | {"id": "1003", "status": "retracted"},
        top | {"id": "1004", "start_date": "soon"},
        top | {"id": "1005", "martians_killed_low": "3"},
    ]

    output = _import(_write(path, [*columns, "martians_killed_low"], bad))

    assert "5 refused" in output
    assert "martians/killed: no such victim group and outcome here" in output
    assert "killed: low 9, best 5, high" in output
    assert "'no-such-type' is not an incident type here" in output
    assert "a retracted incident is not imported" in output
    assert "start_date: 'soon' is not a date" in output
    assert not Incident.objects.filter(dataset="tracker").exists()


def test_a_file_without_the_required_columns_writes_nothing(tmp_path):
    path = _write(tmp_path / "x.csv", ["id", "title"], [{"id": "1", "title": "x"}])

    with pytest.raises(CommandError, match="start_date.*killed_low"):
        _import(path)

    assert not Incident.objects.exists()
