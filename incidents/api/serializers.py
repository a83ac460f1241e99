"""Incident and gazetteer representations, and the writes analysts may make."""

from collections.abc import Iterable

from django.db import transaction
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from casualties.models import PUBLISHED, Tally, figures_for
from config.api import (
    CleanModelSerializer,
    StrictCharField,
    StrictPrimaryKeyRelatedField,
    StrictSlugRelatedField,
    VersionedSerializer,
    can_edit,
)
from core.queries import one_of
from incidents import services
from incidents.access import visible_incidents
from incidents.base import path_ids
from incidents.models import (
    Actor,
    Incident,
    IncidentActor,
    IncidentType,
    Location,
    ResponsibilityClaim,
    Target,
    TargetCategory,
)
from sources.models import Report

HEADLINE_GROUP = "all"
HEADLINE_OUTCOMES = ("killed", "injured")
MAX_ITEMS = 100  # targets or actor roles on one incident


class Gazetteer:
    """The district, admin1 and country above locations, read off their
    materialised paths.

    `load` fetches every such area on a batch of paths in one query, so a page
    (or an export chunk) costs one query however many rows it has.
    """

    AREAS = (Location.Kind.COUNTRY, Location.Kind.ADMIN1, Location.Kind.ADMIN2)

    def __init__(self):
        self._areas: dict[int, tuple[str, str, str | None]] = {}
        self._asked: set[int] = set()

    def load(self, paths: Iterable[str | None]) -> None:
        wanted = {pk for path in paths for pk in path_ids(path)} - self._asked
        if not wanted:
            return
        rows = (
            one_of(Location.objects, "id", wanted)
            .filter(kind__in=self.AREAS)
            .values_list("pk", "kind", "name", "code")
        )
        self._areas.update((pk, (kind, name, code)) for pk, kind, name, code in rows)
        self._asked |= wanted

    def forget_places(self) -> None:
        """Keep the (few) areas, drop the ids asked for: memory stays bounded."""
        self._asked = set(self._areas)

    def admin1_and_country(self, path: str | None) -> tuple[str | None, str | None]:
        ids = path_ids(path)
        if not self._asked.issuperset(ids):
            self.load([path])
        admin1 = country = None
        for pk in ids:
            kind, name, code = self._areas.get(pk, (None, None, None))
            if kind == Location.Kind.ADMIN1:
                admin1 = name
            elif kind == Location.Kind.COUNTRY:
                country = code
        return admin1, country

    @classmethod
    def sql(cls, path: str) -> str:
        """`admin1_and_country` as SQL, for a list PostgreSQL builds as JSON:
        one row (admin1, country) for the location whose path is the SQL
        expression `path`."""
        table = Location._meta.db_table
        return (
            f"SELECT max(area.name) FILTER (WHERE area.kind = '{Location.Kind.ADMIN1}')"
            f" AS admin1, max(area.code) FILTER (WHERE area.kind = "
            f"'{Location.Kind.COUNTRY}') AS country FROM {table} area WHERE area.id = "
            f"ANY(string_to_array(btrim({path}, '/'), '/')::bigint[])"
        )

    def area(self, path: str | None) -> str:
        """The areas holding a location, nearest first: "Kech, Balochistan,
        Pakistan" for Turbat."""
        ids = path_ids(path)[:-1]
        if not self._asked.issuperset(ids):
            self.load([path])
        names = [self._areas[pk][1] for pk in reversed(ids) if pk in self._areas]
        return ", ".join(names)


class IncidentPlaceSerializer(serializers.Serializer):
    """Where an incident happened, with the areas above the place."""

    id = serializers.IntegerField()
    name = StrictCharField()
    admin1 = StrictCharField(allow_null=True, help_text="Province name.")
    country_code = StrictCharField(allow_null=True, help_text="ISO alpha-2.")
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    precision = serializers.ChoiceField(choices=Incident.LocationPrecision.choices)


class TallyFigureSerializer(serializers.Serializer):
    low = serializers.IntegerField()
    best = serializers.IntegerField()
    high = serializers.IntegerField(allow_null=True, help_text="Null: open-ended.")
    disputed = serializers.BooleanField()


class HeadlineTalliesSerializer(serializers.Serializer):
    """Killed and injured, victim group `all`; null where nobody claimed any."""

    killed = TallyFigureSerializer(allow_null=True)
    injured = TallyFigureSerializer(allow_null=True)


