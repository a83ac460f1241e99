"""Every API operation, with every role, against SPEC section 7.

One row per operation: how to build its URL and body, and the status each role
must get. Each role's request runs in a savepoint that is rolled back, so every
role meets the same data. A row whose endpoint is missing fails (404 or 405
where a role expected more), and an operation the schema lists without a row
fails the coverage test: new endpoints must say who may use them.

Anonymous requests get 401: TokenAuthentication comes first in the settings,
so DRF answers with a `WWW-Authenticate: Token` challenge rather than 403.
"""

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casualties.models import Claim, Tally
from casualties.reference_case import load_reference_case
from incidents.models import Actor, Incident, Location, Target, TargetCategory
from sources.models import Report, Source
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "researcher", "analyst", "editor", "admin")
API = "/api/v1"


def statuses(anonymous, researcher, analyst, editor, admin) -> dict[str, int]:
    return dict(
        zip(ROLES, (anonymous, researcher, analyst, editor, admin), strict=True)
    )


READ = statuses(401, 200, 200, 200, 200)
READ_DRAFT = statuses(401, 404, 200, 200, 200)  # researchers never see drafts
CREATE = statuses(401, 403, 201, 201, 201)
EDIT = statuses(401, 403, 200, 200, 200)
EXTRACT = statuses(401, 403, 200, 200, 200)  # an analyst's aid to writing claims
RETRACT = statuses(401, 403, 403, 204, 204)  # an editor's act
REVIEW = statuses(401, 403, 403, 200, 200)
NO_DELETE = statuses(401, 403, 403, 405, 405)  # nothing is ever hard-deleted
# Read-only resources: roles with the model's add/change permission pass the
# permission check and meet 405; targets are written through their incident.
TARGETS_NO_WRITE = statuses(401, 403, 405, 405, 405)
TALLIES_NO_WRITE = statuses(401, 403, 403, 405, 405)


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # the schema's path template; `{id}` is filled by `target`
    expect: dict[str, int]
    target: str | None = None  # which object of the world `{id}` names
    query: str = ""
    body: Callable[[SimpleNamespace], dict] | None = None
    slug: str = ""  # fills `{slug}` (taxonomy terms)

    @property
    def id(self) -> str:
        suffix = f" ({self.target or self.slug})" if self.target or self.slug else ""
        return f"{self.method} {self.path}{self.query}{suffix}"

    def url(self, world) -> str:
        path = self.path
        if self.target:
            path = path.replace("{id}", str(getattr(world, self.target).pk))
        path = path.replace("{slug}", self.slug)
        return API + path + self.query


def new_incident(world):
    return {
        "title": "Grenade attack on a checkpoint",
        "type": "attack",
        "start_date": "2026-02-02",
        "end_date": None,
        "location_id": world.location.pk,
        "location_precision": "province",
    }


def new_location(world):
    return {
        "name": "Turbat",
        "kind": "place",
        "parent": world.location.pk,
        "latitude": 26.0,
        "longitude": 63.05,
    }


def new_actor(world):
    return {"name": "A newly named armed group", "kind": "armed_group"}


def new_source(world):
    return {"name": "A new outlet", "kind": "newspaper", "reliability": "C"}


def new_report(world):
    return {
        "source": world.source.pk,
        "title": "Officials give a new toll",
        "url": "https://example.org/news/new-toll",
        "published_at": "2026-02-01T09:00:00Z",
    }


def new_claim(world):
    return {
        "incident": world.published.pk,
        "side": "official",
        "group": "civilians",
        "outcome": "injured",
        "low": 4,
        "high": 4,
        "point": 4,
        "wording": "four civilians were injured",
        "reports": [world.report.pk],
    }


def _version(world, name) -> dict:
    """The version just read, for the resources that have one."""
    version = getattr(getattr(world, name), "version", None)
    return {} if version is None else {"version": version}


def versioned(build, name):
    """An update body: the new fields plus the version just read."""
    return lambda world: {**build(world), **_version(world, name)}


def renamed(field, value, name):
    return lambda world: {field: value, **_version(world, name)}


def reason(world):
    return {"reason": "Duplicate of another record."}


def review(world):
    tally = world.tally
    return {"best": tally.best, "rationale": "Checked.", "version": tally.version}


def extract(world):
    return {"text": "Officials said 12 civilians were killed and 30 injured."}


