"""The demo state's fidelity visits look like a real state's: histories, band changes, gaps, a draft."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from demo.data import build_demo_state
from extensions import db
from fidelity.scales import catalog
from fidelity.models import Assessment
from models import Program
from scoring.fidelity import score

TODAY = date(2026, 11, 23)


@pytest.fixture
def visits(app):
    build_demo_state(db.session, seed=7, today=TODAY)
    db.session.commit()
    return db.session.scalars(select(Assessment).order_by(Assessment.visit_date)).all()


def test_demo_visits_tell_a_story(visits):
    programs = db.session.scalars(select(Program)).all()
    imr = {p.name: [a for a in visits if a.program_id == p.id and a.scale_key == "imr_fidelity"
                    and a.status == "final"] for p in programs}
    assert [name for name, found in imr.items() if not found] == ["Supported housing IMR"]
    assert sum(1 for found in imr.values() if 2 <= len(found) <= 3) >= 6
    moves = {(a.band, b.band) for found in imr.values() for a, b in zip(found, found[1:]) if a.band != b.band}
    assert ("moderate", "high") in moves and ("moderate", "low") in moves
    assert len([a for a in visits if a.scale_key == "it_is" and a.status == "final"]) >= 2
    assert [a.status for a in visits if a.status != "final"] == ["draft"]
    assert min(a.visit_date for a in visits) >= TODAY - timedelta(days=21 * 31)


def test_demo_scores_follow_the_scale_rules(visits):
    for a in (a for a in visits if a.status == "final"):
        scale = catalog.get_scale(a.scale_key, a.scale_version)
        result = score(scale.items, a.consensus_ratings(), a.format, scale.summary, scale.bands)
        assert result.complete and a.summary_score == pytest.approx(result.summary)
        assert a.band == result.band.key and a.finalized_at is not None
