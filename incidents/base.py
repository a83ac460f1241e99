"""Abstract models shared by the three apps.

They live here rather than in a fourth app because they carry no tables of
their own: a taxonomy term, a record that is never hard-deleted, a node of a
tree that keeps a materialised path so that subtree queries stay one indexed
prefix lookup at hundreds of thousands of rows, and the door through which
only the write services may save the rows that tallies are computed from.
"""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone

from core.validators import no_markup


class TaxonomyTerm(models.Model):
    """A term of a controlled vocabulary, identified by its slug everywhere."""

    slug = models.SlugField(primary_key=True, max_length=40)
    name = models.CharField(max_length=100, validators=[no_markup])
    description = models.TextField(blank=True, validators=[no_markup])

    class Meta:
        abstract = True
        ordering = ["slug"]

    def __str__(self):
        return self.name


class Undeletable(models.Model):
    """A record users may retract but never remove, so its history stays whole."""

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise ValidationError(
            f"{self._meta.verbose_name} records are retracted, never deleted."
        )


class Retractable(Undeletable):
    """A record withdrawn with a reason instead of deleted; it stays readable."""

    retracted_at = models.DateTimeField(null=True, blank=True, editable=False)
    retraction_reason = models.TextField(
        blank=True, max_length=2000, validators=[no_markup]
    )

    class Meta:
        abstract = True

    @property
    def is_retracted(self) -> bool:
        return self.retracted_at is not None

    def retract(self, *, reason: str, user=None):
        if not reason or not reason.strip():
            raise ValidationError({"retraction_reason": "Say why it is retracted."})
        self.retraction_reason = reason
        # The reason's own field rules (length, no markup), whatever the door.
        others = [f.name for f in self._meta.fields if f.name != "retraction_reason"]
        self.clean_fields(exclude=others)
        self.retracted_at = timezone.now()
        if user is not None:
            self._history_user = user  # read by django-simple-history
        self.save()