ROWS = [
    # Incidents: analysts write, editors retract.
    *(
        row
        for prefix, slug in (
            ("incident-types", "attack"),
            ("target-categories", "police"),
            ("victim-groups", "civilians"),
            ("outcomes", "killed"),
            ("claimant-sides", "official"),
        )
        for row in (
            Row("GET", f"/{prefix}/", READ),
            Row("GET", f"/{prefix}/{{slug}}/", READ, slug=slug),
        )
    ),
    Row("GET", "/incidents/", READ),
    Row("GET", "/incidents/", READ, query="?format=csv"),
    Row("GET", "/incidents/", READ, query="?format=geojson"),
    Row("POST", "/incidents/", CREATE, body=new_incident),
    Row("GET", "/incidents/{id}/", READ, "published"),
    Row("GET", "/incidents/{id}/", READ_DRAFT, "draft"),
    Row("GET", "/incidents/{id}/history/", READ, "published"),
    Row("GET", "/incidents/{id}/history/", READ_DRAFT, "draft"),
    Row(
        "PUT",
        "/incidents/{id}/",
        EDIT,
        "published",
        body=versioned(new_incident, "published"),
    ),
    Row(
        "PATCH",
        "/incidents/{id}/",
        EDIT,
        "published",
        body=renamed("title", "Renamed", "published"),
    ),
    Row(
        "PATCH",
        "/incidents/{id}/",
        READ_DRAFT | {"researcher": 403},
        "draft",
        body=renamed("title", "Renamed", "draft"),
    ),
    Row("DELETE", "/incidents/{id}/", RETRACT, "published", body=reason),
    Row("GET", "/incidents/{id}/tally/", READ, "root"),
    Row("GET", "/incidents/{id}/tally/", READ_DRAFT, "draft"),
    # The gazetteer and the parties: analysts add and correct entries.
    Row("GET", "/locations/", READ),
    Row("POST", "/locations/", CREATE, body=new_location),
    Row("GET", "/locations/{id}/", READ, "location"),
    Row("GET", "/locations/{id}/history/", READ, "location"),
    Row(
        "PUT", "/locations/{id}/", EDIT, "place", body=versioned(new_location, "place")
    ),
    Row(
        "PATCH",
        "/locations/{id}/",
        EDIT,
        "place",
        body=renamed("name", "Renamed", "place"),
    ),
    Row("DELETE", "/locations/{id}/", NO_DELETE, "place"),
    Row("GET", "/actors/", READ),
    Row("POST", "/actors/", CREATE, body=new_actor),
    Row("GET", "/actors/{id}/", READ, "actor"),
    Row("GET", "/actors/{id}/history/", READ, "actor"),
    Row("PUT", "/actors/{id}/", EDIT, "actor", body=versioned(new_actor, "actor")),
    Row(
        "PATCH",
        "/actors/{id}/",
        EDIT,
        "actor",
        body=renamed("name", "Renamed", "actor"),
    ),
    Row("DELETE", "/actors/{id}/", NO_DELETE, "actor"),
    Row("GET", "/targets/", READ),
    Row("POST", "/targets/", TARGETS_NO_WRITE, body=lambda world: {}),
    Row("GET", "/targets/{id}/", READ, "target"),
    Row("GET", "/targets/{id}/", READ_DRAFT, "draft_target"),
    # Sources and reports.
    Row("GET", "/sources/", READ),
    Row("POST", "/sources/", CREATE, body=new_source),
    Row("GET", "/sources/{id}/", READ, "source"),
    Row("GET", "/sources/{id}/history/", READ, "source"),
    Row("PUT", "/sources/{id}/", EDIT, "source", body=versioned(new_source, "source")),
    Row(
        "PATCH",
        "/sources/{id}/",
        EDIT,
        "source",
        body=renamed("name", "Renamed", "source"),
    ),
    Row("DELETE", "/sources/{id}/", NO_DELETE, "source"),
    Row("GET", "/reports/", READ),
    Row("POST", "/reports/", CREATE, body=new_report),
    Row("GET", "/reports/{id}/", READ, "report"),
    Row("GET", "/reports/{id}/history/", READ, "report"),
    Row("PUT", "/reports/{id}/", EDIT, "report", body=versioned(new_report, "report")),
    Row(
        "PATCH",
        "/reports/{id}/",
        EDIT,
        "report",
        body=renamed("title", "Renamed", "report"),
    ),
    Row("DELETE", "/reports/{id}/", RETRACT, "report", body=reason),
    # Claims.
    Row("GET", "/claims/", READ),
    Row("GET", "/claims/", READ, query="?format=csv"),
    Row("POST", "/claims/", CREATE, body=new_claim),
    Row("GET", "/claims/{id}/", READ, "claim"),
    Row("GET", "/claims/{id}/", READ_DRAFT, "draft_claim"),
    Row("GET", "/claims/{id}/history/", READ, "claim"),
    Row("GET", "/claims/{id}/history/", READ_DRAFT, "draft_claim"),
    Row("PUT", "/claims/{id}/", EDIT, "claim", body=versioned(new_claim, "claim")),
    Row(
        "PATCH",
        "/claims/{id}/",
        EDIT,
        "claim",
        body=renamed("wording", "Renamed", "claim"),
    ),
    Row("DELETE", "/claims/{id}/", RETRACT, "claim", body=reason),
    Row("POST", "/claims/extract/", EXTRACT, body=extract),
    # Tallies are computed; editors review them.
    Row("GET", "/tallies/", READ),
    Row("GET", "/tallies/{id}/", READ, "tally"),
    Row("GET", "/tallies/{id}/", READ_DRAFT, "draft_tally"),
    Row(
        "PATCH",
        "/tallies/{id}/",
        TALLIES_NO_WRITE,
        "tally",
        body=renamed("best", 1, "tally"),
    ),
    Row("DELETE", "/tallies/{id}/", NO_DELETE, "tally"),
    Row("POST", "/tallies/{id}/review/", REVIEW, "tally", body=review),
    Row("GET", "/stats/", READ, query="?interval=month"),
    Row("GET", "/stats/", READ, query="?by=admin1"),
    Row("GET", "/changes/", READ, query="?since=2026-01-01"),
]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Users are made per test; the real hasher would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    """The reference case, plus a draft incident with a claim (and so a tally)."""
    root = load_reference_case()
    draft = IncidentFactory(
        title="Unconfirmed blast", status=Incident.Status.DRAFT, parent=None
    )
    draft_claim = ClaimFactory(incident=draft)
    draft.targets.create(category=TargetCategory.objects.first(), description="Bridge")
    published = root.children.order_by("id").first()
    return SimpleNamespace(
        root=root,
        published=published,
        draft=draft,
        draft_claim=draft_claim,
        draft_tally=Tally.objects.filter(incident=draft).first(),
        draft_target=draft.targets.get(),
        location=Location.objects.get(code="PK-BA"),
        place=Location.objects.filter(kind=Location.Kind.PLACE).order_by("id").first(),
        actor=Actor.objects.order_by("id").first(),
        target=Target.objects.filter(incident__in=Incident.objects.below(root))
        .order_by("id")
        .first(),
        source=Source.objects.order_by("id").first(),
        report=Report.objects.order_by("id").first(),
        claim=Claim.objects.filter(incident__path__startswith=root.path)
        .order_by("id")
        .first(),
        tally=Tally.objects.filter(incident=root, group="all", outcome="killed").get(),
    )


