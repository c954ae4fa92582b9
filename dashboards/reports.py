"""What a program or team dashboard shows, as plain data: the pages, the API and the downloads all use it."""
from dataclasses import dataclass

from sqlalchemy.orm import joinedload

from dashboards import alongside, goals_panel, page_queries as queries, waiting, wording
from dashboards.freshness import freshness_json, recent_since
from dashboards.queries import fidelity_facts
from models import MODULES, Program, Team
from scoring.engagement import rates, summarize
from scoring.stats import one_way_anova


# What a report reads of its program or team, to load with it (get_visible_or_404): one query, not three.
PROGRAM_PARTS = (joinedload(Program.agency), joinedload(Program.teams))
TEAM_PARTS = (joinedload(Team.program).joinedload(Program.agency),)


@dataclass(frozen=True)
class Settings:
    threshold: float = 0.5
    small_group_min: int = 5
    stale_days: int = 14  # a team whose newest session is older is marked "no recent sessions uploaded"

    @classmethod
    def from_config(cls, config):
        return cls(config["ENGAGEMENT_THRESHOLD"], config["SMALL_GROUP_MIN"], config.get("DASHBOARD_STALE_DAYS", 14))


# Reports carry full precision (the API, CSV and .xlsx are data); pages round when they show a number
# (tables.shown). Rounding here once made a p of 0.000412 leave the API as 0.0004.


def rates_json(r):
    """Counts and percentages of a group (percentages None where the group is small)."""
    return {"counted": r.counted, "engaged": r.engaged, "any_participation": r.any_participation,
            "pct_engaged": r.pct_engaged, "pct_any": r.pct_any, "suppressed": r.suppressed}


def summary_json(s, pairs, as_of):
    """A team's or program's Summary as the API and pages show it, with who is still waiting (waiting.py);
    pairs: [(Enrolment, Measures)] of its participants."""
    return {"listed": s.listed, **rates_json(s.rates),
            "mean_attended": s.mean_attended, "sd_attended": s.sd_attended,
            "mean_modules": s.mean_modules, "sd_modules": s.sd_modules,
            "median_days_to_first": s.median_days_to_first, "n_days_to_first": s.n_days_to_first,
            **waiting.waiting_json(pairs, as_of)}


def scope_json(window, fmt, agency, program=None, team=None):
    """Which agency, program, team, format and window the numbers cover."""
    return {"agency": {"id": agency.id, "code": agency.code, "name": agency.name} if agency else None,
            "program": {"id": program.id, "name": program.name} if program else None,
            "team": {"id": team.id, "name": team.name} if team else None,
            "format": fmt, "from": window.start.isoformat(), "to": window.end.isoformat(),
            "text": wording.scope_text(window, fmt, agency, program, team)}


def _participants_json(persons, measures, team_names, show_pct):
    out = []
    for person, code, _ in persons:
        m = measures[person.id]
        out.append({"id": person.id, "client_code": code, "team_id": person.team_id,
                    "team": team_names.get(person.team_id), "format": person.format,
                    "offered": m.offered, "attended": m.attended,
                    "exposure_pct": 100 * m.exposure if show_pct and m.counted else None,
                    "engaged": m.engaged, "modules_completed": m.modules_completed if m.counted else None,
                    "first_attended": m.first_attended.isoformat() if m.first_attended else None,
                    "days_to_first": m.days_to_first if m.counted else None})
    return out


def _trend_json(window, monthly, visits, settings):
    by_month = {key: rates(c, e, a, settings.small_group_min) for key, c, e, a in monthly}
    trend = []
    for key, first, last in window.months():
        r = by_month.get(key, rates(0, 0, 0, settings.small_group_min))
        trend.append({"month": f"{key // 100:04d}-{key % 100:02d}", "from": first.isoformat(), "to": last.isoformat(),
                      **rates_json(r),
                      "fidelity_visits": [v["visit_date"] for v in visits if first.isoformat() <= v["visit_date"]
                                          <= last.isoformat()]})
    return trend


def _visits_json(rows, team_names):
    return [{"visit_date": d.isoformat(), "summary_score": score, "band": band,
             "team": team_names.get(team_id, "Whole program") if team_id else "Whole program"}
            for d, score, band, team_id in rows]


def _anova_json(teams, measures_by_team, measure, label):
    groups = [[getattr(m, measure) for m in measures_by_team[t.id]] for t in teams]
    result = one_way_anova(groups)
    means = [(t.name, sum(g) / len(g)) for t, g in zip(teams, groups) if g]
    return {"measure": label,
            "f": result.f if result else None,
            "df_between": result.df_between if result else None,
            "df_within": result.df_within if result else None,
            "p": result.p if result else None,
            "sentence": wording.anova_sentence(result, label, means)}


def _follow_up(rows, extra):
    """The participants to follow up, with when they last attended and the sessions missed in a row since;
    extra: {participant id: (last attended, missed in a row)} (goals_panel.findings)."""
    return [{**p, "last_attended": extra[p["id"]][0].isoformat() if extra[p["id"]][0] else None,
             "missed_in_a_row": extra[p["id"]][1]} for p in rows]


