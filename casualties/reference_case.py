"""The reference case of SPEC section 5: the Balochistan attacks of 30-31 January 2026.

`load_reference_case` builds it from `shared/reference/balochistan-2026-01-31.txt`:
the umbrella incident and its eight parts, the actors, the outlets and reports the
figures were read in, and the eight claims. It is the demo data of `make run` and a
test fixture, so it is idempotent: every row is looked up by its natural key first
and only created when missing. A row that is already there is left exactly as it is
(never re-saved, so no version grows and no history is written), which also means
loading it into a database with other data changes none of that data.

The report URLs are illustrative: they have the shape of each outlet's addresses.
Reports are keyed by source and title, since not every report has a URL.
"""

import datetime
from dataclasses import dataclass

from django.db import models, transaction

from casualties import services as claim_services
from casualties.models import Claim
from incidents import gazetteer
from incidents import services as incident_services
from incidents.models import (
    Actor,
    Incident,
    IncidentActor,
    Location,
    ResponsibilityClaim,
    Target,
)
from sources.models import Report, Source

ROOT_TITLE = "Coordinated attacks across Balochistan"

JAN_30 = datetime.date(2026, 1, 30)
JAN_31 = datetime.date(2026, 1, 31)


def _utc(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=datetime.UTC)


# Actors: name -> (kind, parent name)
ACTORS = {
    "Government of Pakistan": (Actor.Kind.GOVERNMENT, None),
    "Pakistan interior ministry": (Actor.Kind.MINISTRY, "Government of Pakistan"),
    "Pakistan military": (Actor.Kind.MILITARY, "Government of Pakistan"),
    "Baloch Liberation Army": (Actor.Kind.ARMED_GROUP, None),
}
BLA = "Baloch Liberation Army"
GOVERNMENT = "Government of Pakistan"
INTERIOR = "Pakistan interior ministry"
MILITARY = "Pakistan military"

# Places named in the report: name -> (latitude, longitude)
PLACES = {
    "Gwadar": (25.1264, 62.3225),
    "Mastung": (29.7997, 66.8450),
}


@dataclass(frozen=True)
class Part:
    """One sub-incident of the wave."""

    key: str
    title: str
    type: str
    start: datetime.date
    place: str | None  # None: somewhere in Balochistan, province precision
    precision: str
    targets: tuple[tuple[str, str], ...]
    roles: tuple[tuple[str, str], ...]
    summary: str


PERPETRATOR = IncidentActor.Role.PERPETRATOR
RESPONDING = IncidentActor.Role.RESPONDING_FORCE
TARGETED = IncidentActor.Role.TARGET

PARTS = (
    Part(
        "gwadar",
        "Attack on civilians in Gwadar",
        "attack",
        JAN_31,
        "Gwadar",
        Incident.LocationPrecision.DISTRICT,
        (("civilians", "Civilians in Gwadar, including women and children"),),
        ((BLA, PERPETRATOR),),
        "Attackers killed civilians in Gwadar; women and children were among the "
        "dead, according to the authorities.",
    ),
    Part(
        "mastung",
        "Attack on the Mastung high-security prison",
        "prison-break",
        JAN_31,
        "Mastung",
        Incident.LocationPrecision.NEAR,
        (("prison", "Mastung high-security prison"),),
        ((BLA, PERPETRATOR),),
        "Attackers stormed the high-security prison in Mastung and freed more than "
        "30 inmates.",
    ),
    Part(
        "rail",
        "Rail track sabotage in Balochistan",
        "sabotage",
        JAN_31,
        None,
        Incident.LocationPrecision.PROVINCE,
        (("rail", "Railway track"),),
        ((BLA, PERPETRATOR),),
        "Rail track damage prompted the suspension of some train services from "
        "Balochistan to other parts of Pakistan.",
    ),
    Part(
        "highways",
        "Attempted abductions on highways in Balochistan",
        "abduction",
        JAN_31,
        None,
        Incident.LocationPrecision.PROVINCE,
        (("road", "Travellers on highways"),),
        ((BLA, PERPETRATOR),),
        "Attackers attempted to abduct travellers on highways in the province.",
    ),
    Part(
        "police",
        "Attacks on police stations in Balochistan",
        "attack",
        JAN_31,
        None,
        Incident.LocationPrecision.PROVINCE,
        (("police", "Police stations"),),
        ((BLA, PERPETRATOR),),
        "Police stations were among the targets at more than a dozen locations.",
    ),
    Part(
        "paramilitary",
        "Attacks on paramilitary installations in Balochistan",
        "attack",
        JAN_31,
        None,
        Incident.LocationPrecision.PROVINCE,
        (("paramilitary", "Paramilitary installations"),),
        ((BLA, PERPETRATOR),),
        "Paramilitary installations were among the targets at more than a dozen "
        "locations.",
    ),
    Part(
        "response",
        "Security-force response on Saturday 31 January",
        "security-operation",
        JAN_31,
        None,
        Incident.LocationPrecision.PROVINCE,
        (("militants", "Attackers"),),
        ((MILITARY, RESPONDING), (BLA, TARGETED)),
        "Security forces engaged and pursued the attackers; officials said 67 "
        "insurgents were killed on Saturday.",
    ),
    Part(
        "raids",
        "Earlier security raids on 30 January",
        "raid",
        JAN_30,
        None,
        Incident.LocationPrecision.PROVINCE,
        (("militants", "Insurgents"),),
        ((MILITARY, RESPONDING), (BLA, TARGETED)),
        "Raids before the wave of attacks that the military said killed 41 insurgents.",
    ),
)


