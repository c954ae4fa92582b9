"""The interface the historical-ratings import writes past visits through (fidelity.visits.imported)."""
from datetime import date

import pytest
from sqlalchemy import select

from extensions import db
from fidelity.models import Assessment
from fidelity.visits import imported
from tests.fidelity.factories import GROUP_A, consensus_rows


def test_history_interface_writes_a_scored_final_visit(app, world):
    assert imported.current_version("it_is") == "2012"
    items = imported.scale_items("it_is")
    assert items[11] == {"number": 12, "name": "Involving all group members", "allows_na": False,
                         "formats": ("group",)}
    with pytest.raises(KeyError):
        imported.scale_items("goi")
    visit = imported.record_historical_assessment(
        db.session, program=world.program_a, team=world.team_a, scale_key="imr_fidelity", scale_version="3-24-05",
        format="group", visit_date=date(2024, 5, 1), ratings=dict(enumerate(GROUP_A, start=1)), note="From paper")
    db.session.commit()
    assert (visit.status, visit.band, visit.team_id) == ("final", "high", world.team_a.id)
    assert visit.summary_score == pytest.approx(54 / 13) and visit.finalized_at is not None
    assert consensus_rows(visit)[12] == 2
    with pytest.raises(ValueError, match="not applicable is not allowed"):
        imported.record_historical_assessment(
            db.session, program=world.program_a, team=None, scale_key="imr_fidelity", scale_version="3-24-05",
            format="group", visit_date=date(2024, 5, 1), ratings={**dict(enumerate(GROUP_A, start=1)), 2: None})
    with pytest.raises(ValueError, match="Unrated items: 13"):
        imported.record_historical_assessment(
            db.session, program=world.program_a, team=None, scale_key="imr_fidelity", scale_version="3-24-05",
            format="group", visit_date=date(2024, 5, 1), ratings=dict(enumerate(GROUP_A[:12], start=1)))
    db.session.rollback()
    assert db.session.scalars(select(Assessment)).all() == [visit]
