"""Keep the stored Tally rows equal to what the reconciliation rules give.

`casualties.reconcile` is the arithmetic; this module feeds it rows from the
database and writes back only the rows whose figures changed. A claim write
recomputes only its own path (the incident and its ancestors, the group and
its ancestors, one outcome), bottom-up, reading the untouched parts from their
stored rows (SPEC rule 8). Moves and retractions of incidents recompute the
trees involved, and `recompute_all` rebuilds everything; all three share
`_sync`, so they cannot drift apart.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable

from django.db.models import Q

from casualties import reconcile
from casualties.models import TALLY_INPUT_FIELDS, Claim, Tally, VictimGroup
from incidents.models import Incident

Key = tuple[int, str, str]

CLAIM_FIELDS = (
    "id",
    "incident_id",
    "group_id",
    "outcome_id",
    "side_id",
    "claimant_id",
    "low",
    "high",
    "point",
    "asserted_at",
    "supersedes_id",
    "assessment",
    "retracted_at",
    "incident__status",
)


def _claim_data(claims) -> list[reconcile.ClaimData]:
    """Plain claim data; a claim on a retracted incident counts as retracted."""
    rows = list(claims.values(*CLAIM_FIELDS))
    sources = defaultdict(set)
    through = Claim.reports.through.objects.filter(claim_id__in=[r["id"] for r in rows])
    for claim_id, source_id in through.values_list("claim_id", "report__source_id"):
        sources[claim_id].add(source_id)
    return [
        reconcile.ClaimData(
            id=row["id"],
            incident=row["incident_id"],
            group=row["group_id"],
            outcome=row["outcome_id"],
            side=row["side_id"],
            low=row["low"],
            high=row["high"],
            point=row["point"],
            claimant=row["claimant_id"],
            asserted_at=row["asserted_at"],
            retracted=row["retracted_at"] is not None
            or row["incident__status"] == Incident.Status.RETRACTED,
            assessment=row["assessment"],
            supersedes=row["supersedes_id"],
            sources=frozenset(sources[row["id"]]),
        )
        for row in rows
    ]


def _group_parents() -> dict[str, str | None]:
    return dict(VictimGroup.objects.values_list("slug", "parent_id"))


def _review(tally: Tally) -> reconcile.Review | None:
    if tally.reviewed_best is None:
        return None
    return reconcile.Review(
        best=tally.reviewed_best, low=tally.reviewed_low, high=tally.reviewed_high
    )


def _superseded(claims: Iterable[reconcile.ClaimData]) -> set[int]:
    """Ids of these claims that a live claim anywhere supersedes."""
    ids = [claim.id for claim in claims]
    return set(
        Claim.objects.filter(
            supersedes__in=ids,
            retracted_at__isnull=True,
        )
        .exclude(incident__status=Incident.Status.RETRACTED)
        .values_list("supersedes_id", flat=True)
    )


def refresh_for_claim(claim: Claim, before: dict | None) -> None:
    """Recompute the paths of a claim as it was and as it is now.

    Any change to a counted input (or a new claim) makes reviewed tallies on
    those paths stale, as rule 7 asks.
    """
    after = {field: getattr(claim, field) for field in TALLY_INPUT_FIELDS}
    changed = before is None or before != after
    keys = {(claim.incident_id, claim.group_id, claim.outcome_id)}
    if before is not None:
        keys.add((before["incident_id"], before["group_id"], before["outcome_id"]))
    for supersedes_id in {after["supersedes_id"], (before or {}).get("supersedes_id")}:
        if supersedes_id is not None:
            earlier = Claim.objects.values_list(
                "incident_id", "group_id", "outcome_id"
            ).get(pk=supersedes_id)
            keys.add(earlier)
    for incident_id, group, outcome in sorted(keys):
        refresh_path(incident_id, group, outcome, make_stale=changed)


def refresh_path(
    incident_id: int, group: str, outcome: str, *, make_stale=False
) -> int:
    """Recompute the tallies from (incident, group) up to the roots of both trees."""
    incident_path = Incident.objects.get(pk=incident_id).ancestor_ids() + [incident_id]
    group_parent = _group_parents()
    group_path = reconcile.ancestors(group, group_parent)[::-1]

    claims = _claim_data(
        Claim.objects.filter(
            incident__in=incident_path, group__in=group_path, outcome=outcome
        )
    )
    superseded = _superseded(claims)
    by_key = defaultdict(list)
    for claim in claims:
        by_key[(claim.incident, claim.group)].append(claim)

    # Stored rows at the path and of every direct part of a path key.
    stored = {
        (t.incident_id, t.group_id, t.outcome_id): t
        for t in Tally.objects.filter(outcome=outcome)
        .filter(Q(incident__in=incident_path) | Q(incident__parent__in=incident_path))
        .filter(Q(group__in=group_path) | Q(group__parent__in=group_path))
        .select_related("incident")
    }
    figures: dict[tuple[int, str], reconcile.Part] = {
        (key[0], key[1]): _part(t) for key, t in stored.items()
    }
    incident_parent = {t.incident_id: t.incident.parent_id for t in stored.values()}
    incident_parent.update(zip(incident_path, [None, *incident_path[:-1]], strict=True))

    computed: dict[Key, reconcile.TallyFigures | None] = {}
    for incident in reversed(incident_path):
        for grp in reversed(group_path):
            key = (incident, grp, outcome)
            own = reconcile.counted_claims(by_key[(incident, grp)], superseded)
            result = reconcile.compute_tally(
                own,
                [
                    part
                    for (inc, g), part in figures.items()
                    if g == grp
                    and inc != incident
                    and incident_parent.get(inc) == incident
                ],
                [
                    part
                    for (inc, g), part in figures.items()
                    if inc == incident and group_parent.get(g) == grp
                ],
                _review(stored[key]) if key in stored else None,
            )
            computed[key] = result
            if result is None:
                figures.pop((incident, grp), None)
            else:
                figures[(incident, grp)] = reconcile.Part(
                    result.low, result.best, result.high
                )
    path_rows = {key: t for key, t in stored.items() if key in computed}
    return _sync(computed, path_rows, stale_keys=computed.keys() if make_stale else ())


def _part(tally: Tally) -> reconcile.Part:
    return reconcile.Part(tally.low, tally.best, tally.high)


def refresh_trees(paths: Collection[str]) -> int:
    """Recompute the incident trees that these paths lie in.

    Used when the incident at the end of a path moves or is retracted: the
    tallies above it, for the groups and outcomes it has figures for, change
    under their reviewers, so reviewed ones there go stale.
    """
    scope, below = Q(), Q()
    for path in paths:
        scope |= Q(path__startswith=f"/{path.strip('/').split('/')[0]}/")
        below |= Q(incident__path__startswith=path)
    incidents = Incident.objects.filter(scope)
    moved = set(Tally.objects.filter(below).values_list("group_id", "outcome_id"))
    above = {int(part) for path in paths for part in path.strip("/").split("/")[:-1]}
    return _recompute(
        Claim.objects.filter(incident__in=incidents),
        Tally.objects.filter(incident__in=incidents),
        dict(incidents.values_list("id", "parent_id")),
        stale_keys={(i, g, o) for i in above for g, o in moved},
    )


def recompute_all() -> int:
    """Rebuild every tally from the claims; returns how many rows changed."""
    return _recompute(
        Claim.objects.all(),
        Tally.objects.all(),
        dict(Incident.objects.values_list("id", "parent_id")),
    )


def _recompute(claims, tallies, incident_parent, stale_keys=frozenset()) -> int:
    existing = {(t.incident_id, t.group_id, t.outcome_id): t for t in tallies}
    reviews = {
        key: review for key, t in existing.items() if (review := _review(t)) is not None
    }
    computed = reconcile.reconcile_all(
        _claim_data(claims), incident_parent, _group_parents(), reviews
    )
    keys = set(computed) | set(existing)
    return _sync({key: computed.get(key) for key in keys}, existing, stale_keys)


def _sync(
    computed: dict[Key, "reconcile.TallyFigures | None"],
    existing: dict[Key, Tally],
    stale_keys: Collection[Key] = (),
) -> int:
    """Write what differs; returns the number of rows created, changed or removed."""
    changed = 0
    for key, result in computed.items():
        tally = existing.get(key)
        if result is None:
            if tally is not None:
                tally.delete()
                changed += 1
            continue
        if tally is None:
            tally = Tally(incident_id=key[0], group_id=key[1], outcome_id=key[2])
        values = _values(result, tally, stale=key in stale_keys)
        if tally.pk is None or any(getattr(tally, f) != v for f, v in values.items()):
            for field, value in values.items():
                setattr(tally, field, value)
            tally.save()
            changed += 1
    return changed


def _values(result: "reconcile.TallyFigures", tally: Tally, *, stale: bool) -> dict:
    if tally.reviewed_best is not None:
        status = Tally.Status.STALE if stale else tally.status
    elif result.disputed or result.inconsistent:
        status = Tally.Status.NEEDS_REVIEW
    else:
        status = Tally.Status.AUTO
    return {
        "low": result.low,
        "best": result.best,
        "high": result.high,
        "by_side": {
            side: {"low": low, "high": high}
            for side, (low, high) in sorted(result.by_side.items())
        },
        "disputed": result.disputed,
        "inconsistent": result.inconsistent,
        "unattributed": result.unattributed,
        "claims": result.claims,
        "sources": result.sources,
        "status": status,
    }
