"""Historical ratings on a state scale version rated on its own range (0-4, 1-7), not the shipped 1-5."""
from datetime import date

import pytest
from sqlalchemy import delete, func, select

from extensions import db
from fidelity.models import Assessment, ConsensusRating
from fidelity.scales.definition import SCALES_DIR
from tests.fidelity.scale_files import other_range
from tests.imports import workbooks as wbk
from tests.imports.conftest import table_counts

HEADER = ["Program", "Team", "Scale", "Format", "Visit date", "Scale version", *[f"Item {n}" for n in range(1, 14)]]


def _state_scale(app, tmp_path, low, high):
    version = f"state-{low}-{high}"
    (tmp_path / "state.toml").write_text(other_range((SCALES_DIR / "imr_fidelity-3-24-05.toml").read_text(),
                                                     low, high, version))
    app.config["FIDELITY_SCALES_DIR"] = str(tmp_path)
    return version


@pytest.mark.parametrize("low, high", [(0, 4), (1, 7)])
def test_a_state_range_imports_end_to_end(app, client, auth, world, run_import, tmp_path, low, high):
    version = _state_scale(app, tmp_path, low, high)
    ratings = [low, high, *[high - 1] * 11]  # both ends of the range, outside 1-5 at one of them
    row = ["Alpha IMR", None, "imr_fidelity", "group", date(2026, 3, 2), version, *ratings]
    batch = run_import(wbk.xlsx({"Ratings": [HEADER, row]}), "fidelity_history", world.agency_a)
    assert batch.status == "committed", [p.message for p in batch.problems]
    [visit] = db.session.scalars(select(Assessment)).all()
    assert (visit.scale_version, visit.status) == (version, "final")
    assert round(visit.summary_score, 4) == round(sum(ratings) / 13, 4)
    stored = db.session.scalars(select(ConsensusRating.value).where(ConsensusRating.assessment_id == visit.id)
                                .order_by(ConsensusRating.item_number)).all()
    assert stored == ratings
    auth.login(world.users["trainer"])
    page = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    assert f'<span id="summary-sum">{sum(ratings)}</span> (possible {13 * low}-{13 * high})' in page


@pytest.mark.parametrize("low, high, outside", [(0, 4, 5), (1, 7, 8), (1, 7, 0), (0, 4, -1)])
def test_a_rating_outside_the_state_range_names_that_range(sqlite_app, sqlite_world, run_import_sqlite, tmp_path,
                                                           low, high, outside):
    version = _state_scale(sqlite_app, tmp_path, low, high)
    row = ["Alpha IMR", None, "imr_fidelity", "group", date(2026, 3, 2), version, outside, *[high] * 12]
    before = table_counts()
    batch = run_import_sqlite(wbk.xlsx({"Ratings": [HEADER, row]}), "fidelity_history", sqlite_world.agency_a)
    [problem] = batch.problems
    assert (problem.sheet_row, problem.sheet_column, problem.rule) == (2, "G (Item 1)", "rating.invalid")
    assert problem.message == (f"Item 1 (Number of people in a session or group) is rated {low} to {high} on the "
                               f"IMR Fidelity Scale; {outside} is outside that range.")
    assert batch.status == "rejected" and table_counts() == before


def test_a_rating_that_is_not_a_whole_number_is_refused_in_plain_words(sqlite_world, run_import_sqlite):
    row = ["Alpha IMR", None, "imr_fidelity", "group", date(2026, 3, 2), None, 3.5, *[4] * 12]
    batch = run_import_sqlite(wbk.xlsx({"Ratings": [HEADER, row]}), "fidelity_history", sqlite_world.agency_a)
    assert [(p.sheet_column, p.rule, p.message) for p in batch.problems] == [(
        "G (Item 1)", "rating.invalid", "Item 1 must be a whole-number rating on the scale's range (or NA where "
                                         "the scale allows it); '3.5' is not.")]  # once: not also "needs a rating"
    assert batch.status == "rejected"


def test_the_migration_round_trip_keeps_every_rating(app, world, run_import, tmp_path, capsys):
    """0020 widens the database's check; its downgrade refuses while a rating lies outside 1-5 (it would be lost)."""
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade

    from models.cli import upgrade_database
    migrate = app.extensions["migrate"]
    below = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory)).get_revision(
        "0020_rating_points").down_revision
    version = _state_scale(app, tmp_path, 0, 4)
    row = ["Alpha IMR", None, "imr_fidelity", "group", date(2026, 3, 2), version, *[0] * 13]
    assert run_import(wbk.xlsx({"Ratings": [HEADER, row]}), "fidelity_history", world.agency_a).status == "committed"
    db.session.remove()
    with pytest.raises(SystemExit):  # Flask-Migrate logs the migration's refusal and exits
        downgrade(directory=migrate.directory, revision=below)
    assert "ratings outside 1-5" in capsys.readouterr().err
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ConsensusRating).where(ConsensusRating.value == 0)) == 13
    db.session.execute(delete(ConsensusRating))
    db.session.commit()
    db.session.remove()
    downgrade(directory=migrate.directory, revision=below)  # nothing outside 1-5 now: back to the 1-5 check
    db.session.remove()
    upgrade_database()