class Versioned(models.Model):
    """A row whose `version` grows on every save, for optimistic locking."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
        super().save(*args, **kwargs)


CYCLE_MESSAGE = "This parent lies below the record: that would make a cycle."
# Levels below a root. Twelve is far more than any operation needs (the
# report's deepest chain is three), and keeps every path within its 255
# characters even with ids of 19 digits.
MAX_DEPTH = 12
PATH_LENGTH = 255


def path_ids(path: str | None) -> list[int]:
    """Node ids from the root down to the node, read off its materialised path."""
    return [int(part) for part in (path or "").strip("/").split("/") if part]


class TreeNode(models.Model):
    """A node with a parent and a materialised path like ``/1/7/12/``.

    The path makes "everything below X" a prefix match and lets the database
    refuse a parent that would make a node its own ancestor (see the triggers
    in the migrations), since a node's id appears in the path of all its
    descendants.
    """

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(
        max_length=PATH_LENGTH, editable=False, db_index=True, default=""
    )
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with transaction.atomic():
            old_path = self.path
            super().save(*args, **kwargs)
            # Read the parent's path from the table: an in-memory parent may be stale.
            parent_path = (
                type(self).objects.values_list("path", flat=True).get(pk=self.parent_id)
                if self.parent_id
                else "/"
            )
            new_path = f"{parent_path}{self.pk}/"
            if new_path != old_path:
                type(self).objects.filter(pk=self.pk).update(
                    path=new_path, depth=new_path.count("/") - 2
                )
                if old_path:
                    self._move_descendants(old_path, new_path)
                self.path = new_path
                self.depth = new_path.count("/") - 2

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to the parent, read off the path."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    def clean_parent(self):
        if self.parent_id is None:
            return
        if self.pk is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": "A record cannot be its own parent."})
        if self.pk is not None and f"/{self.pk}/" in self.parent.path:
            raise ValidationError({"parent": CYCLE_MESSAGE})
        self._clean_depth()

    def _clean_depth(self):
        """The record and everything below it must still fit under the parent."""
        below, longest = 0, 0
        if self.pk is not None and self.path:
            deepest = (
                type(self)
                .objects.filter(path__startswith=self.path)
                .aggregate(depth=Max("depth"), length=Max(Length("path")))
            )
            below = (deepest["depth"] or self.depth) - self.depth
            longest = (deepest["length"] or len(self.path)) - len(self.path)
        own = len(f"{self.pk or 0}/")
        if (
            self.parent.depth + 1 + below > MAX_DEPTH
            or len(self.parent.path) + own + longest > PATH_LENGTH
        ):
            raise ValidationError(
                {
                    "parent": f"Records nest at most {MAX_DEPTH} levels deep; "
                    f"under this parent, this one and the {below} level"
                    f"{'s' if below != 1 else ''} below it would go deeper."
                }
            )

    def _move_descendants(self, old_path: str, new_path: str):
        shift = new_path.count("/") - old_path.count("/")
        type(self).objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + shift,
        )


# --- the write services' door -------------------------------------------------------

_SERVICE_WRITE: ContextVar[bool] = ContextVar("service_write", default=False)


class Conflict(Exception):
    """The row changed since the version the caller saw (an optimistic-lock miss)."""

    def __init__(self, current_version: int, message: str = ""):
        super().__init__(message or "The record changed since that version.")
        self.current_version = current_version


def check_version(row, version: int | None) -> None:
    """Optimistic locking, for every write service: `version`, when given, must
    be the stored one (the caller holds the row's lock)."""
    if version is not None and row.version != version:
        raise Conflict(row.version)


class DirectWriteError(RuntimeError):
    """A row whose writes move tallies was written around its service."""


@contextmanager
def service_write() -> Iterator[None]:
    """Open the door for one service call; nested calls share it.

    Claims, incidents and tallies are written only inside it, so a write can
    never leave stored tallies behind the rows they are computed from.
    """
    token = _SERVICE_WRITE.set(True)
    try:
        yield
    finally:
        _SERVICE_WRITE.reset(token)


def write_service[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """Make `func` a write service: atomic, and inside the door."""

    @functools.wraps(func)
    def service(*args: P.args, **kwargs: P.kwargs) -> R:
        with service_write(), transaction.atomic():
            return func(*args, **kwargs)

    return service


class WriteFields:
    """The fields a write service takes for one model, and its checks of them."""

    def __init__(self, model, fields: frozenset[str], relations: list[str]):
        self.model = model
        self.fields = fields
        # Checked by the database and by the doors' own field validation;
        # looking each one up again would cost a query apiece on every write.
        self.relations = relations
        self.accepted = fields | {f"{name}_id" for name in relations}

    def check(self, changes: dict) -> dict:
        """Field names, or the `_id` names of relations (importers hold ids)."""
        unknown = set(changes) - self.accepted
        if unknown:
            name = self.model._meta.verbose_name
            raise TypeError(f"not {name} fields: {', '.join(sorted(unknown))}")
        return changes

    def clean(self, instance) -> None:
        """The model's own rules (clean() and field checks) on the new values."""
        derived = [f.name for f in self.model._meta.fields if not f.editable]
        instance.full_clean(
            exclude=[*self.relations, *derived],
            validate_unique=False,
            validate_constraints=False,
        )


def require_service(model) -> None:
    if not _SERVICE_WRITE.get():
        service = getattr(model, "WRITTEN_BY", "its service")
        raise DirectWriteError(
            f"{model._meta.verbose_name} rows are written through {service}, "
            "which keeps the tallies and the history current."
        )


class ServiceWrittenQuerySet(models.QuerySet):
    """Bulk writes of a service-written model are refused outside the services."""

    def update(self, **kwargs):
        require_service(self.model)
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        require_service(self.model)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, *args, **kwargs):
        require_service(self.model)
        return super().bulk_update(objs, *args, **kwargs)

    def delete(self):
        require_service(self.model)
        return super().delete()

    delete.alters_data = True
    delete.queryset_only = True


class ServiceWritten(models.Model):
    """A row that only its service saves (see `service_write`)."""

    WRITTEN_BY = "its service"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        require_service(type(self))
        super().save(*args, **kwargs)
