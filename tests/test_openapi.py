"""The OpenAPI schema builds, validates and covers SPEC section 6; the docs pages
make no request to any outside host."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db

SCHEMA = "/api/v1/schema/"
ID = r"\{[^}/]+\}"
RESOURCES = (
    "incidents",
    "locations",
    "actors",
    "targets",
    "sources",
    "reports",
    "claims",
    "tallies",
)
ACTIONS = (
    rf"/api/v1/incidents/{ID}/tally/",
    rf"/api/v1/tallies/{ID}/review/",
    r"/api/v1/claims/extract/",
    r"/api/v1/stats/",
)


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    """Built once: generating it walks every viewset."""
    with django_db_blocker.unblock():
        reader = APIClient()
        reader.force_authenticate(UserFactory.build(pk=1))
        # secure: the per-test fixture that turns the HTTPS redirect off does
        # not reach a module-scoped one.
        response = reader.get(SCHEMA, {"format": "json"}, secure=True)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def test_anonymous_visitors_get_no_schema_and_no_docs(client, api, settings):
    settings.PUBLIC_READ = False

    assert api().get(SCHEMA).status_code == 401
    for url in DOCS:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_with_public_read_anonymous_visitors_read_the_schema(api, settings):
    settings.PUBLIC_READ = True

    assert api().get(SCHEMA, {"format": "json"}).status_code == 200


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)


@pytest.mark.parametrize("resource", RESOURCES)
def test_the_schema_lists_each_resource_and_its_detail(schema, resource):
    paths = set(schema["paths"])

    assert f"/api/v1/{resource}/" in paths
    assert any(re.fullmatch(rf"/api/v1/{resource}/{ID}/", p) for p in paths)


@pytest.mark.parametrize("pattern", ACTIONS)
def test_the_schema_lists_each_extra_endpoint(schema, pattern):
    assert any(re.fullmatch(pattern, path) for path in schema["paths"]), pattern


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method != "parameters":
                yield path, method, operation


def test_every_operation_declares_its_responses(schema):
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in _operations(schema)
        if not operation.get("responses")
    ]
    assert missing == []


def test_every_operation_documents_refusals(schema):
    undocumented = [
        f"{method.upper()} {path}: {code}"
        for path, method, operation in _operations(schema)
        for code in ("401", "403")
        if code not in operation["responses"]
    ]
    assert undocumented == []


def test_every_operation_on_an_object_documents_404(schema):
    undocumented = [
        f"{method.upper()} {path}"
        for path, method, operation in _operations(schema)
        if "{" in path and "404" not in operation["responses"]
    ]
    assert undocumented == []


def test_every_write_documents_field_errors(schema):
    undocumented = [
        f"{method.upper()} {path}"
        for path, method, operation in _operations(schema)
        if method in ("post", "put", "patch") and "400" not in operation["responses"]
    ]
    assert undocumented == []


ERROR_BODIES = {"400": "FieldErrors", "409": "StaleVersionError"}
ERROR_BODIES |= dict.fromkeys(("401", "403", "404", "412", "415", "429"), "ErrorDetail")


def test_each_kind_of_error_has_one_body_everywhere(schema):
    """However a view documents an error, its body is the one shared schema."""
    found = {
        (code, str(response.get("content")))
        for _, _, operation in _operations(schema)
        for code, response in operation["responses"].items()
        if code in ERROR_BODIES
    }
    wrong = {
        (code, body)
        for code, body in found
        if body != str(_json_ref(ERROR_BODIES[code]))
    }
    assert wrong == set()
    assert {code for code, _ in found} >= {"400", "401", "403", "404", "409", "412"}


def _json_ref(name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def test_a_stale_version_answer_matches_its_schema(api, analyst, schema):
    incident = IncidentFactory()
    response = api(analyst).patch(
        f"/api/v1/incidents/{incident.pk}/",
        {"title": "Renamed", "version": incident.version + 5},
        format="json",
    )

    assert response.status_code == 409
    stale = schema["components"]["schemas"]["StaleVersionError"]
    assert set(response.json()) == set(stale["properties"]) == set(stale["required"])


def test_the_schema_offers_token_and_session_auth(schema):
    schemes = schema["components"]["securitySchemes"]

    assert {"type": "apiKey", "in": "header", "name": "Authorization"}.items() <= (
        schemes["tokenAuth"].items()
    )
    assert schemes["cookieAuth"]["in"] == "cookie"


def test_spectacular_validates_the_schema_without_a_warning(tmp_path, capsys):
    """The same command CI runs: a warning means an undescribed operation."""
    try:
        call_command(
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(tmp_path / "schema.yaml"),
        )
    except Exception as error:  # noqa: BLE001 - the captured warnings say why
        pytest.fail(f"{error}\n{capsys.readouterr().err}")

    assert (tmp_path / "schema.yaml").stat().st_size > 0


class _Assets(HTMLParser):
    """Collects every URL a page makes the browser load or connect to."""

    LOADED = {"script": "src", "link": "href", "img": "src", "iframe": "src"}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attribute = self.LOADED.get(tag)
        value = dict(attrs).get(attribute) if attribute else None
        if value:
            self.urls.append(value)


def _assets(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    parser = _Assets()
    parser.feed(response.content.decode())
    return parser.urls


DOCS = ["/api/v1/docs/", "/api/v1/docs/redoc/"]


@pytest.mark.parametrize("url", DOCS)
def test_the_docs_page_loads_only_local_assets(researcher_client, url):
    urls = _assets(researcher_client, url)

    assert urls, "the page loads no script at all"
    outside = [u for u in urls if re.match(r"^([a-z][a-z0-9+.-]*:)?//", u, re.I)]
    assert outside == []


@pytest.mark.parametrize("url", DOCS)
def test_the_docs_page_names_no_outside_host(researcher_client, url):
    page = researcher_client.get(url).content.decode()

    for host in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs", "googleapis", "gstatic"):
        assert host not in page


@pytest.mark.parametrize("url", DOCS)
def test_the_docs_assets_ship_with_the_sidecar(researcher_client, url):
    prefix = "/" + settings.STATIC_URL.lstrip("/")
    static = [u for u in _assets(researcher_client, url) if u.startswith(prefix)]

    assert static
    for asset in static:
        found = finders.find(asset.split("?")[0].removeprefix(prefix))
        assert found, asset
        assert Path(found).stat().st_size > 0


def test_updates_require_the_version_and_creates_do_not(schema):
    components = schema["components"]["schemas"]

    def body(path, method):
        content = schema["paths"][path][method]["requestBody"]["content"]
        assert list(content) == ["application/json"]  # JSON only
        ref = content["application/json"]["schema"]["$ref"]
        return components[ref.rsplit("/", 1)[-1]]

    for path in ("/api/v1/incidents/{id}/", "/api/v1/claims/{id}/"):
        assert "version" in body(path, "put")["required"]
        assert "version" in body(path, "patch")["required"]
    assert "version" not in body("/api/v1/incidents/", "post").get("required", [])
    # Every write of a resource has its body.
    for path in ("/api/v1/sources/", "/api/v1/reports/"):
        assert body(path, "post")["properties"]
        assert body(path + "{id}/", "put")["properties"]


def test_text_fields_take_strings_only(api, analyst):
    response = api(analyst).post(
        "/api/v1/incidents/", {"title": 0, "type": "attack", "start_date": "2026-02-01"}
    )

    assert response.status_code == 400
    assert response.json()["title"] == ["Not a valid string."]