@dataclass(frozen=True)
class SourceData:
    key: str
    name: str
    kind: str
    reliability: str
    affiliation: str | None
    url: str
    report_title: str
    report_url: str
    published_at: datetime.datetime
    credibility: int
    excerpt: str


SOURCES = (
    SourceData(
        "france24",
        "France 24",
        Source.Kind.BROADCASTER,
        Source.Reliability.B,
        None,
        "https://www.france24.com/",
        "Separatist attacks across Pakistan's Balochistan leave dozens dead",
        "https://www.france24.com/en/asia-pacific/"
        "20260131-pakistan-balochistan-coordinated-separatist-attacks",
        _utc(31, 19),
        Report.Credibility.PROBABLY_TRUE,
        "Authorities said 11 civilians were killed, including women and children in "
        "Gwadar, and Pakistan's interior minister cited 10 security officers "
        "killed, with dozens of injuries. A prison attack in Mastung freed more "
        "than 30 inmates. Officials said 67 insurgents were killed on Saturday, and "
        "at least 108 militants were killed across a 48 hour period.",
    ),
    SourceData(
        "ap",
        "Associated Press",
        Source.Kind.WIRE,
        Source.Reliability.B,
        None,
        "https://apnews.com/",
        "Pakistan says scores of insurgents killed after coordinated attacks in "
        "Balochistan",
        "https://apnews.com/article/pakistan-balochistan-attacks-20260131",
        _utc(31, 20),
        Report.Credibility.PROBABLY_TRUE,
        "Officials said 67 insurgents were killed on Saturday, and at least 108 "
        "militants were killed across a 48 hour period, following earlier raids "
        "that the military said killed 41 insurgents.",
    ),
    SourceData(
        "x",
        "X",
        Source.Kind.SOCIAL_MEDIA,
        Source.Reliability.F,
        None,
        "https://x.com/",
        "Coordinated Baloch separatist attacks across Balochistan trigger mass "
        "casualties and sweeping security response",
        "https://x.com/i/status/2017650000000000000",
        _utc(1, 8, month=2),
        Report.Credibility.CANNOT_JUDGE,
        "Pakistani authorities said 11 civilians and 10 security personnel were "
        "killed, and that 67 insurgents were killed during the response, with "
        "officials also citing at least 108 militants killed over the past 48 "
        "hours. The Baloch Liberation Army claimed responsibility and issued higher "
        "casualty claims against security forces.",
    ),
    SourceData(
        "interior",
        "Pakistan interior ministry",
        Source.Kind.GOVERNMENT,
        Source.Reliability.C,
        INTERIOR,
        "https://interior.gov.pk/",
        "Interior minister's statement on the attacks in Balochistan",
        "https://interior.gov.pk/press-releases/2026-01-31-balochistan",
        _utc(31, 17),
        Report.Credibility.POSSIBLY_TRUE,
        "Pakistan's interior minister cited 10 security officers killed, with "
        "dozens of injuries.",
    ),
    SourceData(
        "ispr",
        "Pakistani military (ISPR)",
        Source.Kind.MILITARY,
        Source.Reliability.C,
        MILITARY,
        "https://ispr.gov.pk/",
        "Press release on security operations in Balochistan",
        "https://ispr.gov.pk/press-release-detail?id=2026-01-31-01",
        _utc(31, 10),
        Report.Credibility.POSSIBLY_TRUE,
        "Earlier raids that the military said killed 41 insurgents.",
    ),
    SourceData(
        "bla",
        "BLA media",
        Source.Kind.ARMED_GROUP,
        Source.Reliability.E,
        BLA,
        "",
        "BLA statement claiming the attacks across Balochistan",
        "",  # circulated as videos and a statement on messaging channels
        _utc(31, 21),
        Report.Credibility.DOUBTFUL,
        "The BLA claimed responsibility, released videos showing female fighters, "
        "and asserted a higher security force death toll than the government's "
        "figure.",
    ),
)