@pytest.fixture
def clients(researcher, analyst, editor, admin_user):
    """One token client per role; tokens exercise the scripts' way in."""
    users = {
        "researcher": researcher,
        "analyst": analyst,
        "editor": editor,
        "admin": admin_user,
    }
    result = {"anonymous": APIClient()}
    for role, user in users.items():
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        result[role] = client
    return result


def send(client, row, world):
    body = row.body(world) if row.body else None
    request = getattr(client, row.method.lower())
    if body is None:
        return request(row.url(world))
    return request(row.url(world), body, format="json")


REFUSED = {401, 403, 405}
WATCHED = (Incident, Location, Actor, Target, Source, Report, Claim, Tally)


def fingerprint() -> list[list[tuple]]:
    """Every row of every watched table: the reference case is small."""
    return [list(model.objects.order_by("pk").values_list()) for model in WATCHED]


def answers(clients, row, world, roles=ROLES) -> dict[str, int]:
    """Each role's status, each in a savepoint rolled back afterwards.

    A refused write must have changed nothing.
    """
    got = {}
    for role in roles:
        with transaction.atomic():
            before = fingerprint()
            response = send(clients[role], row, world)
            assert response.status_code != 500, f"{row.id} as {role}"
            if response.status_code in REFUSED:
                assert fingerprint() == before, f"{row.id} as {role} wrote"
            got[role] = response.status_code
            transaction.set_rollback(True)
    return got


