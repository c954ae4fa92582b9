"""Facts the program and team pages show about fidelity: the latest final score and band per scale."""
from sqlalchemy import select

from date_text import day
from extensions import db
from fidelity.models import Assessment
from fidelity.scales import catalog
from scoring.fidelity import display_score


def _facts(stmt, user, empty_label):
    if not user.can("fidelity.read_scores"):
        return []
    latest = {}
    for a in db.session.scalars(stmt.where(Assessment.status == "final")
                                .order_by(Assessment.visit_date.desc(), Assessment.id.desc())):
        latest.setdefault(a.scale_key, a)
    if not latest:
        return [("Fidelity", empty_label)]
    facts = []
    for key, a in latest.items():
        unit = f" ({a.team.name})" if a.team else ""
        try:
            scale = catalog.get_scale(key, a.scale_version)
        except KeyError:  # that version's scale file was removed: show what the visit stored, and say so
            facts.append((f"Latest {key}", f"{a.summary_score:.2f} {a.band or ''}, visit of {day(a.visit_date)}{unit} "
                          f"(scale version {a.scale_version} is no longer installed)"))
            continue
        band = scale.band(a.band)
        facts.append((f"Latest {scale.title}", f"{display_score(a.summary_score, scale.bands)} "
                      f"{band.label if band else ''}, visit of {day(a.visit_date)}{unit}"))
    return facts


def program_facts(program, user):
    return _facts(select(Assessment).where(Assessment.program_id == program.id), user, "No final visit yet")


def team_facts(team, user):
    return _facts(select(Assessment).where(Assessment.team_id == team.id), user,
                  "No final visit of this team yet")
