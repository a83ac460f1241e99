"""What every API resource shares: permissions by role, pagination, optimistic
locking, retraction instead of deletion, and model validation in serializers.

Viewsets stay a handful of declarations because the rules live here once.
"""

import copy
import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db import connections, models, transaction
from django.db.models.query import ValuesIterable
from django.utils.functional import cached_property
from rest_framework import (
    exceptions,
    parsers,
    permissions,
    renderers,
    serializers,
    status,
)
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from core.queries import prepared_cursor, written_in
from core.validators import no_markup
from incidents.base import Conflict


class PreRendered(str):
    """JSON text built elsewhere (by PostgreSQL: incidents.api.listing), which
    JSONRenderer hands on as it is, inside the response it renders."""


class JSONRenderer(renderers.JSONRenderer):
    """DRF's, which also takes PreRendered values: a page of 100 incidents
    built by PostgreSQL is not parsed into Python to be encoded again."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not isinstance(data, dict) or not any(
            isinstance(value, PreRendered) for value in data.values()
        ):
            return super().render(data, accepted_media_type, renderer_context)
        texts, placeholders = {}, {}
        for key, value in data.items():
            if isinstance(value, PreRendered):
                placeholders[key] = f"\x00{len(texts)}\x00"
                texts[super().render(placeholders[key])] = value.encode()
        body = super().render(
            data | placeholders, accepted_media_type, renderer_context
        )
        for placeholder, text in texts.items():
            body = body.replace(placeholder, text, 1)
        return body


class BoundedPaginator(Paginator):
    """Counts the rows no further than `bound`, when one is set: a COUNT of a
    whole filtered table of 400,000 incidents cost more than the page itself
    (65 ms of 110; with `disputed=true`, 185 ms). `exact` says whether the
    count is the whole list's or a lower bound."""

    bound: int | None = None
    # `skip(rows, offset)` -> (rows, skipped): the rows from some point of the
    # list on and how many come before it, when the view knows that much
    # without reading them (Pagination.skip_rows).
    skip = None

    @cached_property
    def count(self) -> int:
        if self.bound is None:
            self.exact = True
            return super().count
        rows = self.object_list
        if isinstance(rows, models.QuerySet) and not (
            rows.query.distinct or rows.query.group_by
        ):
            # Only the keys, in any order: a sliced count otherwise reads
            # every column of every counted row in the list's order (615 ms
            # of SQL for page 3,000 of the incidents).
            rows = rows.values("pk").order_by()
        head = rows[: self.bound + 1]
        counted = head.count() if isinstance(head, models.QuerySet) else len(head)
        self.exact = counted <= self.bound
        return counted

    def page(self, number):
        """A page of keys (a `values()` list) and its bounded count in one
        read: the rows from the page's first to the bound. A separate COUNT
        reads the skipped rows a second time (page 3,000 of the incidents:
        63 ms for the COUNT, 27 for the page)."""
        rows = self.object_list
        keys_only = isinstance(rows, models.QuerySet) and issubclass(
            rows._iterable_class, ValuesIterable
        )
        if (
            self.bound is None
            or not keys_only
            or rows.query.distinct
            or rows.query.group_by
            or not str(number).isdigit()
            or not 1 <= (int(number) - 1) * self.per_page + 1 <= self.bound
        ):
            return super().page(number)  # and refused there, as before
        number = int(number)
        bottom = (number - 1) * self.per_page
        skipped = 0
        if self.skip is not None:
            rows, skipped = self.skip(rows, bottom)
        page, ahead = _page_and_count(
            rows[bottom - skipped : self.bound - skipped + 1], self.per_page
        )
        # Past the end nothing is read, and the count found is the page's
        # start: validate_number then refuses the page, as the COUNT did.
        self.__dict__["count"] = counted = bottom + ahead
        self.exact = counted <= self.bound
        number = self.validate_number(number)
        return self._get_page(page, number, self)


