"""Which incidents a user may read and write: the one definition that every
page, viewset, FilterSet, serializer and the dashboard use.

Reading follows SPEC section 7 and rule 9: researchers (and anonymous readers
with PUBLIC_READ) see published incidents only, judged with everything above
them (`effective_status`); analysts and editors see drafts too. Retracted
incidents leave every list; editors still reach them when a caller asks
(`include_retracted`), as they do by URL. Writing needs the incident to be
readable and not retracted.
"""

from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from config.api import can_edit
from core.queries import one_of
from incidents.models import Incident


def visible_incidents(user, *, include_retracted: bool = False) -> QuerySet[Incident]:
    """The incidents `user` may read; retracted ones too when asked, for
    those who may read them."""
    return Incident.objects.visible_to(
        # Editors: they retract, so they may look at what was retracted.
        user,
        include_retracted=include_retracted and can_edit(user),
    )


def get_visible_incident(user, pk) -> Incident:
    """The incident, or 404 when it is missing or not for this user's eyes
    (editors reach retracted incidents, as they do by URL)."""
    incidents = visible_incidents(user, include_retracted=True).select_related(
        "type", "location", "parent"
    )
    return get_object_or_404(incidents, pk=pk)


def get_editable_incident(user, pk) -> Incident:
    """The incident for a form, or 404: missing, unseen, or retracted.

    A retracted incident is kept as it was withdrawn; nothing is added to it
    (the services refuse it too, for the doors that do not come here).
    """
    incident = get_visible_incident(user, pk)
    if incident.is_retracted:
        raise Http404("A retracted incident is not edited.")
    return incident


def incidents_for_request(request) -> QuerySet[Incident]:
    """For FilterSets, which django-filter calls with the request (or None,
    when the schema is built): the incidents an id filter may name."""
    user = getattr(request, "user", None)
    if user is None:
        return Incident.objects.published()
    return visible_incidents(user, include_retracted=True)


def child_counts(ids: list[int], user) -> dict[int, int]:
    """The visible children of each of these incidents, in one query.

    Not a subquery of the list's own query: with OFFSET, PostgreSQL computed
    it for every row it skipped (3.1 s at the last page of 100,000)."""
    return dict(child_count_rows(ids, user))


def child_count_rows(ids: list[int], user) -> QuerySet:
    """(parent, count) of the visible children of these incidents: the query
    `child_counts` runs, and the one the list's JSON is built with."""
    return (
        one_of(visible_incidents(user), "parent_id", ids)
        .order_by()
        .values("parent")
        .annotate(count=Count("pk"))
        .values_list("parent", "count")
    )
