"""Goal tracking imports: goals and steps linked by reference, the Rule of Sixes, reviews added, bad sheets refused."""
import gc
from datetime import date

import pytest
from sqlalchemy import func, select, text

from extensions import db
from models import Goal, GoalReview
from tests.imports import workbooks as wbk

HEADER = ["Client code", "Goal reference", "Level", "Part of", "Date set", "Target date", "Status", "Goal wording",
          "Review 1", "Review 2"]
D = date


def goals_file(rows, header=HEADER):
    return wbk.xlsx({"Goals": [header, *rows]}, text_columns="A")


SHEET = [["A000", "LT1", "Long-term goal", None, D(2026, 2, 2), None, None, None, D(2026, 2, 9), D(2026, 2, 16)],
         ["A000", "ST1", "short-term goal", "LT1", D(2026, 2, 9), D(2026, 3, 1), "achieved", None, D(2026, 2, 16), None],
         ["A000", "S1", "step", "ST1", D(2026, 2, 9), None, "active", None, None, None],
         ["A001", "LT1", "LTG", None, D(2026, 8, 31), D(2027, 1, 1), "active", None, None, None]]


def _goals():
    rows = db.session.execute(select(Goal.reference, Goal.level, Goal.date_set, Goal.target_date, Goal.status,
                                     Goal.parent_id, Goal.id).order_by(Goal.id)).all()
    return {ref_level: row for ref_level, row in ((f"{r.reference}/{r.level}", r) for r in rows)}


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_goals_steps_and_reviews_are_recorded_with_rule_of_sixes_targets(app, world, run_import):
    batch = run_import(goals_file(SHEET), "goals", world.agency_a)
    assert batch.status == "committed", (batch.message, [p.message for p in batch.problems])
    assert batch.counts["new"] == 4
    found = {(g.reference, g.level, g.participant.client_code): g for g in db.session.scalars(select(Goal))}
    long_term = found[("LT1", "long_term", "A000")]
    short = found[("ST1", "short_term", "A000")]
    step = found[("S1", "step", "A000")]
    assert long_term.target_date == D(2026, 8, 2)  # 6 months
    assert step.target_date == D(2026, 2, 15)  # 6 days
    assert (short.parent_id, step.parent_id, long_term.parent_id) == (long_term.id, short.id, None)
    assert (short.status, short.target_date, long_term.status) == ("achieved", D(2026, 3, 1), "active")
    assert [r.review_date for r in long_term.reviews] == [D(2026, 2, 9), D(2026, 2, 16)]
    assert found[("LT1", "long_term", "A001")].target_date == D(2027, 1, 1)


def test_the_preview_words_each_new_goal_and_review_with_its_row(app, world, run_import):
    batch = run_import(goals_file(SHEET[:2]), "goals", world.agency_a, commit=False)
    lines = sorted((c.action, c.record, c.subject, c.sheet, c.sheet_row, c.field, c.new_value) for c in batch.changes)
    assert lines == [
        ("new", "goal", "A000 LT1", "Goals", 2, None,
         "Long-term goal; set 2026-02-02; target 2026-08-02 (Rule of Sixes); active"),
        ("new", "goal", "A000 ST1", "Goals", 3, None,
         "Short-term goal; part of LT1; set 2026-02-09; target 2026-03-01; achieved"),
        ("new", "goal review", "A000 LT1", "Goals", 2, "Review", "2026-02-09"),
        ("new", "goal review", "A000 LT1", "Goals", 2, "Review", "2026-02-16"),
        ("new", "goal review", "A000 ST1", "Goals", 3, "Review", "2026-02-16")]
    assert _count(Goal) == 0


def test_a_new_review_is_added_and_a_re_upload_changes_nothing(app, world, run_import):
    run_import(goals_file(SHEET), "goals", world.agency_a)
    again = run_import(goals_file(SHEET), "goals", world.agency_a)
    assert (again.counts["new"], again.counts["changed"], again.counts["unchanged"]) == (0, 0, 4)
    later = [["A000", "LT1", "long-term goal", None, D(2026, 2, 2), None, "achieved", None, D(2026, 3, 2), None]]
    batch = run_import(goals_file(later), "goals", world.agency_a, commit=False)
    lines = {(c.action, c.record, c.field, c.old_value, c.new_value) for c in batch.changes}
    assert lines == {("changed", "goal", "Status", "active", "achieved"),
                     ("new", "goal review", "Review", None, "2026-03-02")}
    run_import(goals_file(later), "goals", world.agency_a)
    assert _count(GoalReview) == 4  # the earlier reviews kept, one added
    assert db.session.scalar(select(Goal.target_date).where(Goal.reference == "LT1", Goal.level == "long_term")
                             .order_by(Goal.id).limit(1)) == D(2026, 8, 2)  # blank target kept what was recorded