def _page_and_count(head, size: int) -> tuple[list[dict], int]:
    """The first `size` rows of a sliced `values()` query and how many rows
    it has in all, in one read that sends only the page: the count is a
    window over the slice. Fetching the whole slice to count it in Python
    (1,100 keys for a page of 100) cost more than the page's own SQL.

    On PostgreSQL the values are written into the text and the statement is
    run by a server-binding cursor, so a head asked for again (the list's
    first page, a filter a dashboard links to) is prepared and planned once
    per connection, as the page's own statement is; a head asked once is
    planned as before (core.queries.written_in)."""
    compiler = head.query.get_compiler(head.db)
    sql, params = compiler.as_sql()
    if connections[head.db].vendor == "postgresql":
        sql, params = written_in(sql, params, head.db), ()
    with prepared_cursor(head.db) as cursor:
        cursor.execute(
            f"SELECT *, count(*) OVER () FROM ({sql}) AS head LIMIT %s",
            (*params, size),
        )
        fetched = cursor.fetchall()
    if not fetched:
        return [], 0
    query = head.query
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    tuples = compiler.results_iter(results=[[row[:-1] for row in fetched]])
    return [dict(zip(names, row, strict=True)) for row in tuples], fetched[0][-1]


class Pagination(PageNumberPagination):
    """`page` and `page_size` (at most 1000; larger asks get 1000 rows). A
    `page_size` that is not a whole number of at least 1 is a 400 rather than
    quietly the default.

    The rows are counted up to `COUNT_AHEAD` past the page asked for, no
    further: `count` is then the whole list's only when `count_exact` is true,
    and a lower bound otherwise (enough to tell that the next pages exist).
    `page=last` counts them all, to find the last page.

    A view that names a `keyset` (a date field, ids breaking ties, newest
    first) can also be read by `cursor`: `cursor=start`, then each answer's
    `next`. A cursor page is found through the index from where the last one
    ended, so page 4,000 costs what page 1 does, and no COUNT is run; a page
    number is an OFFSET, which PostgreSQL reads through row by row, unless
    the view knows where the page starts (`skip_rows`: the incident list,
    unfiltered, from its counts per month).
    """

    page_size = 50
    view = None  # the view being paged (paginate_queryset), for `skip_rows`
    page_size_query_param = "page_size"
    max_page_size = 1000
    django_paginator_class = BoundedPaginator
    COUNT_AHEAD = 1000
    MAX_BOUND = 2**62
    cursor_query_param = "cursor"
    first_cursor = "start"
    CURSOR = re.compile(r"(\d{4}-\d{2}-\d{2})_(\d{1,18})")

    def paginate_queryset(self, queryset, request, view=None):
        self.next_cursor = None
        self.view = view
        self.by_cursor = self.cursor_query_param in request.query_params
        if not self.by_cursor:
            return super().paginate_queryset(queryset, request, view)
        keyset = getattr(view, "keyset", None)
        if keyset is None:
            raise exceptions.ValidationError(
                {self.cursor_query_param: ["This list is paged by `page` only."]}
            )
        if self.page_query_param in request.query_params:
            raise exceptions.ValidationError(
                {self.cursor_query_param: ["Send `cursor` or `page`, not both."]}
            )
        if any(request.query_params.getlist("ordering")):
            raise exceptions.ValidationError(
                {
                    self.cursor_query_param: [
                        "A cursor follows the list's own order (newest first); "
                        "leave out `ordering`."
                    ]
                }
            )
        self.request = request
        size = self.get_page_size(request)
        rows = queryset.order_by(f"-{keyset}", "-id")
        after = self._cursor_position(request)
        if after is not None:
            table = queryset.model._meta.db_table
            column = queryset.model._meta.get_field(keyset).column
            # A row comparison, so that the index on (keyset, id) finds the
            # place directly (an OR of two comparisons is scanned up to it).
            rows = rows.extra(
                where=[f'("{table}"."{column}", "{table}"."id") < (%s, %s)'],
                params=list(after),
            )
        page = list(rows[: size + 1])
        if len(page) > size:
            page = page[:size]
            last = page[-1]  # an instance, or a row of `values()`
            if isinstance(last, dict):
                day, pk = last[keyset], last["id"]
            else:
                day, pk = getattr(last, keyset), last.pk
            self.next_cursor = f"{day.isoformat()}_{pk}"
        return page

    def _cursor_position(self, request) -> tuple[datetime.date, int] | None:
        """Where the page starts: None for `start`; a malformed cursor is a
        404, as a page that does not exist is."""
        values = request.query_params.getlist(self.cursor_query_param)
        if values == [self.first_cursor]:
            return None
        match = self.CURSOR.fullmatch(values[0]) if len(values) == 1 else None
        try:
            if match:
                return datetime.date.fromisoformat(match[1]), int(match[2])
        except ValueError:
            pass
        raise exceptions.NotFound("Invalid cursor.")

    def get_paginated_response(self, data):
        if not self.by_cursor:
            paginator = self.page.paginator
            return Response(
                {
                    "count": paginator.count,
                    "count_exact": paginator.exact,
                    "next": self.get_next_link(),
                    "previous": self.get_previous_link(),
                    "results": data,
                }
            )
        return Response({"next": self.get_next_link(), "results": data})

    def get_next_link(self):
        if not self.by_cursor:
            return super().get_next_link()
        if self.next_cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["results"]
        response["properties"]["count"]["description"] = (
            "Rows in the whole filtered list when `count_exact` is true; "
            f"otherwise at least this many (rows are counted up to {self.COUNT_AHEAD} "
            "past the page, or all of them for `page=last`). Absent when read "
            "by `cursor`."
        )
        properties = response["properties"]
        response["properties"] = {
            "count": properties.pop("count"),
            "count_exact": {
                "type": "boolean",
                "example": True,
                "description": "Whether `count` is the whole list's. Absent "
                "when read by `cursor`.",
            },
            **properties,
        }
        response["properties"]["previous"]["description"] = (
            "Absent when read by `cursor`."
        )
        return response

    def get_page_size(self, request):
        values = request.query_params.getlist(self.page_size_query_param)
        if values and not all(value.isdigit() and int(value) >= 1 for value in values):
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        f"A whole number from 1 (at most {self.max_page_size} "
                        "rows are sent)."
                    ]
                }
            )
        return super().get_page_size(request)

    def get_page_number(self, request, paginator):
        self.check_page(request)
        page = request.query_params.get(self.page_query_param) or "1"
        if page not in self.last_page_strings:
            # No more than a database's LIMIT holds: a page number of 26
            # digits is a 404 like any page past the end, not an overflow.
            paginator.bound = min(
                int(page) * paginator.per_page + self.COUNT_AHEAD, self.MAX_BOUND
            )
            # A view may know where a deep page starts without reading the
            # rows before it (incidents: the sums per month).
            paginator.skip = getattr(self.view, "skip_rows", None)
        return super().get_page_number(request, paginator)

    def check_page(self, request) -> None:
        """Every `page` sent must name a page: a whole number from 1 or
        `last`. DRF reads only the last value and takes an empty one as page 1,
        so `page=x&page=` would quietly answer the first page."""
        for page in request.query_params.getlist(self.page_query_param):
            if page in self.last_page_strings or (page.isdigit() and int(page) >= 1):
                continue
            raise exceptions.NotFound(
                self.invalid_page_message.format(
                    page_number=page, message="That page number is not an integer"
                )
            )

    def check(self, request) -> None:
        """The parameters of a request that is not paged (a streamed export):
        they name no page, but a malformed one is refused as on any page."""
        self.get_page_size(request)
        self.check_page(request)
        if self.cursor_query_param in request.query_params:
            self._cursor_position(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        if getattr(view, "keyset", None):
            parameters.append(
                {
                    "name": self.cursor_query_param,
                    "required": False,
                    "in": "query",
                    "description": (
                        f"Read the list by cursor instead of by page number: "
                        f"`{self.first_cursor}` for the first page, then the "
                        "`next` link of each answer (no `count`, no `previous`). "
                        "Every page costs the same, however deep; not with "
                        "`page` or `ordering`. A malformed cursor is a 404."
                    ),
                    "schema": {
                        "type": "string",
                        "pattern": rf"^({self.first_cursor}|{self.CURSOR.pattern})$",
                    },
                }
            )
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"Rows per page (default {self.page_size}); asks above "
                    f"{self.max_page_size} get {self.max_page_size}."
                )
            elif parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = "The page, from 1; past the last page: 404."
        return parameters


