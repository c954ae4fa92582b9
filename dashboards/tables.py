"""The numbers behind each chart as tables: the table view on the page and the CSV/.xlsx downloads are the same rows."""
from dataclasses import dataclass, field
from datetime import date
from numbers import Number

from markupsafe import Markup, escape

from date_text import day
from models import MODULE_NOT_RECORDED, MODULES

SUPPRESSED = "n<5"  # shown where a small group's percentage is withheld
P_VALUE = "p"  # a Table.digits entry: a p value in words, APA style (.004, < .001)


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    header: list
    rows: list
    digits: dict = field(default_factory=dict)  # {column: decimals the page shows} where not 1; files keep all


def _pct(value, row):
    """A percentage, or the suppression mark where a small group's percentage is withheld."""
    return SUPPRESSED if value is None and row.get("suppressed") else value


def _day(iso):
    """A date cell: a date, so .xlsx stores a date and the page writes it as the pages write dates."""
    return date.fromisoformat(iso) if iso else None


def _yes_no(value):
    return {True: "yes", False: "no"}.get(value)


def _summary_cells(s):
    return [s["listed"], s["counted"], s["engaged"], _pct(s["pct_engaged"], s), s["any_participation"],
            _pct(s["pct_any"], s), s["mean_attended"], s["sd_attended"], s["mean_modules"], s["sd_modules"],
            s["median_days_to_first"], s["n_days_to_first"], s["n_not_yet_attended"],
            s["waiting_first_session"]["n"], s["waiting_first_session"]["longest_wait_days"]]


SUMMARY_HEADER = ["Enrolled in window", "With sessions offered", "Engaged", "Engaged (%)", "Any participation",
                  "Any participation (%)", "Sessions attended: mean", "Sessions attended: SD",
                  "Modules completed: mean", "Modules completed: SD", "Median days to first session",
                  "Days to first session: n", "Offered sessions, none attended yet", "Waiting for a first session",
                  "Longest wait for a first session (days)"]


def participants_table(report):
    header = ["Client code", "Team", "Sessions offered", "Sessions attended", "Exposure (%)",
              f"Over the {100 * report['threshold']:g}% line", "Modules completed", "Days to first session"]
    suppressed = report["summary"]["suppressed"]
    rows = [[p["client_code"], p["team"], p["offered"], p["attended"],
             SUPPRESSED if suppressed and p["offered"] else p["exposure_pct"], _yes_no(p["engaged"]),
             p["modules_completed"], p["days_to_first"]] for p in report["participants"]]
    return Table("participants", "Exposure per participant", header, rows)


def trend_table(report):
    header = ["Month", "With sessions offered", "Engaged", "Engaged (%)", "Any participation", "Any participation (%)",
              "Fidelity visits"]
    rows = [[t["month"], t["counted"], t["engaged"], _pct(t["pct_engaged"], t), t["any_participation"],
             _pct(t["pct_any"], t), _days(t["fidelity_visits"])] for t in report["trend"]]
    return Table("trend", "Engagement by month", header, rows)


def _days(isos):
    """Several dates in one cell: a tuple the page shows as 5 Dec 2025, 26 Jun 2026 (files: ISO, see downloads)."""
    return tuple(map(_day, isos))


def _band(report, key):
    """A band's name on the headline scale (its key only when no version of the scale has it)."""
    if key is None:
        return None
    scale = report["fidelity_scale"]
    return next((b["label"] for b in scale["bands"] + scale["earlier_bands"] if b["key"] == key), key)


def fidelity_table(report):
    title = report["fidelity_scale"]["title"]
    header = ["Visit date", "Rated", f"{title} score", "Band"]
    rows = [[_day(v["visit_date"]), v["team"], v["summary_score"], _band(report, v["band"])]
            for v in report["fidelity_visits"]]
    return Table("fidelity", f"{title} visits in the window", header, rows, digits={2: 2})


