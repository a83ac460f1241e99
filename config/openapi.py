"""The error answers every API operation can give, added to the schema once.

Viewsets document their own successes and their particular errors. The errors
that come from the shared machinery (authentication, permissions, a missing
object, an invalid page, a body of the wrong media type, a stale `version`)
are the same everywhere, so this hook documents them here instead of in every
@extend_schema. It only fills gaps: a response a view describes itself is left
as it is, except that an error response a view declares without a body (to
give its own description, config.viewsets) gets the shared body here: each
kind of error has one schema.
"""

DETAIL = "ErrorDetail"
FIELD_ERRORS = "FieldErrors"
STALE_VERSION = "StaleVersionError"

SCHEMAS = {
    DETAIL: {
        "type": "object",
        "description": "Why the request was refused.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    FIELD_ERRORS: {
        "type": "object",
        "description": (
            'Messages by field: {"field": ["message", ...]}; nested fields nest, '
            "and `non_field_errors` holds the rest. Nothing was stored."
        ),
        "additionalProperties": {},
    },
    STALE_VERSION: {
        "type": "object",
        "description": "The record changed since the `version` sent; nothing changed.",
        "properties": {
            "detail": {"type": "string"},
            "version": {"type": "integer", "description": "The stored version."},
        },
        "required": ["detail", "version"],
    },
}
# The body of each error status, whoever documents the status.
BODIES = {"400": FIELD_ERRORS, "409": STALE_VERSION}
BODIES |= dict.fromkeys(("401", "403", "404", "412", "415", "429"), DETAIL)

WRITES = {"post", "put", "patch", "delete"}


def _body(schema: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _response(description: str, schema: str) -> dict:
    return {"description": description, "content": _body(schema)}


def _sends_version(operation: dict, schemas: dict) -> bool:
    """Updates of versioned resources (config.api.VersionedMixin)."""
    for media in operation.get("requestBody", {}).get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        schema = schemas.get(ref.rsplit("/", 1)[-1], {})
        if "version" in schema.get("properties", {}):
            return True
    return False


def _errors(path: str, method: str, operation: dict, schemas: dict) -> dict:
    query = {
        parameter["name"]
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "query"
    }
    errors = {
        "401": _response("No credentials, or a bad token.", DETAIL),
        "403": _response("The role may not do this (SPEC section 7).", DETAIL),
        "429": _response(
            "Too many requests (API_THROTTLE_ANON / API_THROTTLE_USER); the "
            "Retry-After header says when to try again.",
            DETAIL,
        ),
    }
    if query or method in WRITES:
        errors["400"] = _response("Invalid parameters or body.", FIELD_ERRORS)
    if "{" in path or "page" in query or "format" in query:
        errors["404"] = _response(
            "No such object (or not visible to the role), no such page, or an "
            "unknown format.",
            DETAIL,
        )
    if method in {"put", "patch"} and _sends_version(operation, schemas):
        errors["409"] = _response(
            "The `version` sent is stale; nothing changed.", STALE_VERSION
        )
        errors["412"] = _response("If-Match names a stale version.", DETAIL)
    if method in WRITES:
        errors["415"] = _response("The body's media type is not accepted.", DETAIL)
    return errors


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                if code in BODIES and not response.get("content"):
                    response["content"] = _body(BODIES[code])
            errors = _errors(path, method, operation, schemas)
            for code, response in errors.items():
                responses.setdefault(code, response)
    for name, schema in SCHEMAS.items():
        schemas.setdefault(name, schema)
    return result


def require_version_on_updates(result, generator, request, public):
    """drf-spectacular postprocessing hook: updates of versioned resources
    must send `version` (config.api.VersionedMixin refuses them without it,
    unless If-Match carries it), so their request bodies say it is required.

    PATCH bodies have components of their own; a PUT shares its component
    with the create (POST), so it gets a copy named `...UpdateRequest`.
    """
    schemas = result.get("components", {}).get("schemas", {})
    for operations in result.get("paths", {}).values():
        for method in ("put", "patch"):
            operation = operations.get(method)
            if operation is None:
                continue
            for media in operation.get("requestBody", {}).get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                name = ref.rsplit("/", 1)[-1]
                schema = schemas.get(name)
                if not schema or "version" not in schema.get("properties", {}):
                    continue
                if method == "put":
                    update = f"{name.removesuffix('Request')}UpdateRequest"
                    schemas.setdefault(
                        update, {**schema, "required": list(schema.get("required", []))}
                    )
                    name, schema = update, schemas[update]
                    media["schema"] = {"$ref": f"#/components/schemas/{name}"}
                required = schema.setdefault("required", [])
                if "version" not in required:
                    required.append("version")
    return result