class RolePermission(permissions.DjangoModelPermissions):
    """SPEC section 7 through the groups' model permissions.

    Reading needs the model's view permission (every role has it); writing
    needs add/change; DELETE retracts, which is an editor's act. Anonymous
    visitors may read only when the deployment turns PUBLIC_READ on.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["incidents.publish_incident"],
    }

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS and settings.PUBLIC_READ:
            return True
        if getattr(view, "_ignore_model_permissions", False):
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)

    def _queryset(self, view):
        """The queryset whose model names the permissions. DRF builds the
        view's own (`get_queryset`, the user's view of the table: 0.8 ms of
        the incident list) only to read its model; the class's names it."""
        queryset = getattr(view, "queryset", None)
        if queryset is not None:
            return queryset
        return super()._queryset(view)


class JSONParser(parsers.JSONParser):
    """The API's only parser: bodies are JSON (the schema declares no other),
    and one nested deeper than Python can parse is a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            message = "JSON parse error - the body is nested too deeply."
            raise ParseError(message) from None


class ContentNegotiation(DefaultContentNegotiation):
    """`?format=` given empty names no format: a 404 like any unknown one,
    rather than the default JSON (a client that meant `csv` would otherwise
    get a page of JSON without knowing)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        name = self.settings.URL_FORMAT_OVERRIDE
        if format_suffix is None and request.query_params.get(name) == "":
            raise exceptions.NotFound(
                "Give a format (json, or the list's csv, geojson, ...), or leave "
                "the parameter out."
            )
        return super().select_renderer(request, renderers, format_suffix)


