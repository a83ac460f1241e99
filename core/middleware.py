"""Input no view should ever see, refused once for every door.

A NUL character is never text anyone typed, and PostgreSQL refuses it in any
string: a filter, a slug or a lookup holding one would fail inside the database
as a 500. A body over DATA_UPLOAD_MAX_MEMORY_SIZE is refused before anything
parses it. API clients get the API's JSON error body; pages get plain text.
"""

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse

NUL_MESSAGE = "Text may not contain NUL characters (\\u0000)."
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def refusal(request, message: str, status: int) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain")


def _has_nul(raw: bytes, *, encoded: bool) -> bool:
    """Raw, JSON-escaped (\\u0000) or, in `encoded` text, percent-encoded (%00)."""
    if b"\x00" in raw or b"\\u0000" in raw:
        return True
    return encoded and b"\x00" in unquote_to_bytes(raw)


def _is_upload(request) -> bool:
    """A multipart body (a file upload: the web import) is not read whole:
    its files stream to disk, held to IMPORT_MAX_BYTES by the form (the
    importer refuses a NUL in them); its other fields are checked below."""
    return request.content_type == "multipart/form-data"


def _refuse_upload_fields(request) -> HttpResponse | None:
    try:
        fields = request.POST  # parses the body; files go to temporary storage
    except RequestDataTooBig:
        return _too_big(request)
    if any("\x00" in value for values in fields.lists() for value in values[1]):
        return refusal(request, NUL_MESSAGE, 400)
    return None


def _too_big(request) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return refusal(request, f"The request body is larger than {limit:,} bytes.", 413)


class RefuseBadInput:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "").encode("latin-1", "replace")
        if "\x00" in request.path or _has_nul(query, encoded=True):
            return refusal(request, NUL_MESSAGE, 400)
        if request.method in WRITES and _is_upload(request):
            # The API takes JSON only: it answers 415 without reading this.
            refused = None if is_api(request) else _refuse_upload_fields(request)
            if refused is not None:
                return refused
        elif request.method in WRITES:
            try:
                body = request.body
            except RequestDataTooBig:
                return _too_big(request)
            form = request.content_type == "application/x-www-form-urlencoded"
            if _has_nul(body, encoded=form):
                return refusal(request, NUL_MESSAGE, 400)
        return self.get_response(request)
