"""Plain dicts for the organisation objects the API returns."""


def agency_json(a):
    return {"id": a.id, "code": a.code, "name": a.name, "kind": a.kind}


def program_json(p, counts=None):
    data = {"id": p.id, "agency_id": p.agency_id, "name": p.name, "setting": p.setting,
            "engagement_target": p.engagement_target, "active": p.active}
    if counts is not None:
        data["counts"] = counts
    return data


def team_json(t, counts=None):
    data = {"id": t.id, "program_id": t.program_id, "name": t.name, "format": t.format, "active": t.active}
    if counts is not None:
        data["counts"] = counts
    return data