class ReaderPermission(permissions.BasePermission):
    """The schema: for anyone who may read the API (SPEC section 7)."""

    def has_permission(self, request, view):
        user = request.user
        return settings.PUBLIC_READ or bool(user and user.is_authenticated)


def can_edit(user) -> bool:
    """Editors: publish, retract, assess claims and review tallies."""
    return user.is_authenticated and user.has_perm("incidents.publish_incident")


def exception_handler(exc, context):
    """Model validation errors become 400s with field-level messages."""
    # Imported here: rest_framework.views imports the permission classes above.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_message_dict(exc))
    return drf_exception_handler(exc, context)


def _message_dict(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


class StrictCharField(serializers.CharField):
    """Text must arrive as a JSON string: DRF's CharField would store 0 as "0"
    and true as "True", which the schema (type string) does not allow."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictRelatedMixin:
    """An id must arrive as an id or null: DRF's related fields read "" as
    null, so a form-minded client that blanks a field would clear a relation
    the schema says takes an integer or null."""

    def run_validation(self, data=serializers.empty):
        if data == "":
            raise serializers.ValidationError(
                "Send null, or leave the field out; an empty string is not an id.",
                code="blank",
            )
        return super().run_validation(data)


class StrictPrimaryKeyRelatedField(
    StrictRelatedMixin, serializers.PrimaryKeyRelatedField
):
    pass


class StrictSlugRelatedField(StrictRelatedMixin, serializers.SlugRelatedField):
    pass


class CleanModelSerializer(serializers.ModelSerializer):
    """Runs the model's own validation (clean() and constraints) on API input.

    DRF does not call Model.full_clean; this does, on an unsaved copy, so the
    API refuses exactly what forms and the admin refuse, with the same
    field-named messages. Text that contains HTML markup is refused too: the
    API stores data, not markup.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }
    serializer_related_field = StrictPrimaryKeyRelatedField

    def validate(self, attrs):
        attrs = super().validate(attrs)
        self._full_clean(attrs)
        return attrs

    # Whether the model's CheckConstraints are run here too: a model whose
    # clean() already says the same (with the same messages) turns it off, as
    # each constraint costs a query.
    validate_constraints = True

    def _full_clean(self, attrs):
        model = self.Meta.model
        instance = model() if self.instance is None else copy.copy(self.instance)
        many_to_many = {f.name for f in model._meta.many_to_many}
        for name, value in attrs.items():
            if name not in many_to_many:
                setattr(instance, name, value)
        try:
            instance.full_clean(
                exclude=self._not_validated(model),
                validate_constraints=self.validate_constraints,
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(_message_dict(error)) from None

    def _not_validated(self, model):
        """Fields the client cannot send are not the client's to fix, and a
        related row the serializer has just fetched need not be looked up again."""
        return {
            f.name
            for f in model._meta.concrete_fields
            if f.name not in self.fields
            or not f.editable
            or isinstance(self.fields[f.name], serializers.RelatedField)
        }


class VersionedSerializer(CleanModelSerializer):
    """Declares `version` as input so the schema tells clients to send it.

    VersionedMixin compares it with the stored one before the serializer runs;
    here it is dropped so that a client can never set the counter itself.
    """

    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=(
            "The version you read. Required on updates (or send If-Match); "
            "a stale one gets 409 and changes nothing."
        ),
    )

    def validate(self, attrs):
        attrs.pop("version", None)
        return super().validate(attrs)


