"""The SQL numbers equal the pure numbers on the same data (the demo state), on SQLite and PostgreSQL."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from dashboards import page_queries, queries
from dashboards.freshness import team_freshness
from extensions import db
from models import Program
from scoring.engagement import Window, modules_delivered, monthly_rates, summarize
from tests.dashboards.pure_inputs import PureState

TODAY = date.today()


def _windows():
    year = Window(TODAY - timedelta(days=364), TODAY)
    return [
        year,  # the default shape: both edge months partial
        Window(date(TODAY.year - 1, TODAY.month, 1), date(TODAY.year, TODAY.month, 1) - timedelta(days=1)),  # whole
        Window(TODAY - timedelta(days=100), TODAY - timedelta(days=90)),  # inside one or two months
    ]


@pytest.mark.parametrize("threshold", [0.5, 0.7])
def test_participant_and_program_numbers_agree(app, demo, threshold):
    pure = PureState()
    programs = db.session.scalars(select(Program)).all()
    for window in _windows():
        overview = queries.program_counts(None, window, threshold)
        for program in programs:
            team_ids = [t.id for t in program.teams]
            scope = page_queries.Scope(tuple(team_ids), None, window)
            persons = page_queries.people(scope)
            people = [person for person, _, _ in persons]
            assert sorted(p.id for p in people) == sorted(
                p.id for p in pure.people_in(window, lambda p: p.team_id in team_ids))
            expected = pure.measures(people, window, threshold)
            got, trend = page_queries.measures_and_trend(scope, threshold, persons)
            assert got == expected, (program.name, window)
            assert summarize(got.values()) == summarize(expected.values())

            pure_trend = [(key, r.counted, r.engaged, r.any_participation)
                          for key, r in monthly_rates(people, pure.sessions_offerable_to(people), pure.statuses,
                                                      window, threshold)
                          if r.counted]
            assert trend == pure_trend, (program.name, window)

            counted = [m for m in expected.values() if m.counted]
            assert overview.get(program.id, (0, 0, 0, 0)) == (
                len(counted), sum(m.engaged for m in counted), sum(m.attended >= 1 for m in counted),
                sum(m.attended for m in counted)), (program.name, window)


def test_format_filter_and_modules_delivered_agree(app, demo):
    pure = PureState()
    window = _windows()[0]
    teams = tuple(sorted(pure.by_team.keys() | {s.team_id for s in pure.sessions}))
    for fmt in ("group", "individual"):
        scope = page_queries.Scope(teams, fmt, window)
        persons = page_queries.people(scope)
        people = [person for person, _, _ in persons]
        assert {p.format for p in people} == {fmt}
        assert page_queries.measures_and_trend(scope, 0.5, persons)[0] == pure.measures(people, window)
    for fmt, held in ((None, pure.sessions), ("group", [s for s in pure.sessions if s.participant_id is None]),
                      ("individual", [s for s in pure.sessions if s.participant_id is not None])):
        since = window.end - timedelta(days=14)
        delivered, fresh = page_queries.team_facts(page_queries.Scope(teams + (999,), fmt, window), since)
        assert delivered == modules_delivered(held, window), fmt
        assert fresh == team_freshness(teams + (999,), since), fmt  # a team with no sessions (or none at all) too
