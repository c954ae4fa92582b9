"""The interface the historical-ratings import uses to write past fidelity visits.

Contract (kept stable; the fidelity feature fills in the internals):
- scale_items(scale_key, version=None) -> list of dicts {number, name, allows_na, formats}
  for the current (or given) version of a scale; raises KeyError for an unknown scale.
- current_version(scale_key) -> str
- scale_titles() -> {scale key: title}; scale_names() -> {spelling(name): scale key} for every scale the
  catalogue knows (keys, titles, short names), so that imports accept a state's own scale too
- record_historical_assessment(session, *, program, team, scale_key, scale_version, format, visit_date,
  ratings, note=None, imported_from=None) -> Assessment: writes a FINAL assessment with the consensus rating
  per item (ratings: {item number: 1-5 or None for not applicable}) and its summary score and band;
  imported_from ("FILE by USER on DATE") is shown on its report where raters would be. Does not commit.
  Raises ValueError naming what is wrong (unknown scale or version, a rating outside the scale, not
  applicable on an item that must be rated, an unrated item) and writes nothing.
"""
import re
from datetime import datetime

from fidelity.models import Assessment, ConsensusRating
from fidelity.scales import catalog
from scoring.fidelity import check_ratings, score


def current_version(scale_key):
    return catalog.current_version(scale_key)


def scale_items(scale_key, version=None):
    scale = catalog.get_scale(scale_key, version)
    return [{"number": i.number, "name": i.name, "allows_na": i.allows_na, "formats": i.formats}
            for i in scale.items]


def rating_range(scale_key, version=None):
    """(lowest, highest) point an item of this scale version is rated on."""
    return catalog.get_scale(scale_key, version).rating_range


def spelling(text):
    """How a scale's name is compared: case, spaces and punctuation do not matter."""
    return re.sub(r"[^0-9a-z]+", "", str(text).lower())


def scale_titles():
    return catalog.scale_keys()


def scale_names():
    """{spelling: scale key}: each scale's key, title, title without '(...)' or 'scale', the part in parentheses
    (e.g. IT-IS), and the first word of its kind (programmatic, clinical) where only one scale has it."""
    names, kinds = {}, {}
    for key, title in scale_titles().items():
        short = re.sub(r"\(.*?\)", "", title).strip()
        for name in (key, title, short, re.sub(r"\bscale\b", "", short, flags=re.I), *re.findall(r"\((.*?)\)", title)):
            if spelling(name):
                names.setdefault(spelling(name), key)
        kind = catalog.get_scale(key).kind.split()
        if kind:
            kinds.setdefault(spelling(kind[0]), set()).add(key)
    for word, keys in kinds.items():
        if len(keys) == 1:
            names.setdefault(word, keys.pop())
    return names


def record_historical_assessment(session, *, program, team, scale_key, scale_version, format, visit_date,
                                 ratings, note=None, imported_from=None):
    try:
        scale = catalog.get_scale(scale_key, scale_version)
    except KeyError:
        raise ValueError(f"Unknown scale {scale_key!r} version {scale_version!r}.")
    if format not in scale.formats:
        raise ValueError(f"{scale.title} is not rated for the {format!r} format.")
    problems = check_ratings(scale.items, ratings, format, scale.rating_range)
    result = score(scale.items, ratings, format, scale.summary, scale.bands, scale.item_bands, scale.rating_range)
    if result.missing:
        problems.append("Unrated items: " + ", ".join(str(n) for n in result.missing) + ".")
    if problems:
        raise ValueError(" ".join(problems))
    assessment = Assessment(program_id=program.id, team_id=team.id if team else None, scale_key=scale_key,
                            scale_version=scale.version, format=format, visit_date=visit_date, status="final",
                            summary_score=result.summary, band=result.band.key if result.band else None,
                            finalized_at=datetime.utcnow(), note=note, imported_from=imported_from)
    session.add(assessment)
    session.flush()
    session.add_all([ConsensusRating(assessment_id=assessment.id, item_number=number, value=value,
                                     not_applicable=value is None) for number, value in sorted(ratings.items())])
    session.flush()
    return assessment