BAD = [
    # a step pointing to a goal that does not exist
    (["A000", "S9", "step", "ST9", D(2026, 2, 9), None, None, None, None, None], "goal.parent_unknown",
     "D (Part of)", "ST9"),
    # a step set before its short-term goal
    (["A000", "S2", "step", "ST1", D(2026, 2, 3), None, None, None, None, None], "goal.before_parent",
     "E (Date set)", "2026-02-03"),
    # a review dated before the goal was set
    (["A000", "ST2", "short-term goal", "LT1", D(2026, 2, 9), None, None, None, None, D(2026, 2, 1)],
     "goal.review_before_set", "J (Review 2)", "2026-02-01"),
    # a level the template does not know
    (["A000", "X1", "dream", None, D(2026, 2, 9), None, None, None, None, None], "choice.invalid", "C (Level)",
     "dream"),
    # a client code the agency does not have (B000 is the other agency's)
    (["B000", "LT1", "long-term goal", None, D(2026, 2, 9), None, None, None, None, None], "client.unknown",
     "A (Client code)", "B000"),
    # a step part of a long-term goal
    (["A000", "S3", "step", "LT1", D(2026, 2, 9), None, None, None, None, None], "goal.parent_level",
     "D (Part of)", "LT1"),
    (["A000", "ST3", "short-term goal", None, D(2026, 2, 9), None, None, None, None, None], "goal.parent_missing",
     "D (Part of)", None),
    (["A000", "ST4", "short-term goal", "LT1", D(2026, 2, 9), D(2026, 2, 1), None, None, None, None],
     "goal.target_order", "F (Target date)", "2026-02-01"),
    (["A000", "ST5", "short-term goal", "LT1", D(2026, 2, 9), None, None, None, D(2099, 1, 1), None],
     "date.future", "I (Review 1)", "2099-01-01"),
]


@pytest.mark.parametrize("row, rule, column, value", BAD, ids=[b[1] for b in BAD])
def test_bad_rows_are_refused_with_place_and_nothing_changes(sqlite_world, run_import_sqlite, row, rule, column,
                                                             value):
    batch = run_import_sqlite(goals_file([*SHEET, row]), "goals", sqlite_world.agency_a)
    assert batch.status == "rejected"
    assert [(p.sheet, p.sheet_row, p.sheet_column, p.value, p.rule) for p in batch.problems] == \
        [("Goals", 6, column, value, rule)]
    assert _count(Goal) == _count(GoalReview) == 0


def test_an_import_leaves_no_object_set_aside_from_the_cycle_collector(sqlite_world, run_import_sqlite):
    """The rows kept while a file is read are set aside from the collector until they are compared
    (GoalImport.take_all): a process that runs imports itself must get them all back, whatever the outcome,
    and a process that froze its own lasting heap (this one: tests/conftest.py) keeps it frozen."""
    orphan = ["A000", "S9", "step", "ST9", D(2026, 2, 9), None, None, None, None, None]  # refused at the compare
    files = [goals_file(rows) for rows in (SHEET, [*SHEET, orphan], [*SHEET, BAD[0][0]])]
    lasting = gc.get_freeze_count()
    assert lasting > 0
    for data in files:
        run_import_sqlite(data, "goals", sqlite_world.agency_a)
        assert 0 < gc.get_freeze_count() <= lasting  # still frozen, nothing of the import's added (some freed)
    gc.unfreeze()  # as in an import's child, which froze nothing
    try:
        for data in files:
            run_import_sqlite(data, "goals", sqlite_world.agency_a)
            assert gc.get_freeze_count() == 0
    finally:
        gc.freeze()


def test_a_goal_under_a_refused_goal_points_to_its_row(sqlite_world, run_import_sqlite):
    """The goal a row is part of may be in the file but refused: the row says where, not 'no goal LT1'."""
    refused = [["A000", "LT1", "Long-term goal", None, D(2026, 2, 2), D(2026, 1, 1), None, None, None, None],
               SHEET[1]]
    batch = run_import_sqlite(goals_file(refused), "goals", sqlite_world.agency_a)
    assert [(p.sheet_row, p.sheet_column, p.rule) for p in batch.problems] == [
        (2, "F (Target date)", "goal.target_order"), (3, "D (Part of)", "goal.parent_refused")]
    assert "'LT1' of 'A000' is refused on sheet 'Goals', row 2" in batch.problems[1].message
    assert _count(Goal) == 0


def test_wording_is_kept_only_where_the_agency_turned_it_on(sqlite_world, run_import_sqlite):
    world = sqlite_world
    row = [["A000", "LT1", "long-term goal", None, D(2026, 2, 2), None, None, "Get a part-time job", None, None]]
    batch = run_import_sqlite(goals_file(row), "goals", world.agency_a)
    assert batch.status == "committed"
    assert [p.rule for p in batch.problems] == ["goal.wording_not_kept"]
    assert db.session.scalar(select(Goal.wording)) is None
    world.agency_a.keep_goal_wording = True
    db.session.commit()
    batch = run_import_sqlite(goals_file(row), "goals", world.agency_a)
    assert batch.counts["changed"] == 1 and batch.problems == []
    assert db.session.scalar(select(Goal.wording)) == "Get a part-time job"