def headline_tallies(tallies: Iterable[Tally]) -> dict:
    figures = dict.fromkeys(HEADLINE_OUTCOMES)
    for tally in tallies:
        if tally.group_id == HEADLINE_GROUP and tally.outcome_id in figures:
            figures[tally.outcome_id] = {
                "low": tally.low,
                "best": tally.best,
                "high": tally.high,
                "disputed": tally.disputed,
            }
    return figures


class TermField(StrictSlugRelatedField):
    """A taxonomy term by its slug, which is its primary key: read with no join."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", **kwargs)

    def use_pk_only_optimization(self):
        return True

    def to_representation(self, value):
        return value.pk


class TargetSerializer(CleanModelSerializer):
    category = TermField(queryset=TargetCategory.objects.all())

    class Meta:
        model = Target
        fields = ["category", "description"]


class ActorRoleSerializer(CleanModelSerializer):
    name = StrictCharField(source="actor.name", read_only=True)

    class Meta:
        model = IncidentActor
        fields = ["actor", "name", "role"]


class ResponsibilitySerializer(CleanModelSerializer):
    """A party's claim to have carried out the incident: who, how (statement,
    videos, ...) and the report that carries it (hung on the incident)."""

    actor_name = StrictCharField(source="actor.name", read_only=True)
    how = StrictCharField(required=False, allow_blank=True, max_length=5000)
    report = StrictPrimaryKeyRelatedField(
        queryset=Report.objects.filter(retracted_at__isnull=True),
        allow_null=True,
        required=False,
    )

    class Meta:
        model = ResponsibilityClaim
        fields = ["actor", "actor_name", "how", "report"]


class VisibleIncidentField(StrictPrimaryKeyRelatedField):
    """A parent the user may read (analysts see drafts, nobody a retracted one)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Incident.objects.none()
        return visible_incidents(request.user)


