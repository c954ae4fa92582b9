"""Data as of: each team's newest session is kept beside its last change (summaries.stamp), and the block still
equals the live max(session_date) after an import, after the newest session is deleted, for a team never
stamped, and across migration 0025. Both databases."""
from datetime import date

from alembic.script import ScriptDirectory
from flask_migrate import downgrade
from sqlalchemy import delete, func, select, text

from dashboards.freshness import freshness_json, programs_freshness_json
from dashboards.models import TeamDataChange
from extensions import db
from imports import operations
from models import Program, Session, Team
from models.cli import upgrade_database
from tests.imports import workbooks as wbk


def _live():
    """{team name: its newest session date, read from the sessions themselves}."""
    newest = dict(db.session.execute(select(Session.team_id, func.max(Session.session_date))
                                     .group_by(Session.team_id)).all())
    return {name: newest.get(team_id) for team_id, name in db.session.execute(select(Team.id, Team.name))}


def _as_of():
    """{team name: newest session date} as the dashboards' freshness block reads it, by team and by program
    (and the overview page's block, which the database sums, says the same)."""
    teams = db.session.execute(select(Team.id, Team.name)).all()
    by_team = {t["name"]: t["latest_session"] for t in freshness_json(teams, 14)["teams"]}
    listed = programs_freshness_json(select(Program.id), 14)
    by_program = {t["name"]: t["latest_session"] for t in listed.pop("teams")}
    assert by_team == by_program
    assert programs_freshness_json(select(Program.id), 14, per_team=False) == listed  # the page's, summed in SQL
    return {name: date.fromisoformat(day) if day else None for name, day in by_team.items()}


def _kept(team):
    return db.session.scalar(select(TeamDataChange.newest_session).where(TeamDataChange.team_id == team.id))


def test_an_import_moves_the_newest_session_forward(app, scenario):
    app.config["IMPORTS_IN_BACKGROUND"] = False
    data = wbk.grid("Alpha group", [date(2026, 3, 2), date(2026, 3, 9)], [3, 3], [["A000", "Y", "N"]])
    batch = operations.run(operations.create_batch(scenario.world.agency_a, "attendance_grid", "grid.xlsx", data).id,
                           commit=True)
    assert batch.status == "committed", batch.message
    db.session.expire_all()
    assert _kept(scenario.group) == date(2026, 3, 9)  # written by the import's stamp, not sought by the block
    assert _as_of() == _live() and _as_of()["Alpha group"] == date(2026, 3, 9)


def test_deleting_the_newest_session_moves_it_back(scenario):
    newest = db.session.scalar(select(Session).where(Session.team_id == scenario.group.id)
                               .order_by(Session.session_date.desc()).limit(1))
    assert newest.session_date == date(2026, 2, 23) == _as_of()["Alpha group"]
    db.session.delete(newest)
    db.session.commit()
    assert _kept(scenario.group) == date(2026, 2, 16)
    assert _as_of() == _live() and _as_of()["Alpha group"] == date(2026, 2, 16)
    for session in db.session.scalars(select(Session).where(Session.team_id == scenario.caseload.id)):
        db.session.delete(session)  # every session gone: none, not the last one kept
    db.session.commit()
    assert _as_of()["Alpha caseload"] is None and _kept(scenario.caseload) is None


def test_a_team_never_stamped_is_sought(scenario):
    db.session.execute(delete(TeamDataChange).where(TeamDataChange.team_id == scenario.group.id))
    db.session.commit()
    assert _as_of() == _live() and _as_of()["Alpha group"] == date(2026, 2, 23)


def test_the_migration_fills_the_newest_session_of_every_stamped_team(app, scenario):
    stamped = {t for t, in db.session.execute(select(TeamDataChange.team_id))}
    assert scenario.group.id in stamped
    db.session.close()
    migrate = app.extensions["migrate"]
    below = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory)).get_revision(
        "0025_team_newest_session").down_revision
    downgrade(directory=migrate.directory, revision=below)
    columns = db.session.execute(text("SELECT * FROM team_data_change")).keys()
    assert "newest_session" not in columns
    db.session.close()
    upgrade_database()  # forward again, with the stamped rows in place
    kept = dict(db.session.execute(select(TeamDataChange.team_id, TeamDataChange.newest_session)).all())
    assert set(kept) == stamped and kept[scenario.group.id] == date(2026, 2, 23)
    assert _as_of() == _live()