class VersionedMixin:
    """Optimistic locking: updates carry `version` (or If-Match); a stale one
    gets 409 (412 for If-Match) and changes nothing. Reads carry an ETag.

    Resources written through a service (`versioned_by_service`) hand the
    version to it: the service compares it once it holds the tree's lock, so
    the row is never locked here, ahead of the tree (which could deadlock with
    a write that locks the tree first).
    """

    versioned_by_service = False

    def retrieve(self, request, *args, **kwargs):
        return with_etag(super().retrieve(request, *args, **kwargs))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "version": self._version}

    _version = None

    def update(self, request, *args, **kwargs):
        self._version, if_match = self._sent_version(request)
        if self.versioned_by_service:
            try:
                response = super().update(request, *args, **kwargs)
            except Conflict as conflict:
                return stale_response(conflict.current_version, if_match=if_match)
        else:
            with transaction.atomic():
                instance = (
                    # of=("self",): lock the row only; PostgreSQL refuses FOR
                    # UPDATE on the nullable side of select_related's joins.
                    self.get_queryset()
                    .select_for_update(of=("self",))
                    .get(pk=self.get_object().pk)
                )
                if instance.version != self._version:
                    return stale_response(instance.version, if_match=if_match)
                response = super().update(request, *args, **kwargs)
        return with_etag(response)

    @staticmethod
    def _sent_version(request) -> tuple[int, bool]:
        """The version the client started from, and whether If-Match carried it."""
        if_match = request.headers.get("If-Match")
        if if_match is not None:
            try:
                return int(if_match.strip('"W/ ')), True
            except ValueError:
                return -1, True  # matches no version: 412
        sent = request.data.get("version") if hasattr(request.data, "get") else None
        if sent is None:
            raise exceptions.ValidationError(
                {"version": ["Send the version you are updating (or If-Match)."]}
            )
        try:
            return int(sent), False
        except (TypeError, ValueError):
            raise exceptions.ValidationError(
                {"version": ["A valid integer is required."]}
            ) from None


STALE_DETAIL = "The resource changed since that version."


def stale_response(current: int, *, if_match: bool = False) -> Response:
    """The one answer to a stale write: 409 with the current version (412 when
    the version came in If-Match)."""
    if if_match:
        return Response(
            {"detail": STALE_DETAIL}, status=status.HTTP_412_PRECONDITION_FAILED
        )
    return Response(
        {"detail": STALE_DETAIL, "version": current},
        status=status.HTTP_409_CONFLICT,
    )


def with_etag(response: Response) -> Response:
    """A versioned representation carries its version as its ETag."""
    response["ETag"] = f'"{response.data["version"]}"'
    return response


class RetractSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=2000, validators=[no_markup])


ALREADY_RETRACTED = "This record is already retracted."


class RetractMixin:
    """DELETE retracts: the record stays, with its reason and history.

    Every resource answers a second DELETE the same way (400, nothing
    changes): a second retraction would overwrite the first one's reason.
    """

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        if instance.is_retracted:
            raise exceptions.ValidationError({"reason": [ALREADY_RETRACTED]})
        reason = RetractSerializer(data=request.data or request.query_params)
        reason.is_valid(raise_exception=True)
        with transaction.atomic():
            self.retract(instance, reason.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    def retract(self, instance, reason: str):
        """The model's own retraction (Retractable.retract) unless a service
        owns it (claims, incidents)."""
        instance.retract(reason=reason, user=self.request.user)
