"""Who is still waiting: participants enrolled but offered no session yet, and those not yet at a first session.

DESIGN.md leaves participants offered nothing out of percentages; a manager still needs to see them, or nine
new roster rows look like nothing at all (and their longest wait is the number that predicts drop-out).
"""
import local_day


def as_of(window, today=None):
    """The day waits are measured to: the window's end, or today when the window runs on into the future."""
    return min(window.end, today or local_day.today())


def waiting_json(pairs, day):
    """Counts for [(Enrolment, Measures)] that split the listed: offered sessions and attended one (the n of days
    to first session), offered sessions and attended none yet, offered none yet (with the longest wait).

    A wait runs from referral (start where no referral is known, as days to first session does) to `day`.
    """
    not_attended = [person for person, m in pairs if m.counted and m.first_attended is None]
    unoffered = [person for person, m in pairs if not m.counted]
    waits = [max(0, (day - (p.referral_date or p.start_date)).days) for p in unoffered]
    return {"n_not_yet_attended": len(not_attended),
            "waiting_first_session": {"n": len(unoffered), "longest_wait_days": max(waits) if waits else None}}