@dataclass(frozen=True)
class ClaimInput:
    incident: str  # "root" or a Part key
    claimant: str
    side: str
    group: str
    outcome: str
    low: int
    high: int | None
    point: int | None
    wording: str
    asserted_at: datetime.datetime
    reports: tuple[str, ...]
    period_label: str = ""
    period: tuple[datetime.datetime, datetime.datetime] | None = None


EVENING = _utc(31, 18)

CLAIMS = (
    ClaimInput(
        "root",
        GOVERNMENT,
        "official",
        "civilians",
        "killed",
        11,
        11,
        11,
        "11 civilians were killed",
        EVENING,
        ("france24", "ap", "x"),
    ),
    ClaimInput(
        "root",
        INTERIOR,
        "official",
        "security-forces",
        "killed",
        10,
        10,
        10,
        "10 security officers killed",
        EVENING,
        ("france24", "x", "interior"),
    ),
    ClaimInput(
        "root",
        BLA,
        "perpetrator",
        "security-forces",
        "killed",
        # "Higher than the government's figure of 10": more than 10 (SPEC 3).
        11,
        None,
        None,
        "a higher security force death toll than the government's figure",
        EVENING,
        ("france24", "x", "bla"),
    ),
    ClaimInput(
        "root",
        INTERIOR,
        "official",
        "all",
        "injured",
        24,
        None,
        None,
        "dozens of injuries",
        EVENING,
        ("france24", "x", "interior"),
    ),
    ClaimInput(
        "root",
        GOVERNMENT,
        "official",
        "militants",
        "killed",
        108,
        None,
        108,
        "at least 108 militants were killed across a 48 hour period",
        EVENING,
        ("france24", "ap", "x"),
        period_label="over 48 hours",
        period=(_utc(30, 0), _utc(1, 0, month=2)),
    ),
    ClaimInput(
        "response",
        GOVERNMENT,
        "official",
        "militants",
        "killed",
        67,
        67,
        67,
        "67 insurgents were killed on Saturday",
        EVENING,
        ("france24", "ap", "x"),
    ),
    ClaimInput(
        "raids",
        MILITARY,
        "official",
        "militants",
        "killed",
        41,
        41,
        41,
        "earlier raids that the military said killed 41 insurgents",
        _utc(31, 10),
        ("ap", "ispr"),
    ),
    ClaimInput(
        "mastung",
        GOVERNMENT,
        "official",
        "detainees",
        "freed",
        31,
        None,
        None,
        "freed more than 30 inmates",
        EVENING,
        ("france24", "x"),
    ),
)


WRITERS = {
    Incident: incident_services.create_incident,
    Claim: claim_services.create_claim,
}


def _ensure[M: models.Model](model: type[M], user, lookup: dict, **defaults) -> M:
    """The row with this natural key, created from `defaults` if missing.

    An existing row is returned untouched: re-saving it would grow its version and
    write history for nothing, and it may be someone else's data.
    """
    found = model._default_manager.filter(**lookup).order_by("pk").first()
    if found is not None:
        return found
    if model in WRITERS:  # rows that tallies follow are written by their service
        return WRITERS[model](user=user, **lookup, **defaults)
    instance = model(**lookup, **defaults)
    if user is not None:
        if any(f.name == "created_by" for f in model._meta.fields):
            instance.created_by = user
        instance._history_user = user  # read by django-simple-history
    instance.save()
    return instance


def _locations(user) -> dict[str, Location]:
    """PK and PK-BA from the gazetteer, with their representative points (so
    the province-precision parts are on the map), and the places the report
    names."""
    gazetteer.load(["PK"])
    pakistan = _ensure(
        Location, user, {"code": "PK"}, name="Pakistan", kind=Location.Kind.COUNTRY
    )
    province = _ensure(
        Location,
        user,
        {"code": "PK-BA"},
        name="Balochistan",
        kind=Location.Kind.ADMIN1,
        parent=pakistan,
    )
    places = {"PK": pakistan, "PK-BA": province}
    for name, (latitude, longitude) in PLACES.items():
        places[name] = _ensure(
            Location,
            user,
            {"name": name, "parent": province},
            kind=Location.Kind.PLACE,
            latitude=latitude,
            longitude=longitude,
        )
    return places


