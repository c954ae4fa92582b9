"""Goal tracking rows: goals and steps identified by client code and reference; reviews only ever added.

Rows are checked one by one as they arrive (client code, dates on the row), then whole in `finish`,
since a step may come before the goal it is part of. Wording is kept only where the agency opted in.
"""
import gc
from functools import lru_cache, wraps
from itertools import chain

from sqlalchemy import select

from imports.kinds import changes, goal_write, lookups
from imports.kinds.codes import unknown_code
from imports.kinds.declarations import GOALS, MAX_REVIEWS, fields_getter
from imports.kinds.goal_write import LEVEL_ORDER
from imports.reading.cells import CLEARED
from imports.reading.problems import RecordErrors
import local_day
from models import Agency, Goal, GoalReview, Participant
from scoring.goals import LEVEL_ABOVE, LEVEL_LABELS, rule_of_sixes

REVIEW_KEYS = tuple(f"review_{n}" for n in range(1, MAX_REVIEWS + 1))
NEW_GOAL, NEW_REVIEWS = object(), object()  # preview lines worded only when the lines are read


def stored_goals(conn, agency_id):
    """{(participant id, reference): (id, level, parent id, date set, target, status, wording)} and
    {goal id: set of review dates} of an agency."""
    rows = conn.execute(select(Goal.participant_id, Goal.reference, Goal.id, Goal.level, Goal.parent_id,
                               Goal.date_set, Goal.target_date, Goal.status, Goal.wording)
                        .join(Participant, Participant.id == Goal.participant_id)
                        .where(Participant.agency_id == agency_id))
    goals = {(row[0], row[1]): tuple(row[2:]) for row in rows}
    reviews = {}
    for goal_id, day in conn.execute(select(GoalReview.goal_id, GoalReview.review_date)
                                     .join(Goal, Goal.id == GoalReview.goal_id)
                                     .join(Participant, Participant.id == Goal.participant_id)
                                     .where(Participant.agency_id == agency_id)):
        reviews.setdefault(goal_id, set()).add(day)
    return goals, reviews


def _collector_paused(method):
    """Run the method with Python's cycle collector off (as the reading of rows is, imports/operations.py).

    The plan keeps tuples for every row, which set the collector off again and again as it grows, each
    full pass walking all that is kept: 100k goals spent ~0.6 s of CPU (busy machine) of their compare and
    write in it, against ~0.1 s for the one pass after it.
    """
    @wraps(method)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return method(*args, **kwargs)
        gc.disable()
        try:
            return method(*args, **kwargs)
        finally:
            gc.enable()
    return paused


def references_in_any_case(keys):
    """{(participant id, reference case-folded): [the references so spelled]} of (participant id, reference) keys."""
    spelled = {}
    for pid, ref in sorted(keys):
        spelled.setdefault((pid, ref.casefold()), []).append(ref)
    return spelled