def goals_table(report):
    """The goals panel's numbers per team (and for all, on a program page)."""
    g = report["goals"]
    header = ["Team", "Attended 4+ sessions", "Goal set by the 4th session", "Goal set by the 4th session (%)",
              f"Attended in the last {g['days']} days", f"Goal reviewed in the last {g['days']} days",
              f"Goal reviewed in the last {g['days']} days (%)"]
    rows = [[r["name"], r["with_4_sessions"], r["goal_by_4th"], _pct(r["pct_goal_by_4th"], r), r["recent_attenders"],
             r["reviewed"], _pct(r["pct_reviewed"], r)] for r in g["teams"]]
    if len(g["teams"]) > 1:
        t = g["total"]
        rows.append(["Whole program", t["with_4_sessions"], t["goal_by_4th"], _pct(t["pct_goal_by_4th"], t),
                     t["recent_attenders"], t["reviewed"], _pct(t["pct_reviewed"], t)])
    return Table("goals", "Goal tracking", header, rows)


def program_tables(report):
    """Every table of the program dashboard, keyed by name."""
    fresh = report["freshness"]
    teams = Table("teams", "Engagement by team", ["Team", "Format"] + SUMMARY_HEADER
                  + ["Newest session recorded", f"No sessions uploaded in the last {fresh['stale_days']} days"],
                  [[t["name"], t["format"]] + _summary_cells(t)
                   + [_day(t["latest_session"]), _yes_no(t["no_recent_sessions"])]
                   for t in report["teams"]]
                  + [["Whole program", ""] + _summary_cells(report["summary"])
                     + [_day(fresh["latest_session"]), _yes_no(bool(fresh["teams_without_recent_sessions"]))]])
    unknown = report.get("sessions_without_module")  # a column only when some session has no module
    modules = Table("modules", "Sessions held per IMR module, by team",
                    ["Team"] + [f"{m} {name}" for m, name in MODULES.items()] + ["Modules delivered"]
                    + ([MODULE_NOT_RECORDED.capitalize()] if unknown else []),
                    [[m["team"]] + m["sessions"] + [m["modules"]] + ([m["without_module"]] if unknown else [])
                     for m in report["modules_delivered"]])
    comparison = Table("comparison", "Team comparison (one-way ANOVA)",
                       ["Measure", "F", "df between", "df within", "p", "What it means"],
                       [[c["measure"], c["f"], c["df_between"], c["df_within"], c["p"], c["sentence"]]
                        for c in report["comparison"]], digits={1: 2, 4: P_VALUE})
    tables = [teams, participants_table(report), trend_table(report), modules, comparison, fidelity_table(report),
              goals_table(report)]
    return {t.key: t for t in tables}


def team_tables(report):
    """Every table of the team dashboard, keyed by name."""
    summary = Table("summary", "Team summary", SUMMARY_HEADER, [_summary_cells(report["summary"])])
    unknown = report.get("sessions_without_module")
    modules = Table("modules", "Sessions held per IMR module", ["Module", "Name", "Sessions held"],
                    [[m["module"], m["name"], m["sessions"]] for m in report["modules_delivered"]]
                    + ([["", MODULE_NOT_RECORDED, unknown]] if unknown else []))
    follow = report["under_the_line"]
    under = participants_table({**report, "participants": follow})
    under = Table("under_the_line", f"Participants at or under the {100 * report['threshold']:g}% line",
                  under.header + ["Last attended", "Sessions missed in a row"],
                  [row + [_day(p["last_attended"]), p["missed_in_a_row"]] for row, p in zip(under.rows, follow)])
    tables = [summary, participants_table(report), under, trend_table(report), modules, fidelity_table(report),
              goals_table(report)]
    return {t.key: t for t in tables}


def overview_tables(report):
    """Every table of the state overview, keyed by name."""
    title = report["fidelity_scale"]["title"]
    programs = Table("programs", "Programs ranked by participants engaged",
                     ["Program", "Agency", "Rank", "With sessions offered", "Engaged", "Engaged (%)",
                      "Any participation (%)", "Mean sessions attended", "Target (%)", f"Latest {title} visit",
                      f"{title} score", "Fidelity band"],
                     [[p["name"], p["agency_code"], p["rank"], p["counted"], p["engaged"], _pct(p["pct_engaged"], p),
                       _pct(p["pct_any"], p), p["mean_attended"], p["engagement_target_pct"], _day(p["fidelity_visit"]),
                       p["fidelity_score"], _band(report, p["fidelity_band"])] for p in report["programs"]],
                     digits={10: 2})
    agencies = Table("agencies", "Agencies", ["Agency", "Code", "Programs", "With sessions offered", "Engaged",
                                              "Engaged (%)", "Any participation (%)"],
                     [[a["name"], a["code"], a["programs"], a["counted"], a["engaged"], _pct(a["pct_engaged"], a),
                       _pct(a["pct_any"], a)] for a in report["agencies"]])
    scatter = Table("scatter", f"{title} score and participants engaged",
                    ["Program", "Agency", f"{title} score", "Fidelity band", "Engaged (%)"],
                    [[p["name"], p["agency_code"], p["fidelity_score"], _band(report, p["fidelity_band"]),
                      p["pct_engaged"]]
                     for p in report["programs"] if p["fidelity_score"] is not None and p["pct_engaged"] is not None],
                    digits={2: 2})
    return {t.key: t for t in (programs, agencies, scatter)}


