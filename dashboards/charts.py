"""The charts of each page: figure, plain-language caption and the table that says the same for screen readers."""
from dataclasses import dataclass

from dashboards import figures
from dashboards.tables import overview_tables, program_tables, shown, team_tables
from models import MODULES
from scoring.fidelity import band_edge


@dataclass(frozen=True)
class Chart:
    key: str
    figure_json: str | None  # None: no figure (too few participants for percentages); the table stands alone
    caption: str
    table: object
    legend: tuple = ()  # [{label, swatch}] of what the figure draws, shown below it (figures.py says why)


# Said under a chart whose every value was withheld: an empty frame with only a target line read as a broken page.
NOTHING_DRAWN = (" No chart is drawn: nothing in this window has enough participants for a percentage; the counts "
                 "are in the table view.")


def _chart(key, fig, caption, table):
    """A Chart from a figure dict (None: no figure). A figure left with no trace (every percentage withheld for a
    small group) is not drawn, and its caption says why."""
    if fig is None:
        return Chart(key, None, caption, table)
    if not fig["data"]:
        return Chart(key, None, caption + NOTHING_DRAWN, table)
    return Chart(key, figures.to_script_json(fig), caption, table, tuple(figures.legend(fig)))


def _line_pct(report):
    return 100 * report["threshold"]


def _exposure(report, tables):
    line = _line_pct(report)
    counted = [p for p in report["participants"] if p["exposure_pct"] is not None]
    s = report["summary"]
    figure = (figures.exposure_bars([p["client_code"] for p in counted], [p["exposure_pct"] for p in counted], line)
              if counted else None)
    if s["pct_engaged"] is None:
        caption = (f"{s['engaged']} of {s['counted']} participants offered sessions attended more than {line:g}% of "
                   f"them. With fewer than {report['small_group_min']} participants no percentages are shown.")
    else:
        caption = (f"Each bar is one participant: the share of the sessions offered to them that they attended. "
                   f"The dashed line marks {line:g}%; bars above it (blue) are engaged. {s['engaged']} of "
                   f"{s['counted']} participants ({shown(s['pct_engaged'])}%) are above the line.")
    return _chart("participants", figure, caption, tables["participants"])


def _trend(report, tables):
    trend = report["trend"]
    visits = [(v["visit_date"], v["summary_score"], v["band"]) for v in report["fidelity_visits"]]
    scale = report["fidelity_scale"]
    figure = figures.trend_lines([t["from"][:8] + "01" for t in trend], [t["pct_engaged"] for t in trend],
                                 [t["pct_any"] for t in trend], report["engagement_target_pct"], visits, scale)
    caption = ("Each month counts the participants offered sessions that month: the solid line is the share who "
               "attended more than half of them, the dotted line the share who attended at least once. Months "
               f"with fewer than {report['small_group_min']} participants show no point. Diamonds mark "
               f"{scale['title']} visits (score on the right axis), so a change in fidelity can be seen against the "
               "engagement that followed.")
    if not visits:
        caption += f" There was no final {scale['title']} visit in this window."
    return _chart("trend", figure, caption, tables["trend"])


def _goals(report, tables):
    g = report["goals"]
    shown = [r for r in g["teams"] if r["pct_goal_by_4th"] is not None or r["pct_reviewed"] is not None]
    labels = ("Goal set by the 4th session attended", f"Goal reviewed in the last {g['days']} days")
    figure = figures.goal_bars([r["name"] for r in shown], [r["pct_goal_by_4th"] for r in shown],
                               [r["pct_reviewed"] for r in shown], labels) if shown else None
    caption = ("Among participants who attended at least 4 sessions, the share whose first long-term goal was set by "
               f"their 4th session attended; among those who attended in the last {g['days']} days of the window, "
               "the share with a goal reviewed in those days (from goal tracking imports). Teams with fewer than "
               f"{report['small_group_min']} such participants show counts but no percentages.")
    return _chart("goals", figure, caption, tables["goals"])