class GoalImport:
    def __init__(self, conn, agency_id, fields, grid=False, today=None):
        self.today = today or local_day.today()
        self.pick = fields_getter(fields, "client_code", "reference", "level", "part_of", "date_set", "target_date",
                                  "status", "wording", *REVIEW_KEYS)
        self.people = lookups.participant_ids(conn, agency_id)
        self.client_codes = self.people.keys()  # the run's CodeBook is built from them: the codes are read once
        self.keep_wording = bool(conn.scalar(select(Agency.keep_goal_wording).where(Agency.id == agency_id)))
        self.goals, self.reviews = stored_goals(conn, agency_id)
        self.ids = {goal[0]: key for key, goal in self.goals.items()}  # goal id -> (participant id, reference)
        self.rows = []  # (participant id, code, reference, level, part of, set, target, status, wording, reviews,
        #                  sheet, record)
        self.wording_warned = False
        self.refused = {}  # (participant id, reference) of a refused row -> (sheet name, row): its goals say where
        self.plan = None
        self.lines = []
        self.frozen = False  # the rows are out of the cycle collector's sight (take_all) until finish ends

    def take_all(self, records, report):
        """take() each record, then set all that is kept aside from the cycle collector (gc.freeze) until finish
        ends: the read runs with the collector off, and the first collections after it (the sheet's memory
        given back, imports/operations.py) walked the 100k rows kept, ~0.1-0.2 s of CPU, to free nothing.
        Objects set aside are still freed when nothing refers to them. Only in a process that set nothing aside
        itself (an import's child): gc.unfreeze() cannot tell ours from a server's or a test process's lasting
        heap frozen at start (deploy/gunicorn.conf.py, tests/conftest.py), and would hand all of it back."""
        take = self.take
        for sheet, record, values, bad in records:
            take(sheet, record, values, bad, report)
        if gc.get_freeze_count() == 0:
            gc.freeze()
            self.frozen = True

    def take(self, sheet, record, values, bad, report):
        code, ref, level, part_of, date_set, target, status, wording, *reviews = self.pick(values)
        person = self.people.get(code)  # the participant's id; a blank code finds no one
        reviewed = set(reviews)  # twelve review columns per row: built and cleared in C
        reviewed.discard(None)
        # Most rows break no rule: test them all in one expression, and name what is wrong only when one fails.
        if (bad or (code is not None and person is None) or (level == "long_term") != (part_of is None)
                or (target is not None and target is not CLEARED and date_set is not None and target < date_set)
                or (date_set is not None and date_set > self.today)
                or (reviewed and (max(reviewed) > self.today or (date_set is not None and min(reviewed) < date_set)))):
            if not self._refused(sheet, record, report, bad, code, person, level, part_of, date_set, target, reviews):
                if person is not None:
                    self.refused.setdefault((person, ref), (sheet.name, record[1]))
                return
        if wording is not None and not self.keep_wording:
            if not self.wording_warned:
                report.warning("goal.wording_not_kept", "Goal wording is not kept: this agency has not turned on "
                                                        "keeping goal wording (it can be personal). The rest of the "
                                                        "row is imported; the wording column is ignored.",
                               sheet.name, *sheet.where(record, "wording"), None)
                self.wording_warned = True
            wording = None
        self.rows.append((person, code, ref, level, part_of, date_set, target, status, wording, reviewed, sheet,
                          record))

    def _refused(self, sheet, record, report, bad, code, person, level, part_of, date_set, target, reviews):
        """Report each problem of a row with its column; whether the row is still good (a level left blank)."""
        error = RecordErrors(report, sheet, record, bad)

        if code is not None and person is None:
            error("client_code", code, "client.unknown", unknown_code(code))
        if level == "long_term" and part_of is not None:
            error("part_of", part_of, "goal.parent_of_long_term",
                  "A long-term goal is part of no other goal: leave Part of blank, or choose short-term goal as the "
                  "level.")
        if level in LEVEL_ABOVE and part_of is None:
            error("part_of", None, "goal.parent_missing",
                  f"A {LEVEL_LABELS[level].lower()} must say which {LEVEL_LABELS[LEVEL_ABOVE[level]].lower()} it "
                  "is part of (its reference in Part of).")
        if date_set is not None and target is not None and target is not CLEARED and target < date_set:
            error("target_date", target, "goal.target_order",
                  f"The target date {target.isoformat()} is before the date set {date_set.isoformat()}.")
        for key, day in (("date_set", date_set), *zip(REVIEW_KEYS, reviews)):
            if day is not None and day > self.today:
                error(key, day, "date.future", f"{GOALS.column(key).label} {day.isoformat()} is in the future; "
                                               "record goals and reviews once they have happened.")
        if date_set is not None:
            for key, day in zip(REVIEW_KEYS, reviews):
                if day is not None and day < date_set:
                    error(key, day, "goal.review_before_set",
                          f"The review date {day.isoformat()} is before the goal was set on {date_set.isoformat()}.")
        return not error.failed

    @_collector_paused
    def finish(self, conn, report):
        try:
            return self._compare(conn, report)
        finally:
            if self.frozen:  # back in the collector's sight, among the oldest objects
                gc.unfreeze()
                self.frozen = False

    def _compare(self, conn, report):
        stored_goals = self.goals
        # (participant id, reference) -> (level, date set) as the import leaves it
        planned = {(row[0], row[2]): (row[3], row[5]) for row in self.rows}
        good = self.rows  # when none is recorded yet and none is twice in the file (a first import)
        if stored_goals or len(planned) != len(self.rows):
            planned = {key: (goal[1], goal[3]) for key, goal in stored_goals.items()}
            by_key, good = {}, []
            for row in self.rows:
                key = (row[0], row[2])
                if key in by_key:
                    first, sheet, record = by_key[key], row[10], row[11]
                    report.error("key.duplicate", f"Goal '{row[2]}' of '{row[1]}' appears twice in the file (also "
                                                  f"sheet '{first[10].name}', row {first[11][1]}).",
                                 sheet.name, *sheet.where(record, "reference"), row[2], record)
                    continue
                by_key[key] = row
                good.append(row)
                stored = stored_goals.get(key)
                planned[key] = (row[3], row[5] or stored[3] if stored else row[5])
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        target_of = lru_cache(maxsize=None)(rule_of_sixes)  # goals set on the same day share their targets
        new = {level: [] for level in LEVEL_ORDER}  # kept by level: the write takes parents first
        changed, new_reviews, lines = [], [], []
        spelled = None  # {(participant id, reference in any case): [references]}, built if a Part of needs it
        for row in good:
            pid, code, ref, level, part_of, date_set, target, status, wording, reviews, sheet, record = row
            if level != "long_term":
                parent = planned.get((pid, part_of))  # most are right: the reasons are worded only for the others
                if parent is None:  # lt1 for LT1: the person's one goal of that name in any case is the one meant
                    spelled = spelled or references_in_any_case(planned)
                    if len(same := spelled.get((pid, part_of.casefold()), ())) == 1:
                        part_of, parent = same[0], planned[(pid, same[0])]
                if (parent is None or parent[0] != LEVEL_ABOVE[level]
                        or (parent[1] is not None and (date_set or stored_goals[(pid, ref)][3]) < parent[1])):
                    self._parent_refused(row, parent, report, same if parent is None else ())
                    continue
            stored = stored_goals.get((pid, ref))
            if stored is None:
                values = (level, part_of, date_set, target_of(level, date_set) if target is None else target,
                          status or "active", None if wording is CLEARED else wording)
                new[level].append((pid, ref, values))
                lines.append((NEW_GOAL, row, values))  # worded only if a preview asks (changes())
                if reviews:
                    added = sorted(reviews)
                    new_reviews.extend([(pid, ref, day) for day in added])
                    lines.append((NEW_REVIEWS, row, added))
                continue
            subject = f"{code} {ref}"
            old = (stored[1], self._reference(stored[2]), stored[3], stored[4], stored[5], stored[6])
            stated = (level, part_of, date_set, target, status, wording)
            values = tuple(o if s is None else (None if s is CLEARED else s) for s, o in zip(stated, old))
            if level == "long_term":  # a goal made long-term leaves the goal it was part of
                values = (level, None, *values[2:])
            earliest = min(self.reviews.get(stored[0], ()), default=None)
            if earliest is not None and earliest < values[2]:
                report.error("goal.review_before_set", f"The date set {values[2].isoformat()} is after the review "
                                                       f"of {earliest.isoformat()} already recorded for this goal.",
                             sheet.name, *sheet.where(record, "date_set"), date_set, record)
                continue
            if values[3] < values[2]:
                report.error("goal.target_order", f"The target date {values[3].isoformat()} (as recorded) is "
                                                  f"before the date set {values[2].isoformat()}: give a target "
                                                  "date on this row.",
                             sheet.name, *sheet.where(record, "date_set"), date_set, record)
                continue
            added = sorted(reviews - self.reviews.get(stored[0], set()))
            if values != old:
                counts["changed"] += 1
                changed.append((stored[0], pid, values))
                for key, before, after, said in zip(("level", "part_of", "date_set", "target_date", "status",
                                                     "wording"), old, values, stated):
                    if before != after:
                        lines.append(("changed", "goal", subject, sheet.name, record[1], GOALS.column(key).label,
                                      changes.shown(before), changes.shown(after), said is CLEARED))
            elif not added:
                counts["unchanged"] += 1
            elif added:
                counts["changed"] += 1
            for day in added:
                new_reviews.append((pid, ref, day))
            if added:
                lines.append((NEW_REVIEWS, row, added))
        self.plan = (list(chain.from_iterable(new.values())), changed, new_reviews)
        counts["new"] = len(self.plan[0])
        self.lines = lines
        return counts

    def _parent_refused(self, row, parent, report, same=()):
        """Report why a short-term goal's or step's Part of names no goal of the level above set on or before it.

        same: the person's references equal to Part of in any case (two or more when none was chosen).
        """
        pid, code, ref, level, part_of, date_set, sheet, record = (*row[:5], row[5], row[10], row[11])
        above = LEVEL_LABELS[LEVEL_ABOVE[level]].lower()
        if parent is None and (pid, part_of) in self.refused:
            name, at = self.refused[(pid, part_of)]
            report.error("goal.parent_refused", f"'{part_of}' of '{code}' is refused on sheet '{name}', row {at}: "
                                                "once it is fixed there, this row is checked with it.", sheet.name,
                         *sheet.where(record, "part_of"), part_of, record)
        elif parent is None:
            said = (f" It has {' and '.join(same)}, which differ only in case: write the one meant exactly."
                    if same else "")
            report.error("goal.parent_unknown", f"'{code}' has no goal '{part_of}' in this file or recorded: a "
                                                f"{LEVEL_LABELS[level].lower()} must be part of a {above} of the "
                                                f"same person.{said}", sheet.name, *sheet.where(record, "part_of"),
                         part_of, record)
        elif parent[0] != LEVEL_ABOVE[level]:
            report.error("goal.parent_level", f"'{part_of}' of '{code}' is a {LEVEL_LABELS[parent[0]].lower()}; a "
                                              f"{LEVEL_LABELS[level].lower()} must be part of a {above}.",
                         sheet.name, *sheet.where(record, "part_of"), part_of, record)
        else:
            day = date_set or self.goals[(pid, ref)][3]
            report.error("goal.before_parent", f"This {LEVEL_LABELS[level].lower()} is set on {day.isoformat()}, "
                                               f"before '{part_of}' was set on {parent[1].isoformat()}.",
                         sheet.name, *sheet.where(record, "date_set"), day, record)

    def _reference(self, goal_id):
        return None if goal_id is None else self.ids[goal_id][1]

    def _described(self, values, by_rule):
        level, part_of, date_set, target, status, wording = values
        parts = [LEVEL_LABELS[level]]
        if part_of:
            parts.append(f"part of {part_of}")
        parts += [f"set {date_set.isoformat()}",
                  f"target {target.isoformat()}{' (Rule of Sixes)' if by_rule else ''}", status]
        if wording:
            parts.append(f"wording: {wording}")
        return "; ".join(parts)

    def changes(self):
        """The preview's lines: (action, record, subject, sheet, row, field, old, new, cleared).

        A new goal's line is worded only here, when asked for: a direct check-and-commit never asks.
        """
        for line in self.lines:
            if line[0] is NEW_GOAL:
                _, row, values = line
                yield ("new", "goal", f"{row[1]} {row[2]}", row[10].name, row[11][1], None, None,
                       self._described(values, row[6] is None), False)
            elif line[0] is NEW_REVIEWS:
                _, row, days = line
                subject, sheet, at = f"{row[1]} {row[2]}", row[10].name, row[11][1]
                yield from (("new", "goal review", subject, sheet, at, "Review", None, day.isoformat(), False)
                            for day in days)
            else:
                yield line

    @_collector_paused
    def write(self, conn, progress=None):
        """Write the plan (imports/kinds/goal_write.py)."""
        return goal_write.write(conn, {key: goal[0] for key, goal in self.goals.items()}, self.plan, progress)
