"""A client generated from /api/v1/schema/ by openapi-python-client works
against the running API: list and page, create an incident and a claim,
update with `version` (and meet the 409 of a stale one), read history.

openapi-python-client is a test dependency (`make test` installs it); without
it the test fails and says so.
"""

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _generator() -> str | None:
    here = Path(sys.executable).parent / "openapi-python-client"
    if here.exists():
        return str(here)
    return shutil.which("openapi-python-client")


@pytest.fixture
def generated(tmp_path, editor):
    """The client package, generated from the schema this code serves."""
    command = _generator()
    assert command, "openapi-python-client not found: pip install -e '.[test]'"
    reader = APIClient()
    reader.force_authenticate(editor)
    schema = reader.get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema.json()))
    result = subprocess.run(
        [command, "generate", "--path", str(path), "--meta", "none"]
        + ["--output-path", str(tmp_path / "tracker_client")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (tmp_path / "tracker_client" / "client.py").exists(), result.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("tracker_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("tracker_client")]:
            del sys.modules[name]


def test_a_generated_client_works_end_to_end(generated, live_server):
    from tracker_client import AuthenticatedClient
    from tracker_client.api.claims import claims_create
    from tracker_client.api.incidents import (
        incidents_create,
        incidents_history_retrieve,
        incidents_list,
        incidents_partial_update,
    )
    from tracker_client.models import (
        ClaimWriteRequest,
        IncidentRequest,
        PatchedIncidentRequest,
    )

    user = UserFactory(username="client-editor")
    user.groups.add(Group.objects.get(name="editor"))
    token = Token.objects.create(user=user)
    for n in range(3):
        IncidentFactory(title=f"Existing {n}")
    # Closed at the end: a connection kept alive would keep the live
    # server's request thread, and its database session, past the last test.
    with AuthenticatedClient(
        base_url=live_server.url, token=token.key, prefix="Token"
    ) as client:
        answer = incidents_list.sync_detailed(client=client, page_size=2)
        assert answer.status_code == 200, answer.content[:300]
        first = answer.parsed
        second = incidents_list.sync(client=client, page_size=2, page=2)
        assert first.count == 3
        assert len(first.results) == 2 and len(second.results) == 1

        incident = incidents_create.sync(
            client=client,
            body=IncidentRequest.from_dict(
                {
                    "title": "Raid on a market",
                    "type": "attack",
                    "start_date": "2026-02-01",
                }
            ),
        )
        assert incident.id and incident.version == 1

        claim = claims_create.sync(
            client=client,
            body=ClaimWriteRequest.from_dict(
                {
                    "incident": incident.id,
                    "side": "official",
                    "group": "civilians",
                    "outcome": "killed",
                    "low": 4,
                    "high": 4,
                    "point": 4,
                }
            ),
        )
        assert claim.low == 4

        renamed = incidents_partial_update.sync_detailed(
            incident.id,
            client=client,
            body=PatchedIncidentRequest.from_dict({"title": "Raid", "version": 1}),
        )
        stale = incidents_partial_update.sync_detailed(
            incident.id,
            client=client,
            body=PatchedIncidentRequest.from_dict({"title": "Again", "version": 1}),
        )
        assert renamed.status_code == 200
        assert stale.status_code == 409
        assert json.loads(stale.content)["version"] == 2

        history = incidents_history_retrieve.sync(incident.id, client=client)
        records = {
            getattr(entry.record, "value", entry.record) for entry in history.results
        }
        assert {"incident", "claim", "tally"} <= records
