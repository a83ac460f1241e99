"""The one door for every write on incidents: create, edit, move, publish, retract.

The API, the web forms, the admin, the reference loader and the importers call
these, so they all stamp the author, keep the history, check the version and
move the tallies the same way. Moving an incident, or changing its status,
changes which claims count where (SPEC rule 9) in whole trees, so those writes
lock both trees and rebuild them (`casualties.engine.rebuild_trees`); a new
part changes which kinds of part its parent has (rule 5), so it refreshes the
parent's rows.
"""

from django.core.exceptions import ValidationError

from casualties import engine
from casualties.models import PUBLISHED, WORKING, Tally, TallyChange
from incidents.base import WriteFields, check_version, path_ids, write_service
from incidents.models import Actor, Incident
from sources.services import hang_report

INCIDENT_FIELDS = frozenset(
    {
        "title",
        "summary",
        "type",
        "start_date",
        "end_date",
        "date_precision",
        "location",
        "location_precision",
        "parent",
        "status",
        "retraction_reason",
    }
)
RELATIONS = ["type", "location", "parent"]


WRITES = WriteFields(Incident, INCIDENT_FIELDS, RELATIONS)


def _validate(incident: Incident) -> None:
    WRITES.clean(incident)
    incident.clean_parent()


# --- the state contract: every door (API, pages, admin, importers) writes
# through these functions, so each allows and refuses the same transitions.
Status = Incident.Status
RETRACTED_MESSAGE = (
    "A retracted incident is kept as it was retracted: it cannot be edited."
)


def check_transition(old: str, new: str, *, retracting: bool = False) -> None:
    """Draft -> published by publishing; anything -> retracted only by
    retracting (with a reason); a retracted incident takes no change at all,
    and nothing goes back to draft once readers have seen it. Forms that
    cannot reach a service before they are valid (the admin's) call it too."""
    if old == Status.RETRACTED:
        raise ValidationError(RETRACTED_MESSAGE)
    if old == new:
        return
    if new == Status.RETRACTED and not retracting:
        raise ValidationError(
            {
                "status": "Retract with a reason (DELETE, or the Retract page), "
                "not by setting the status."
            }
        )
    if old == Status.PUBLISHED and new == Status.DRAFT:
        raise ValidationError(
            {
                "status": "A published incident cannot go back to draft: retract it "
                "with a reason instead."
            }
        )


def _cause(incident: Incident, user) -> engine.Cause:
    return engine.Cause(
        TallyChange.Cause.INCIDENT, incident.pk, getattr(user, "pk", None)
    )


@write_service
def create_incident(*, user, **fields) -> Incident:
    """Record an incident (a draft unless `status` says otherwise)."""
    incident = Incident(**WRITES.check(fields), created_by=user)
    check_transition(Status.DRAFT, incident.status)
    _validate(incident)
    placements = engine.lock_trees([incident.parent_id] if incident.parent_id else [])
    incident._history_user = user  # read by django-simple-history
    incident.save()
    incident.stamp_subtree()
    if incident.parent_id is not None:
        # The parent now has a part: rule 5 reads its figures against it.
        parent_rows = Tally.objects.filter(incident=incident.parent_id)
        engine.refresh(
            set(parent_rows.values_list("incident_id", "group_id", "outcome_id")),
            placements,
            cause=_cause(incident, user),
        )
    return incident


def update_incident(
    *, incident: Incident, user, version: int | None = None, **changes
) -> Incident:
    """Edit an incident; a new parent moves it with everything below it.

    `version`, when given, must be the stored one. A status change must be one
    `check_transition` allows; a retracted incident takes no change at all.
    """
    return _update(incident, user, version, changes, retracting=False)


@write_service
def _update(incident, user, version, changes, *, retracting: bool) -> Incident:
    WRITES.check(changes)
    parent = changes.get("parent", changes.get("parent_id"))
    parent_id = getattr(parent, "pk", parent)
    placements = engine.lock_trees([incident.pk, *([parent_id] if parent_id else [])])
    stored = Incident.objects.select_for_update(no_key=True).get(pk=incident.pk)
    check_version(stored, version)
    before = placements[stored.pk]
    old_parent, old_status = stored.parent_id, stored.status
    for name, value in changes.items():
        setattr(stored, name, value)
    check_transition(old_status, stored.status, retracting=retracting)
    _validate(stored)
    moved = stored.parent_id != old_parent
    if moved or stored.status != old_status:
        # The groups and outcomes it has figures for, before it moves away.
        pairs = set(
            Tally.objects.filter(incident__path__startswith=before.path).values_list(
                "group_id", "outcome_id"
            )
        )
    stored._history_user = user  # read by django-simple-history
    stored.save()
    if moved or stored.status != old_status:
        stored.stamp_subtree()
        _rebuild(stored, before, pairs, moved=moved, user=user)
    return stored


def _rebuild(incident: Incident, before: engine.Placement, pairs, *, moved, user):
    """Rebuild the trees it left and joined; reviews above it go stale in the
    figures it entered or left (rule 7), since their parts changed under them."""
    after = incident.effective_status
    if moved:
        changed = [
            which
            for which in (WORKING, PUBLISHED)
            if engine.counts_in(which, before.standing)
            or engine.counts_in(which, after)
        ]
    else:
        changed = [
            which
            for which in (WORKING, PUBLISHED)
            if engine.counts_in(which, before.standing)
            != engine.counts_in(which, after)
        ]
    above = set(path_ids(before.path)[:-1])
    above |= set(path_ids(incident.path)[:-1])
    stale_keys = {(a, g, o) for a in above for g, o in pairs}
    engine.rebuild_trees(
        {before.root, incident.root_id},
        cause=_cause(incident, user),
        stale={which: stale_keys for which in changed},
    )