class IncidentSerializer(CleanModelSerializer):
    type = TermField(queryset=IncidentType.objects.all())
    parent = VisibleIncidentField(
        queryset=Incident.objects.all(), allow_null=True, required=False
    )
    location = serializers.SerializerMethodField()
    location_id = StrictPrimaryKeyRelatedField(
        source="location",
        queryset=Location.objects.all(),
        allow_null=True,
        required=False,
        write_only=True,
        help_text="The location (id); read back as `location`.",
    )
    targets = TargetSerializer(many=True, required=False, max_length=MAX_ITEMS)
    actors = ActorRoleSerializer(
        source="actor_roles", many=True, required=False, max_length=MAX_ITEMS
    )
    responsibility_claims = ResponsibilitySerializer(
        many=True, required=False, max_length=MAX_ITEMS
    )
    children_count = serializers.SerializerMethodField()
    headline_tallies = serializers.SerializerMethodField()
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The version you are updating: required on update (or If-Match).",
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "title",
            "summary",
            "type",
            "status",
            "start_date",
            "end_date",
            "date_precision",
            "location",
            "location_id",
            "location_precision",
            "parent",
            "children_count",
            "targets",
            "actors",
            "responsibility_claims",
            "headline_tallies",
            "retraction_reason",
            "dataset",
            "external_id",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "retraction_reason",
            "dataset",
            "external_id",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "location_precision": {
                "write_only": True,
                "help_text": "Read back as `location.precision`.",
            },
            "summary": {"max_length": 20000},
        }

    NESTED = ("targets", "actor_roles", "responsibility_claims")

    def get_fields(self):
        fields = super().get_fields()
        if not self._may_set_status():
            fields["status"].read_only = True
        return fields

    def _may_set_status(self) -> bool:
        view = self.context.get("view")
        if getattr(view, "swagger_fake_view", False):
            return True  # the schema describes what editors may send
        request = self.context.get("request")
        return request is not None and can_edit(request.user)

    @extend_schema_field(IncidentPlaceSerializer(allow_null=True))
    def get_location(self, incident):
        place = incident.location
        if place is None:
            return None
        gazetteer = self.context.get("gazetteer") or Gazetteer()
        admin1, country = gazetteer.admin1_and_country(place.path)
        return {
            "id": place.pk,
            "name": place.name,
            "admin1": admin1,
            "country_code": country,
            "latitude": place.latitude,
            "longitude": place.longitude,
            "precision": incident.location_precision,
        }

    def get_children_count(self, incident) -> int:
        count = getattr(incident, "children_count", None)
        if count is None:
            request = self.context.get("request")
            children = Incident.objects.filter(parent=incident)
            if request is not None:
                children = visible_incidents(request.user).filter(parent=incident)
            count = children.count()
        return count

    @extend_schema_field(HeadlineTalliesSerializer)
    def get_headline_tallies(self, incident):
        tallies = getattr(incident, "headline", None)
        if tallies is None:
            request = self.context.get("request")
            which = PUBLISHED if request is None else figures_for(request.user)
            tallies = Tally.objects.figures(which).filter(
                incident=incident,
                group_id=HEADLINE_GROUP,
                outcome_id__in=HEADLINE_OUTCOMES,
            )
        return headline_tallies(tallies)

    def validate_status(self, value):
        if value == Incident.Status.RETRACTED:
            raise serializers.ValidationError(
                "Retract with DELETE and a reason, not by setting the status."
            )
        return value

    def validate_targets(self, targets):
        if any("category" not in target for target in targets):
            raise serializers.ValidationError("Give each target a category.")
        return targets

    def validate_actors(self, roles):
        # A PATCH leaves nested fields optional, but the list replaces the
        # stored one, so each entry must be whole.
        if any("actor" not in role or "role" not in role for role in roles):
            raise serializers.ValidationError("Give each entry an actor and a role.")
        keys = [(role["actor"].pk, role["role"]) for role in roles]
        if len(keys) != len(set(keys)):
            raise serializers.ValidationError("An actor is listed twice in one role.")
        return roles

    def validate_responsibility_claims(self, claims):
        if any("actor" not in claim for claim in claims):
            raise serializers.ValidationError("Give each claim the party making it.")
        actors = [claim["actor"].pk for claim in claims]
        if len(actors) != len(set(actors)):
            raise serializers.ValidationError(services.TWICE_MESSAGE)
        return claims

    def validate(self, attrs):
        self._refuse_status_change()
        return super().validate(attrs)

    def _refuse_status_change(self):
        """A non-editor sending a status other than the current one is told so."""
        if self.fields["status"].read_only is False or not hasattr(
            self.initial_data, "get"
        ):
            return
        if "status" not in self.initial_data:
            return
        sent = self.initial_data.get("status")
        current = self.instance.status if self.instance else Incident.Status.DRAFT
        if sent != current:
            raise serializers.ValidationError(
                {"status": ["Only editors may publish or change the status."]}
            )

    def _full_clean(self, attrs):
        flat = {name: value for name, value in attrs.items() if name not in self.NESTED}
        super()._full_clean(flat)

    def create(self, validated_data):
        nested = self._pop_nested(validated_data)
        with transaction.atomic():
            incident = services.create_incident(
                user=self.context["request"].user, **validated_data
            )
            self._replace_nested(incident, nested)
        return incident

    def update(self, instance, validated_data):
        nested = self._pop_nested(validated_data)
        with transaction.atomic():
            incident = services.update_incident(
                incident=instance,
                user=self.context["request"].user,
                version=self.context.get("version"),
                **validated_data,
            )
            self._replace_nested(incident, nested)
        return incident

    def _pop_nested(self, validated_data) -> dict:
        validated_data.pop("version", None)  # checked by VersionedMixin, never set
        return {
            name: validated_data.pop(name)
            for name in self.NESTED
            if name in validated_data
        }

    def _replace_nested(self, incident, nested: dict) -> None:
        if nested:
            services.set_incident_rows(
                incident=incident,
                user=self.context["request"].user,
                targets=nested.get("targets"),
                actor_roles=nested.get("actor_roles"),
                responsibilities=nested.get("responsibility_claims"),
            )


class LocationListSerializer(serializers.ListSerializer):
    """Reads the areas above a whole page of locations in one query."""

    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        self.context.setdefault("gazetteer", Gazetteer()).load(
            item.path for item in items
        )
        return super().to_representation(items)


