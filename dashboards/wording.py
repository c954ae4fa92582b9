"""Plain sentences the dashboards show: the scope of a chart, what a team comparison means, why a page is empty."""

from date_text import day, moment

SIGNIFICANCE = 0.05


def window_text(window):
    return f"{day(window.start)} to {day(window.end)}"


def format_text(fmt):
    return {"group": "group IMR", "individual": "individual IMR"}.get(fmt, "group and individual IMR")


def scope_text(window, fmt, agency=None, program=None, team=None):
    """Which agency, program, team, format and window a chart covers, in one line."""
    parts = [f"Agency: {agency.name} ({agency.code})" if agency else "All agencies",
             f"Program: {program.name}" if program else "All programs",
             f"Team: {team.name}" if team else "All teams",
             f"Format: {format_text(fmt)}",
             f"Window: {window_text(window)}"]
    return " · ".join(parts)


def p_text(p):
    """APA style: p < .001, else p = .004 (no leading zero)."""
    return "p < .001" if p < 0.001 else f"p = {p:.3f}".replace("0.", ".", 1)


def anova_sentence(result, label, means):
    """One sentence on whether teams differ; means are [(team name, mean)] of the teams compared."""
    if result is None:
        return (f"Teams cannot be compared on {label} in this window: that needs at least two teams with "
                f"participants offered sessions, and some difference between participants within a team.")
    stats = f"F({result.df_between}, {result.df_within}) = {result.f:.2f}, {p_text(result.p)}"
    if result.p < SIGNIFICANCE:
        best = max(means, key=lambda m: m[1])
        worst = min(means, key=lambda m: m[1])
        return (f"The teams differ in {label} by more than chance would explain ({stats}): highest in "
                f"{best[0]} (mean {best[1]:.1f}), lowest in {worst[0]} (mean {worst[1]:.1f}).")
    return (f"The differences between teams in {label} are no larger than chance could produce ({stats}), so "
            f"this window gives no evidence that the teams differ.")


def empty_reason(window, fmt, what, has_teams, has_people, has_sessions, has_offered=True):
    """Why a dashboard has nothing to show, or None when it has."""
    kind = "" if fmt is None else f" of {format_text(fmt)}"
    if not has_teams:
        return f"This {what} has no teams yet, so there is nothing to measure."
    if not has_sessions:
        return (f"No IMR sessions{kind} were recorded for this {what} from {window_text(window)}, so there is "
                f"nothing to measure. Choose another window, or check that the session logs for this period "
                f"have been uploaded.")
    if not has_people:
        return (f"No participants{kind} were enrolled in this {what} from {window_text(window)}, so there is "
                f"nothing to measure. Check that the roster for this period has been uploaded.")
    if not has_offered:
        return (f"Sessions were held from {window_text(window)}, but none fell inside a participant's enrolment, "
                f"so no one was offered a session. Check the start and end dates in the roster.")
    return None


def freshness_text(changed_at, latest_session, stale, teams, stale_days):
    """Data as of: the last committed change, the newest session, and the teams with no recent sessions."""
    changed = (f"data last changed {moment(changed_at)} (latest import or edit)" if changed_at
               else "no import or edit recorded yet")
    newest = f"newest session recorded {day(latest_session)}" if latest_session else "no session recorded yet"
    text = f"Data as of: {changed}; {newest}."
    if stale:
        which = ", ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
        whom = "this team" if teams == 1 else f"{len(stale)} of {teams} teams ({which})"
        text += (f" No recent sessions uploaded for {whom}: none in the last {stale_days} days, so low numbers "
                 f"may be a missing upload rather than a real drop.")
    return text