def publish_incident(*, incident: Incident, user, version: int | None = None):
    """Make a draft readable by everyone; its figures join the published ones
    all the way up its tree."""
    if incident.status != Incident.Status.DRAFT:
        status = incident.get_status_display().lower()
        raise ValidationError(
            f"Only a draft can be published; this incident is {status}."
        )
    return update_incident(
        incident=incident, user=user, version=version, status=Incident.Status.PUBLISHED
    )


def retract_incident(
    *, incident: Incident, user, reason: str, version: int | None = None
):
    """Withdraw an incident with a reason; the record and its history stay, its
    figures (and those of everything below it) leave every tally."""
    if incident.status == Incident.Status.RETRACTED:
        raise ValidationError("This incident is already retracted.")
    if not reason or not reason.strip():
        raise ValidationError(
            {"retraction_reason": "Say why the incident is retracted."}
        )
    changes = {"status": Status.RETRACTED, "retraction_reason": reason}
    return _update(incident, user, version, changes, retracting=True)


TWICE_MESSAGE = "A party is listed twice: give each one claim of responsibility."
# The rows an incident holds besides its own fields: what makes two rows the
# same (a row that stays is kept, with its history), by the related name.
ROW_KEYS = {
    "targets": ("category_id", "description"),
    "actor_roles": ("actor_id", "role"),
    "responsibility_claims": ("actor_id", "how", "report_id"),
}


@write_service
def set_incident_rows(
    *, incident: Incident, user, targets=None, actor_roles=None, responsibilities=None
) -> None:
    """Make the incident's targets, actor roles and claims of responsibility
    these (None: leave them).

    Rows that stay are kept; an item with the `id` of a stored row changes
    that row (a page's edit); the others are removed and the new ones added
    one at a time, so the incident's history records each change with its
    author. Each item is a dict of the row's fields (`category`,
    `description`; `actor`, `role`; `actor`, `how`, `report`), relations as
    objects or ids. A report a claim of responsibility names is hung on the
    incident.
    """
    wanted_rows = {
        "targets": targets,
        "actor_roles": actor_roles,
        "responsibility_claims": responsibilities,
    }
    for name, wanted in wanted_rows.items():
        if wanted is None:
            continue
        rows = _rows(incident, getattr(incident, name).model, wanted)
        if name == "responsibility_claims":
            _check_claims([row for _, row in rows])
        _set_rows(user, getattr(incident, name), ROW_KEYS[name], rows)
    for claim in responsibilities or ():
        report = claim.get("report", claim.get("report_id"))
        if report is not None:
            hang_report(report=report, incident=incident, user=user)


def _rows(incident, model, wanted: list[dict]) -> list[tuple]:
    """(the stored row's id or None, the row as wanted), each checked as its
    model has it: no markup, relations that exist."""
    rows = []
    for fields in wanted:
        fields = dict(fields)
        pk = fields.pop("id", None)
        row = model(incident=incident, **fields)
        row.full_clean(exclude=["incident"], validate_constraints=False)
        rows.append((pk, row))
    return rows


def _check_claims(claims: list) -> None:
    """A party claims once, and no claim rests on a retracted report."""
    actors = [claim.actor_id for claim in claims]
    if len(actors) != len(set(actors)):
        raise ValidationError(TWICE_MESSAGE)
    if any(claim.report_id and claim.report.retracted_at for claim in claims):
        raise ValidationError("That report is retracted: it carries no claim.")


def _set_rows(user, rows, keys: tuple, wanted: list[tuple]) -> None:
    """Removals first, then edits and additions, so a row added or edited
    into the place of a removed one does not trip the unique constraints."""

    def key(row):
        return tuple(getattr(row, k) for k in keys)

    stored = {row.pk: row for row in rows.all()}
    edits, pending = {}, {}
    for pk, row in wanted:
        if pk in stored and pk not in edits:
            edits[pk] = row
        else:
            pending.setdefault(key(row), []).append(row)
    changed = []
    for pk, old in stored.items():
        if pk in edits:
            if key(edits[pk]) != key(old):
                edits[pk].pk = pk
                changed.append(edits[pk])
            continue
        same = pending.get(key(old))
        if same:
            same.pop()
            continue
        old._history_user = user
        old.delete()
    for row in [*changed, *(row for group in pending.values() for row in group)]:
        row._history_user = user
        row.save()


def _plain(name: str) -> str:
    return " ".join(name.split()).casefold()


def actor_names() -> dict[int, set[str]]:
    """Every actor's name and aliases, case and spacing aside, by id: what
    the duplicate warning and the claimant suggestion match words against."""
    return {
        pk: {
            _plain(n) for n in (name, *(a for a in aliases or () if isinstance(a, str)))
        }
        for pk, name, aliases in Actor.objects.values_list("pk", "name", "aliases")
    }


def actors_named(names) -> list[Actor]:
    """The actors already recorded under any of `names`, by name or alias,
    case and spacing aside: a new party's likely duplicates."""
    wanted = {_plain(name) for name in names if name.strip()}
    found = [pk for pk, known in actor_names().items() if wanted & known]
    return list(Actor.objects.filter(pk__in=found).order_by("name"))


def create_actor(
    *,
    user,
    name: str,
    kind: str = Actor.Kind.OTHER,
    parent=None,
    aliases=(),
    country=None,
) -> Actor:
    """A new party, checked as the model has it (unique name, no markup): the
    API's and the claims page's, one way."""
    actor = Actor(
        name=" ".join(name.split()),
        kind=kind,
        parent=parent,
        country=country,
        aliases=[" ".join(a.split()) for a in aliases if a.strip()],
    )
    actor.full_clean()
    actor._history_user = user
    actor.save()
    return actor
