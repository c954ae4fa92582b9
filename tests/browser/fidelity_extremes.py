"""Fidelity pages as full as a busy program makes them, for the layout walk (test_pages_layout_browser.py): a team
with a year of 16-item IT-IS group visits (its history a wide item table), rated by an account with a long address,
and a final visit amended three times with long reasons (two ratings and its date), which also sends notices."""
from datetime import date, timedelta

from sqlalchemy import select

from extensions import db
from fidelity.consensus.operations import amend, amend_visit_date
from fidelity.models import Assessment
from models import Program, Team, User
from tests.browser.axe_world import ROLE_ACCOUNTS, AxeWorld
from tests.factories import make_user
from tests.fidelity.factories import make_final

LONG_RATER = "first.middle-double-barrelled.lastname@northern-catchment-community-mental-health.example.org"
IT_IS_ITEMS = 16  # the IT-IS group format: the most items a visit has
REASON = ("The relapse prevention plans were found in the charts after the visit, signed by the client and "
          "the practitioner, so the consensus rating understated what the team does.")


def add_fidelity_extremes(world: AxeWorld) -> None:
    """Add the visits and amendments; their ids join world.ids["assessment_id"]. Call inside an app context."""
    team = db.session.get(Team, world.ids["team_id"][0])
    program = db.session.get(Program, team.program_id)
    trainer = db.session.scalar(select(User).where(User.email == ROLE_ACCOUNTS["trainer"]))
    long_rater = make_user(LONG_RATER, "trainer")
    it_is = [make_final(program, [(n + month) % 5 + 1 for n in range(IT_IS_ITEMS)], team=team, scale_key="it_is",
                        visit_date=date(2026, month, 9), raters=[trainer, long_rater])
             for month in (1, 4, 7, 10)]
    final = db.session.get(Assessment, world.states["final"])
    for item in (2, 7):
        value = next(c.value for c in final.consensus if c.item_number == item) or 3
        amend(final, item, value % 5 + 1, False, REASON, trainer)
    amend_visit_date(final, final.visit_date - timedelta(days=1), "The visit ran over two days; the first counts.",
                     trainer)
    world.ids["assessment_id"] += [a.id for a in it_is]
    db.session.remove()
