"""Complete, valid submissions of the analyst's forms, for tests to vary."""

TEXT = "Officials said five policemen were killed and more than 12 people were injured."
FIVE_POLICE = {"group": "police", "wording": "five policemen", "low": 5, "high": 5}
MORE_THAN_12 = {"group": "all", "outcome": "injured", "low": 13, "high": ""}


def incident_data(**fields):
    """A complete, valid form submission; `fields` override or add to it."""
    data = {
        "title": "Attack on a police post",
        "summary": "",
        "type": "attack",
        "parent": "",
        "start_date": "2026-01-31",
        "end_date": "",
        "date_precision": "day",
        "location": "",
        "location_precision": "exact",
        "targets-TOTAL_FORMS": "0",
        "targets-INITIAL_FORMS": "0",
        "actors-TOTAL_FORMS": "0",
        "actors-INITIAL_FORMS": "0",
        "responsibility-TOTAL_FORMS": "0",
        "responsibility-INITIAL_FORMS": "0",
    }
    data.update(fields)
    return data


def edit_data(incident, **fields):
    targets = list(incident.targets.order_by("id"))
    roles = list(incident.actor_roles.order_by("id"))
    claims = list(incident.responsibility_claims.order_by("id"))
    data = incident_data(
        title=incident.title,
        type=incident.type_id,
        start_date=incident.start_date.isoformat(),
        parent=incident.parent_id or "",
        location=incident.location_id or "",
        version=incident.version,
        **{
            "targets-TOTAL_FORMS": len(targets),
            "targets-INITIAL_FORMS": len(targets),
            "actors-TOTAL_FORMS": len(roles),
            "actors-INITIAL_FORMS": len(roles),
            "responsibility-TOTAL_FORMS": len(claims),
            "responsibility-INITIAL_FORMS": len(claims),
        },
    )
    for i, target in enumerate(targets):
        data[f"targets-{i}-id"] = target.pk
        data[f"targets-{i}-category"] = target.category_id
        data[f"targets-{i}-description"] = target.description
    for i, role in enumerate(roles):
        data[f"actors-{i}-id"] = role.pk
        data[f"actors-{i}-actor"] = role.actor_id
        data[f"actors-{i}-role"] = role.role
    for i, claim in enumerate(claims):
        data[f"responsibility-{i}-id"] = claim.pk
        data[f"responsibility-{i}-actor"] = claim.actor_id
        data[f"responsibility-{i}-how"] = claim.how
        data[f"responsibility-{i}-report"] = claim.report_id or ""
    data.update(fields)
    return data


def claim_row(i, **fields):
    row = {
        "keep": "on",
        "group": "civilians",
        "outcome": "killed",
        "wording": "",
        "low": "",
        "high": "",
        "point": "",
        "period_label": "",
    }
    row.update(fields)
    return {f"claims-{i}-{name}": value for name, value in row.items()}


def claim_data(*rows, action="save", **fields):
    data = {
        "action": action,
        "text": "",
        "claimant": "",
        "side": "official",
        "asserted_at": "",
        "report": "",
        "source": "",
        "report_title": "",
        "report_url": "",
        "claims-TOTAL_FORMS": str(len(rows)),
        "claims-INITIAL_FORMS": "0",
    }
    for i, row in enumerate(rows):
        data.update(claim_row(i, **row))
    data.update(fields)
    return data


FIVE_POLICE = {"group": "police", "wording": "five policemen", "low": 5, "high": 5}
MORE_THAN_12 = {"group": "all", "outcome": "injured", "low": 13, "high": ""}
