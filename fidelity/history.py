"""The interface the historical-ratings import uses to write past fidelity visits.

Contract (kept stable; the fidelity feature fills in the internals):
- scale_items(scale_key, version=None) -> list of dicts {number, name, allows_na, formats}
  for the current (or given) version of a scale; raises KeyError for an unknown scale.
- current_version(scale_key) -> str
- record_historical_assessment(session, *, program, team, scale_key, scale_version, format, visit_date,
  ratings, note=None) -> Assessment: writes a FINAL assessment with the consensus rating per item
  (ratings: {item number: 1-5 or None for not applicable}) and its summary score and band. Does not commit.
"""
from fidelity.models import Assessment

# Placeholder item lists until the scale files land; the numbers and NA rules follow reference/instruments.md.
_ITEMS = {
    "imr_fidelity": [{"number": n, "name": f"Item {n}", "allows_na": False, "formats": ("group", "individual")}
                     for n in range(1, 14)],
    "it_is": [{"number": n, "name": f"Item {n}", "allows_na": n >= 14,
               "formats": ("group",) if n in (12, 13) else ("group", "individual")} for n in range(1, 17)],
}


def current_version(scale_key):
    return {"imr_fidelity": "3-24-05", "it_is": "2012"}[scale_key]


def scale_items(scale_key, version=None):
    return _ITEMS[scale_key]


def record_historical_assessment(session, *, program, team, scale_key, scale_version, format, visit_date,
                                 ratings, note=None):
    scores = [v for v in ratings.values() if v is not None]
    mean = sum(scores) / len(scores) if scores else None
    band = None if mean is None else ("high" if mean >= 4 else "moderate" if mean >= 3 else "low")
    assessment = Assessment(program_id=program.id, team_id=team.id if team else None, scale_key=scale_key,
                            scale_version=scale_version, format=format, visit_date=visit_date, status="final",
                            summary_score=mean, band=band)
    session.add(assessment)
    session.flush()
    return assessment