def _actors(user, pakistan: Location) -> dict[str, Actor]:
    actors: dict[str, Actor] = {}
    for name, (kind, parent) in ACTORS.items():  # parents come first
        state = kind != Actor.Kind.ARMED_GROUP
        actors[name] = _ensure(
            Actor,
            user,
            {"name": name},
            kind=kind,
            parent=actors[parent] if parent else None,
            country=pakistan if state else None,
        )
    return actors


def _incidents(user, places, actors) -> dict[str, Incident]:
    province = places["PK-BA"]
    root = _ensure(
        Incident,
        user,
        {"title": ROOT_TITLE, "parent": None},
        type_id="coordinated-attack",
        summary=(
            "A wave of coordinated attacks at more than a dozen locations across "
            "Balochistan targeted civilians, police, paramilitary sites, transport "
            "infrastructure and a high-security prison. The Baloch Liberation Army "
            "claimed responsibility; security forces responded over two days."
        ),
        start_date=JAN_30,
        end_date=JAN_31,
        location=province,
        location_precision=Incident.LocationPrecision.PROVINCE,
        status=Incident.Status.PUBLISHED,
    )
    _ensure(
        ResponsibilityClaim,
        user,
        {"incident": root, "actor": actors[BLA]},
        how="Claimed responsibility; released videos showing female fighters.",
    )
    _ensure(
        IncidentActor,
        user,
        {"incident": root, "actor": actors[BLA], "role": PERPETRATOR},
    )
    _ensure(
        IncidentActor,
        user,
        {"incident": root, "actor": actors[MILITARY], "role": RESPONDING},
    )
    incidents = {"root": root}
    for part in PARTS:
        incident = _ensure(
            Incident,
            user,
            {"title": part.title, "parent": root},
            type_id=part.type,
            summary=part.summary,
            start_date=part.start,
            end_date=part.start,
            location=places[part.place] if part.place else province,
            location_precision=part.precision,
            status=Incident.Status.PUBLISHED,
        )
        for category, description in part.targets:
            _ensure(
                Target,
                user,
                {
                    "incident": incident,
                    "category_id": category,
                    "description": description,
                },
            )
        for actor, role in part.roles:
            _ensure(
                IncidentActor,
                user,
                {"incident": incident, "actor": actors[actor], "role": role},
            )
        incidents[part.key] = incident
    return incidents


def _reports(user, actors) -> dict[str, Report]:
    reports = {}
    for data in SOURCES:
        source = _ensure(
            Source,
            user,
            {"name": data.name},
            kind=data.kind,
            reliability=data.reliability,
            affiliation=actors[data.affiliation] if data.affiliation else None,
            url=data.url,
        )
        reports[data.key] = _ensure(
            Report,
            user,
            {"source": source, "title": data.report_title},
            url=data.report_url,
            published_at=data.published_at,
            language="en",
            excerpt=data.excerpt,
            credibility=data.credibility,
        )
    return reports


def _claims(user, incidents, actors, reports) -> None:
    """Create the claims with their reports; link reports missing from a claim
    that is already there (keeping any others it has)."""
    for data in CLAIMS:
        incident = incidents[data.incident]
        start, end = data.period or (None, None)
        wanted = [reports[key] for key in data.reports]
        claim = _ensure(
            Claim,
            user,
            {
                "incident": incident,
                "group_id": data.group,
                "outcome_id": data.outcome,
                "claimant": actors[data.claimant],
                "wording": data.wording,
            },
            side_id=data.side,
            low=data.low,
            high=data.high,
            point=data.point,
            asserted_at=data.asserted_at,
            period_label=data.period_label,
            period_start=start,
            period_end=end,
            reports=wanted,
        )
        linked = set(claim.reports.values_list("pk", flat=True))
        if not {report.pk for report in wanted} <= linked:
            claim_services.update_claim(
                claim=claim, user=user, reports=[*linked, *wanted]
            )


@transaction.atomic
def load_reference_case(*, user=None) -> Incident:
    """Create whatever of SPEC section 5 is missing; return the root incident."""
    places = _locations(user)
    actors = _actors(user, places["PK"])
    incidents = _incidents(user, places, actors)
    reports = _reports(user, actors)
    _claims(user, incidents, actors, reports)
    return incidents["root"]