# --- The table view as HTML ---------------------------------------------------------------------------

# The most decimals a number gets to tell it from the whole number it rounds to: a share of up to a million
# people that is not whole differs from every whole number by at least 0.0001 (percent).
MOST_DIGITS = 6


def shown(value, digits=1):
    """A number as a page shows it: rounded (one decimal unless told), no trailing zeros; p values APA style.

    A number that is not whole never reads as a whole one: 49.96% engaged against a 50% target (or a fidelity
    score of 3.996 against "4.0 and above is high") was shown as "50" (or "4"), on the other side of the line it
    is drawn against. It gets the decimals that tell it apart ("49.96").
    """
    if digits == P_VALUE:
        return "< .001" if value < 0.001 else f"{value:.3f}".replace("0.", ".", 1)
    text = f"{value:.{digits}f}"
    if text[-1] == "0" and digits and value != round(value):  # the last digit first: most texts stop there
        while text.rstrip("0").endswith(".") and digits < MOST_DIGITS:
            digits += 1
            text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def cell_text(value, digits=1):
    """A table cell or figure on a page: numbers rounded for reading, dates as 1 Dec 2025, nothing as a dash."""
    if value is None:
        return "—"
    if isinstance(value, date):
        return day(value)
    if isinstance(value, tuple):
        return ", ".join(day(d) for d in value)
    return shown(value, digits) if isinstance(value, float) else value


_NOTHING = f"<td>{escape(cell_text(None))}</td>"  # an empty cell, the same on every row


def _escape(text):
    """markupsafe.escape's text without making a Markup of it: a table view escapes thousands of cells."""
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;")
            .replace('"', "&#34;"))


def _other_cell(value):
    """A <td> for what is not a number or text: a date, a Decimal, a yes/no."""
    text = escape(cell_text(value))
    if isinstance(value, date):
        return f'<td class="date" data-sort="{value.isoformat()}">{text}</td>'
    return f'<td class="num">{text}</td>' if isinstance(value, Number) else f"<td>{text}</td>"


def rows_html(table, links=None):
    """The body rows of a table view; `links`: URLs for the first cell of each row (a shorter list leaves
    later rows unlinked).

    Built here rather than in a Jinja loop: a program page shows about 3,000 cells, and a Jinja loop spent
    more time on them than the page's queries other than the main one. The common cells are written in the
    loop, without a call each (the overview's 7,000 cells: 0.7x the time of a function per cell).
    """
    if not table.rows:
        return Markup(f'<tr><td colspan="{len(table.header)}" class="muted">No rows in this window.</td></tr>')
    links = links or ()
    digits = [table.digits.get(column, 1) for column in range(1, len(table.header))]
    escaped = {}  # {text: its escaped form}: a table repeats few texts
    out = []
    for i, row in enumerate(table.rows):
        first = row[0]
        first = _escape(first) if type(first) is str else escape(cell_text(first))
        if i < len(links) and links[i]:
            first = f'<a href="{_escape(links[i])}">{first}</a>'
        cells = [f'<tr><th scope="row">{first}</th>']
        for value, places in zip(row[1:], digits):
            kind = type(value)
            if kind is int:  # numbers hold nothing to escape
                cells.append(f'<td class="num">{value}</td>')
            elif kind is float:
                cells.append(f'<td class="num">{shown(value, places)}</td>')
            elif kind is str:
                text = escaped.get(value)
                if text is None:
                    text = escaped[value] = _escape(value)
                cells.append(f"<td>{text}</td>")
            elif value is None:
                cells.append(_NOTHING)
            else:
                cells.append(_other_cell(value))
        cells.append("</tr>")
        out.append("".join(cells))
    return Markup("\n".join(out))