def _missing_objects(world) -> list[str]:
    return [name for name, value in vars(world).items() if value is None]


def test_the_world_has_every_object_the_rows_name(world):
    assert _missing_objects(world) == []


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_each_role_gets_the_status_spec_section_7_gives_it(
    settings, clients, world, row
):
    settings.PUBLIC_READ = False

    assert answers(clients, row, world) == row.expect


def _public_expectation(row) -> int:
    """With PUBLIC_READ, anonymous visitors read what researchers read."""
    if row.method == "GET":
        return row.expect["researcher"]
    return 401


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_public_read_lets_anonymous_visitors_read_published_data_only(
    settings, clients, world, row
):
    settings.PUBLIC_READ = True

    got = answers(clients, row, world, roles=["anonymous"])

    assert got == {"anonymous": _public_expectation(row)}


def _schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path.removeprefix(API))
        for path, operations in schema["paths"].items()
        for method in operations
        if method != "parameters"
    }


def test_every_operation_of_the_schema_has_a_row():
    covered = {(row.method, row.path) for row in ROWS}

    assert _schema_operations() - covered == set()


def test_rows_beyond_the_schema_are_refused_operations():
    """A row the schema does not list must be a method nobody may use."""
    beyond = {(row.method, row.path): row for row in ROWS}
    for key in set(beyond) - _schema_operations():
        assert beyond[key].expect["admin"] == 405, key


def _results(client, url) -> set[int]:
    response = client.get(url, {"page_size": 1000})
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("url", "draft_row"),
    [
        ("/incidents/", "draft"),
        ("/claims/", "draft_claim"),
        ("/tallies/", "draft_tally"),
        ("/targets/", "draft_target"),
    ],
)
def test_researchers_lists_leave_drafts_out(clients, world, url, draft_row):
    draft_id = getattr(world, draft_row).pk

    assert draft_id not in _results(clients["researcher"], API + url)
    assert draft_id in _results(clients["analyst"], API + url)


def test_analysts_cannot_publish_a_draft(clients, world):
    body = {"status": "published", "version": world.draft.version}

    response = clients["analyst"].patch(
        f"{API}/incidents/{world.draft.pk}/", body, format="json"
    )

    assert response.status_code in (200, 400)
    world.draft.refresh_from_db()
    assert world.draft.status == Incident.Status.DRAFT


def test_analysts_cannot_create_a_published_incident(clients, world):
    body = {**new_incident(world), "status": "published"}

    clients["analyst"].post(f"{API}/incidents/", body, format="json")

    assert not Incident.objects.filter(title=body["title"], status="published")


def test_editors_publish_a_draft(clients, world):
    body = {"status": "published", "version": world.draft.version}

    response = clients["editor"].patch(
        f"{API}/incidents/{world.draft.pk}/", body, format="json"
    )

    assert response.status_code == 200
    world.draft.refresh_from_db()
    assert world.draft.status == Incident.Status.PUBLISHED


@pytest.mark.parametrize(("role", "applied"), [("analyst", False), ("editor", True)])
def test_only_editors_assess_claims(clients, world, role, applied):
    claim = world.claim
    body = {"assessment": "contested", "version": claim.version}

    response = clients[role].patch(f"{API}/claims/{claim.pk}/", body, format="json")

    assert response.status_code in ((200,) if applied else (200, 400))
    claim.refresh_from_db()
    assert (claim.assessment == Claim.Assessment.CONTESTED) is applied


@pytest.mark.parametrize(
    ("url", "body", "model"),
    [
        ("/incidents/", new_incident, Incident),
        ("/reports/", new_report, Report),
    ],
)
def test_created_by_is_the_requester_whatever_is_sent(
    clients, world, editor, analyst, url, body, model
):
    sent = {**body(world), "created_by": editor.pk, "version": 7}

    response = clients["analyst"].post(API + url, sent, format="json")

    assert response.status_code == 201
    record = model.objects.get(pk=response.json()["id"])
    assert record.created_by == analyst
    assert record.version == 1


def test_a_new_claim_is_recorded_as_the_requesters(clients, world, analyst):
    sent = {**new_claim(world), "assessment": "credible", "version": 7}

    response = clients["analyst"].post(f"{API}/claims/", sent, format="json")

    assert response.status_code == 201
    claim = Claim.objects.get(pk=response.json()["id"])
    assert claim.created_by == analyst
    assert claim.assessment == Claim.Assessment.UNASSESSED
    assert claim.version == 1