def program_report(program, window, fmt, settings):
    """Every number of the program dashboard for one window (and format, None for both)."""
    teams = list(program.teams)
    team_names = {t.id: t.name for t in teams}
    scope = queries.Scope(tuple(team_names), fmt, window)
    grain = alongside.start(*queries.grain_statement(scope))  # the numbers' statement, sent first, run beside the rest
    persons, findings = goals_panel.people_and_findings(scope, goals_panel.review_start(window))
    delivered, found = queries.team_facts(scope, recent_since(settings.stale_days))
    visits = _visits_json(queries.fidelity_visits(program.id, window), team_names)
    measures, monthly = queries.measures_and_trend(scope, settings.threshold, persons, grain())
    as_of = waiting.as_of(window)
    pairs = [(person, measures[person.id]) for person, _, _ in persons]
    by_team = {t.id: [] for t in teams}
    for person, m in pairs:
        by_team[person.team_id].append((person, m))
    summary = summarize(measures.values(), small_group_min=settings.small_group_min)
    counted = {t.id: [m for _, m in by_team[t.id] if m.counted] for t in teams}
    fresh = freshness_json([(t.id, t.name) for t in teams], settings.stale_days, found=found)
    fresh_by_team = {row["id"]: row for row in fresh["teams"]}
    return {
        "scope": scope_json(window, fmt, program.agency, program),
        "threshold": settings.threshold, "small_group_min": settings.small_group_min,
        "engagement_target_pct": 100 * program.engagement_target,
        "summary": summary_json(summary, pairs, as_of),
        "freshness": fresh,
        "teams": [{"id": t.id, "name": t.name, "format": t.format,
                   "latest_session": fresh_by_team[t.id]["latest_session"],
                   "no_recent_sessions": fresh_by_team[t.id]["no_recent_sessions"],
                   **summary_json(summarize([m for _, m in by_team[t.id]], small_group_min=settings.small_group_min),
                                  by_team[t.id], as_of)} for t in teams],
        "participants": _participants_json(persons, measures, team_names,
                                           show_pct=summary.rates.pct_engaged is not None),
        "trend": _trend_json(window, monthly, visits, settings),
        "fidelity_visits": visits,
        "fidelity_scale": fidelity_facts(),
        "modules_delivered": [{"team_id": t.id, "team": t.name,
                               "sessions": [delivered.get((t.id, m), 0) for m in MODULES],
                               "modules": sum(1 for m in MODULES if delivered.get((t.id, m))),
                               "without_module": delivered.get((t.id, None), 0)} for t in teams],
        "sessions_without_module": sum(delivered.get((t.id, None), 0) for t in teams),
        "goals": goals_panel.goals_json(teams, scope, {p.id: p.team_id for p, _, _ in persons},
                                        settings.small_group_min, findings),
        "comparison": [_anova_json(teams, counted, "attended", "sessions attended"),
                       _anova_json(teams, counted, "modules_completed", "modules completed")],
        "empty": wording.empty_reason(window, fmt, "program", bool(teams), bool(persons), bool(delivered),
                                      summary.rates.counted > 0),
    }


def team_report(team, window, fmt, settings):
    """Every number of the team dashboard for one window."""
    program = team.program
    team_names = {team.id: team.name}
    scope = queries.Scope((team.id,), fmt, window)
    grain = alongside.start(*queries.grain_statement(scope))  # the numbers' statement, sent first, run beside the rest
    # The participants with the goals panel's findings and the follow-up list's columns, in one statement.
    persons, findings = goals_panel.people_and_findings(scope, goals_panel.review_start(window), follow_up=True)
    delivered, found = queries.team_facts(scope, recent_since(settings.stale_days))
    visits = _visits_json(queries.fidelity_visits(program.id, window, team_id=team.id), team_names)
    # What needs no number is built while the numbers' statement runs (it is the longer of the two).
    report = {
        "scope": scope_json(window, fmt, program.agency, program, team),
        "threshold": settings.threshold, "small_group_min": settings.small_group_min,
        "engagement_target_pct": 100 * program.engagement_target,
        "freshness": freshness_json([(team.id, team.name)], settings.stale_days, found=found),
        "fidelity_visits": visits,
        "fidelity_scale": fidelity_facts(),
        "modules_delivered": [{"module": m, "name": name, "sessions": delivered.get((team.id, m), 0)}
                              for m, name in MODULES.items()],
        "sessions_without_module": delivered.get((team.id, None), 0),  # left out of module figures
        "goals": goals_panel.goals_json([team], scope, {p.id: p.team_id for p, _, _ in persons},
                                        settings.small_group_min, findings),
    }
    measures, monthly = queries.measures_and_trend(scope, settings.threshold, persons, grain())
    summary = summarize(measures.values(), small_group_min=settings.small_group_min)
    pairs = [(person, measures[person.id]) for person, _, _ in persons]
    participants = _participants_json(persons, measures, team_names, show_pct=summary.rates.pct_engaged is not None)
    return {
        **report,
        "summary": summary_json(summary, pairs, waiting.as_of(window)),
        "participants": participants,
        "under_the_line": _follow_up([p for p in participants if p["engaged"] is False], findings.follow_up),
        "trend": _trend_json(window, monthly, visits, settings),
        "empty": wording.empty_reason(window, fmt, "team", True, bool(persons), bool(delivered),
                                      summary.rates.counted > 0),
    }