def program_charts(report):
    tables = program_tables(report)
    teams = report["teams"]
    target = report["engagement_target_pct"]
    names = [t["name"] if t["pct_engaged"] is not None else f"{t['name']} (n<{report['small_group_min']})"
             for t in teams]
    bars = figures.team_bars(names, [t["pct_engaged"] for t in teams], target)
    short = [t["name"] for t in teams if t["pct_engaged"] is not None and t["pct_engaged"] < target]
    caption = (f"Each bar is the share of a team's participants who attended more than half of the sessions offered "
               f"to them. The dashed line is the program's target of {target:g}%. Blue bars reach the target, "
               f"orange bars fall short" + (f" ({', '.join(short)})" if short else "") + ". Teams with fewer than "
               f"{report['small_group_min']} participants offered sessions show no bar.")
    modules = report["modules_delivered"]
    heatmap = figures.modules_heatmap([m["team"] for m in modules], [m["sessions"] for m in modules],
                                      list(MODULES.values()))
    heat_caption = ("Each cell counts the sessions a team held on one IMR module in the window; empty cells are "
                    "modules the team did not cover. The full curriculum has 11 modules." + left_out(report))
    return [_chart("teams", bars, caption, tables["teams"]),
            _exposure(report, tables), _trend(report, tables),
            _chart("modules", heatmap, heat_caption, tables["modules"]),
            _goals(report, tables)], tables


def left_out(report):
    """What the module figures could not use: sessions whose module was not recorded."""
    n = report.get("sessions_without_module")
    return (f" {n} session{'s' if n != 1 else ''} without a module {'were' if n != 1 else 'was'} left out of the "
            "module figures (modules completed too).") if n else ""


def team_charts(report):
    tables = team_tables(report)
    modules = report["modules_delivered"]
    bars = figures.module_bars([m["name"] for m in modules], [m["sessions"] for m in modules])
    missing = [str(m["module"]) for m in modules if not m["sessions"]]
    caption = ("Sessions the team held on each IMR module in the window. " +
               (f"Modules not covered: {', '.join(missing)}." if missing else "Every module was covered.")
               + left_out(report))
    return [_exposure(report, tables), _trend(report, tables),
            _chart("modules", bars, caption, tables["modules"]),
            _goals(report, tables)], tables


def _programs(n):
    return f"{n} program{'' if n == 1 else 's'}"


def overview_charts(report):
    tables = overview_tables(report)
    ranked = [p for p in report["programs"] if p["pct_engaged"] is not None]
    labels = [f"{p['name']} ({p['agency_code']})" for p in ranked]
    scale = report["fidelity_scale"]
    ranking = figures.program_ranking(labels, [p["pct_engaged"] for p in ranked],
                                      [p["fidelity_band"] for p in ranked], scale)
    withheld = len(report["programs"]) - len(ranked)
    top, bottom = figures.ranking_cut(len(ranked))
    caption = ("Programs ordered by the share of their participants who attended more than half of the sessions "
               f"offered to them; the colour is the band of the program's latest {scale['title']} visit up to the "
               "end of the window.")
    if bottom:
        caption += (f" The chart draws the {top} highest and the {bottom} lowest of the {len(ranked)} programs; "
                    "the table lists every one, ranked.")
    if withheld:
        caption += (f" {_programs(withheld)} with fewer than {report['small_group_min']} participants offered "
                    f"sessions {'is' if withheld == 1 else 'are'} listed in the table only.")
    points = [p for p in ranked if p["fidelity_score"] is not None]
    scatter = figures.fidelity_scatter([f"{p['name']} ({p['agency_code']})" for p in points],
                                       [p["fidelity_score"] for p in points], [p["pct_engaged"] for p in points],
                                       [p["fidelity_band"] for p in points], scale)
    high = next(b["label"] for b in scale["bands"] if b["key"] == scale["high_band"])
    scatter_caption = (f"Each point is a program: its latest {scale['title']} score ({scale['rating_range'][0]}-"
                       f"{scale['rating_range'][1]}; {band_edge(scale['high_from'])} and above is {high.lower()}) "
                       "against the share of its participants engaged. Points to the upper right "
                       "run IMR as designed and keep participants coming. "
                       f"{len(points)} of {_programs(len(ranked))} with percentages "
                       f"{'has' if len(points) == 1 else 'have'} a fidelity score.")
    return [_chart("programs", ranking, caption, tables["programs"]),
            _chart("scatter", scatter if points else None, scatter_caption, tables["scatter"])], tables