class LocationSerializer(VersionedSerializer):
    """A gazetteer entry. Analysts add districts and places; countries and
    provinces come from ISO 3166 (load_gazetteer) and are not edited here."""

    area = serializers.SerializerMethodField(
        help_text=(
            "The district, province and country holding it, nearest first "
            '("Kech, Balochistan, Pakistan" for Turbat).'
        )
    )

    WRITABLE_KINDS = (Location.Kind.ADMIN2, Location.Kind.PLACE)
    PARENT_KINDS = {
        Location.Kind.ADMIN2: {Location.Kind.ADMIN1},
        Location.Kind.PLACE: {
            Location.Kind.ADMIN1,
            Location.Kind.ADMIN2,
            Location.Kind.PLACE,
        },
    }

    class Meta:
        model = Location
        fields = [
            "id",
            "name",
            "kind",
            "code",
            "parent",
            "latitude",
            "longitude",
            "area",
            "version",
        ]
        list_serializer_class = LocationListSerializer
        extra_kwargs = {
            "latitude": {"min_value": -90, "max_value": 90},
            "longitude": {"min_value": -180, "max_value": 180},
        }

    def get_area(self, location) -> str:
        return self.context.setdefault("gazetteer", Gazetteer()).area(location.path)

    def validate(self, attrs):
        if self.instance is not None and self.instance.kind not in self.WRITABLE_KINDS:
            raise serializers.ValidationError(
                {"kind": ["Countries and provinces come from ISO 3166; not editable."]}
            )
        merged = {
            name: attrs.get(name, getattr(self.instance, name, None))
            for name in ("kind", "parent", "latitude", "longitude")
        }
        errors = self._place_errors(**merged)
        if errors:
            raise serializers.ValidationError(errors)
        return super().validate(attrs)

    def _place_errors(self, *, kind, parent, latitude, longitude) -> dict:
        if kind not in self.WRITABLE_KINDS:
            return {"kind": ["Only districts (admin2) and places can be added here."]}
        errors = {}
        if parent is None:
            errors["parent"] = ["A new place needs the area it lies in."]
        elif parent.kind not in self.PARENT_KINDS[kind]:
            allowed = ", ".join(sorted(self.PARENT_KINDS[kind]))
            errors["parent"] = [f"A {kind} lies in one of: {allowed}."]
        for name, value in (("latitude", latitude), ("longitude", longitude)):
            if value is None:
                errors[name] = ["Give the coordinates of the place."]
        return errors


class ActorSerializer(VersionedSerializer):
    aliases = serializers.ListField(
        child=StrictCharField(max_length=200),
        max_length=50,
        required=False,
        help_text="Other names.",
    )

    def create(self, validated_data):
        """Through the write service the claims page uses too."""
        return services.create_actor(
            user=self.context["request"].user, **validated_data
        )

    class Meta:
        model = Actor
        fields = ["id", "name", "kind", "parent", "country", "aliases", "version"]
        extra_kwargs = {
            "country": {
                "queryset": Location.objects.filter(kind=Location.Kind.COUNTRY),
                "help_text": "The country of a state actor (a country's id).",
            }
        }


class TargetRowSerializer(serializers.ModelSerializer):
    category = TermField(read_only=True)

    class Meta:
        model = Target
        fields = ["id", "incident", "category", "description"]
        read_only_fields = fields


class ExportRowSerializer(serializers.Serializer):
    """One incident as the CSV export has it (and a GeoJSON feature's properties)."""

    id = serializers.IntegerField()
    title = StrictCharField()
    summary = StrictCharField()
    type = StrictCharField(help_text="Incident type slug.")
    status = serializers.ChoiceField(choices=Incident.Status.choices)
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    date_precision = serializers.ChoiceField(choices=Incident.DatePrecision.choices)
    parent = serializers.IntegerField(allow_null=True)
    location_id = serializers.IntegerField(allow_null=True)
    location_name = StrictCharField(allow_null=True)
    admin1 = StrictCharField(allow_null=True)
    country_code = StrictCharField(allow_null=True)
    location_precision = serializers.ChoiceField(
        choices=Incident.LocationPrecision.choices
    )
    killed_low = serializers.IntegerField(allow_null=True)
    killed_best = serializers.IntegerField(allow_null=True)
    killed_high = serializers.IntegerField(allow_null=True)
    killed_disputed = serializers.BooleanField(allow_null=True)
    injured_low = serializers.IntegerField(allow_null=True)
    injured_best = serializers.IntegerField(allow_null=True)
    injured_high = serializers.IntegerField(allow_null=True)
    injured_disputed = serializers.BooleanField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PointSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Point"])
    coordinates = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        help_text="[longitude, latitude], WGS84.",
    )


class FeatureSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField()
    geometry = PointSerializer()
    properties = ExportRowSerializer()


@extend_schema_serializer(many=False)  # the whole list in one collection, unpaged
class FeatureCollectionSerializer(serializers.Serializer):
    """RFC 7946: the incidents that have coordinates, as points."""

    type = serializers.ChoiceField(choices=["FeatureCollection"])
    features = FeatureSerializer(many=True)
