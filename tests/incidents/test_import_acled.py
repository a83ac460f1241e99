"""import_acled: ACLED's standard export as incidents with ACLED's conservative
fatalities. ACLED's terms keep its data out of the repository, so the rows
here are made up in its layout."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from casualties.models import Claim, Tally
from incidents.interop import acled
from incidents.models import Incident

pytestmark = pytest.mark.django_db

COLUMNS = (
    "event_id_cnty event_date year time_precision disorder_type event_type "
    "sub_event_type actor1 assoc_actor_1 inter1 actor2 assoc_actor_2 inter2 "
    "interaction civilian_targeting iso region country admin1 admin2 admin3 "
    "location latitude longitude geo_precision source source_scale notes "
    "fatalities tags timestamp"
).split()


def _row(**fields) -> dict:
    return {
        "event_id_cnty": "PAK100001",
        "event_date": "2023-05-12",
        "year": "2023",
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Remote explosive/landmine/IED",
        "actor1": "Unidentified Armed Group (Pakistan)",
        "inter1": "3",
        "actor2": "Police Forces of Pakistan (2018-)",
        "inter2": "1",
        "iso": "586",
        "region": "Southern Asia",
        "country": "Pakistan",
        "admin1": "Balochistan",
        "admin2": "Kech",
        "location": "Turbat",
        "latitude": "26.0023",
        "longitude": "63.0440",
        "geo_precision": "1",
        "source": "Dawn; Balochistan Post",
        "source_scale": "National-Regional",
        "notes": "On 12 May 2023, an IED hit a police van in Turbat.",
        "fatalities": "4",
    } | fields


def _file(tmp_path, rows, columns=COLUMNS):
    path = tmp_path / "acled.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _import(path) -> str:
    out = io.StringIO()
    call_command("import_acled", str(path), "--no-progress", stdout=out)
    return out.getvalue()


def test_fatalities_are_acleds_conservative_figure(tmp_path):
    output = _import(_file(tmp_path, [_row()]))

    assert "1 rows; 1 created" in output
    incident = Incident.objects.get(dataset="acled", external_id="PAK100001")
    claim = Claim.objects.get(incident=incident)
    assert (claim.group_id, claim.outcome_id) == ("all", "killed")
    assert (claim.low, claim.point, claim.high) == (4, 4, None)  # at least 4
    assert claim.claimant.name == acled.CLAIMANT
    tally = Tally.objects.get(incident=incident, group="all", outcome="killed")
    assert (tally.low, tally.best, tally.high) == (4, 4, None)
    assert incident.type_id == "bombing"
    assert incident.location.name == "Turbat"
    assert incident.location.parent.parent.code == "PK-BA"  # Turbat, Kech, Balochistan
    assert set(incident.actor_roles.values_list("actor__name", "actor__kind")) == {
        ("Unidentified Armed Group (Pakistan)", "armed_group"),
        ("Police Forces of Pakistan (2018-)", "military"),
    }
    assert "Dawn; Balochistan Post" in claim.reports.get().excerpt


def test_precisions_and_older_date_format(tmp_path):
    rows = [
        _row(event_id_cnty="PAK1", time_precision="3", geo_precision="3"),
        _row(event_id_cnty="PAK2", event_date="12 May 2023", time_precision="2"),
    ]
    _import(_file(tmp_path, rows))

    month = Incident.objects.get(external_id="PAK1")
    assert (month.date_precision, month.location_precision) == ("month", "province")
    assert month.location.code == "PK-BA"
    week = Incident.objects.get(external_id="PAK2")
    assert (str(week.start_date), week.date_precision) == ("2023-05-12", "week")


def test_civilians_are_victims_not_parties(tmp_path):
    row = _row(actor2="Civilians (Pakistan)", inter2="7")
    _import(_file(tmp_path, [row]))

    incident = Incident.objects.get()
    assert list(incident.actor_roles.values_list("actor__name", flat=True)) == [
        "Unidentified Armed Group (Pakistan)"
    ]


def test_the_same_export_twice_changes_nothing(tmp_path):
    path = _file(tmp_path, [_row(), _row(event_id_cnty="PAK2", fatalities="0")])
    _import(path)
    claims = Claim.objects.count()

    assert "0 created, 0 updated, 2 unchanged" in _import(path)
    assert Claim.objects.count() == claims


def test_missing_columns_are_named(tmp_path):
    columns = [c for c in COLUMNS if c != "fatalities"]

    with pytest.raises(CommandError, match="Missing required columns: fatalities"):
        _import(_file(tmp_path, [_row()], columns))
    assert not Incident.objects.exists()


def test_a_bad_row_is_refused_with_its_line(tmp_path):
    rows = [_row(), _row(event_id_cnty="PAK2", fatalities="-1")]

    output = _import(_file(tmp_path, rows))

    assert "line 3, id PAK2: fatalities: -1 is negative." in output
    assert Incident.objects.count() == 1