def test_a_date_set_moved_after_a_recorded_review_is_refused(sqlite_world, run_import_sqlite):
    """The reviews already recorded bind a known goal's date set as the file's own review dates do."""
    run_import_sqlite(goals_file(SHEET), "goals", sqlite_world.agency_a)
    later = [["A000", "LT1", "long-term goal", None, D(2026, 2, 10), None, None, None, None, None]]
    batch = run_import_sqlite(goals_file(later), "goals", sqlite_world.agency_a)
    assert batch.status == "rejected"
    assert [(p.sheet, p.sheet_row, p.sheet_column, p.value, p.rule) for p in batch.problems] == \
        [("Goals", 2, "E (Date set)", "2026-02-10", "goal.review_before_set")]
    assert db.session.scalar(select(Goal.date_set).where(Goal.reference == "LT1").order_by(Goal.id).limit(1)) == \
        D(2026, 2, 2)


def test_an_import_leaves_planner_statistics_of_the_goals(app, world, run_import):
    """Without statistics PostgreSQL planned the evidence panel's goal joins as nested loops over whole scans:
    15 s (a 503 on the rating page) against 55 ms at 50,000 goals. The import leaves them, as autovacuum would later."""
    batch = run_import(goals_file(SHEET), "goals", world.agency_a)
    assert batch.status == "committed", batch.message
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_stat_clear_snapshot()"))
        analysed = db.session.scalars(text("SELECT relname FROM pg_stat_user_tables WHERE relname IN "
                                           "('goal', 'goal_review') AND last_analyze IS NOT NULL")).all()
    else:
        analysed = db.session.scalars(text("SELECT tbl FROM sqlite_stat1 WHERE tbl IN ('goal', 'goal_review')")).all()
    assert {"goal", "goal_review"} <= set(analysed)


def test_a_new_goal_keeps_its_wording_and_dates_exactly(app, world, run_import):
    """New goals go in as a bulk load (PostgreSQL: COPY's binary format, dates as dates): what a clerk typed,
    accents and all, is what the page shows, and the dates are the days on the sheet."""
    world.agency_a.keep_goal_wording = True
    db.session.commit()
    wording = "Trouver un emploi à mi-temps — café ☕, 3 jours"
    rows = [["A000", "LT1", "long-term goal", None, D(2026, 2, 28), D(2026, 12, 31), None, wording, D(2026, 3, 1),
             None]]
    batch = run_import(goals_file(rows), "goals", world.agency_a)
    assert batch.status == "committed", batch.message
    goal = db.session.scalars(select(Goal)).one()
    assert (goal.wording, goal.date_set, goal.target_date) == (wording, D(2026, 2, 28), D(2026, 12, 31))
    assert [r.review_date for r in goal.reviews] == [D(2026, 3, 1)]


def test_a_part_of_in_another_case_is_the_persons_goal_of_that_name(app, world, run_import):
    recorded = [["A000", "LT1", "long-term goal", None, D(2026, 2, 2), None, None, None, None, None]]
    assert run_import(goals_file(recorded), "goals", world.agency_a).status == "committed"
    later = [["A000", "ST1", "short-term goal", "lt1", D(2026, 2, 9), None, None, None, None, None],  # recorded LT1
             ["A000", "S1", "step", "st1 ", D(2026, 2, 9), None, None, None, None, None]]  # ST1, in this file
    batch = run_import(goals_file(later), "goals", world.agency_a)
    assert batch.status == "committed", [p.message for p in batch.problems]
    goals = _goals()
    assert goals["ST1/short_term"].parent_id == goals["LT1/long_term"].id
    assert goals["S1/step"].parent_id == goals["ST1/short_term"].id


def test_a_part_of_matching_two_goals_in_other_cases_is_refused_naming_both(sqlite_world, run_import_sqlite):
    rows = [["A000", "LT1", "long-term goal", None, D(2026, 2, 2), None, None, None, None, None],
            ["A000", "lt1", "long-term goal", None, D(2026, 2, 2), None, None, None, None, None],
            ["A000", "ST1", "short-term goal", "Lt1", D(2026, 2, 9), None, None, None, None, None]]
    batch = run_import_sqlite(goals_file(rows), "goals", sqlite_world.agency_a)
    assert batch.status == "rejected"
    [problem] = batch.problems
    assert (problem.sheet, problem.sheet_row, problem.sheet_column, problem.value) == ("Goals", 4, "D (Part of)", "Lt1")
    assert "LT1 and lt1, which differ only in case" in problem.message
    assert _count(Goal) == 0
