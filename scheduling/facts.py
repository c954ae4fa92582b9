"""What the program page shows about the next fidelity visit (registered in org/page_parts.py)."""
from date_text import day
import local_day
from scheduling.due_dates import describe_status
from scheduling.queries import due_row

INACTIVE = "None scheduled: the program is inactive."  # the program page, the policy page and the API say so alike


def program_facts(program, user) -> list[tuple[str, str]]:
    """[(label, value)]: the next visit due, what set it, and the assigned trainer."""
    if not program.active:
        return [("Next fidelity visit", INACTIVE)]
    today = local_day.today()
    row = due_row(program, today, user)  # no visit in progress for those who may not see drafts
    due = row.next.due_date
    explained = row.next.explain(with_score=user.can("fidelity.read_scores"))
    facts = [("Next fidelity visit", f"{day(due)}, {describe_status(due, today)} ({explained})"),
             ("Reassessment policy", ("Default: " if not row.custom_policy else "") + row.policy.describe()),
             ("Visit trainer", row.trainer_text)]
    if row.in_progress is not None:
        facts.append(("Visit in progress", f"{day(row.in_progress.visit_date)} ({row.in_progress.status})"))
    return facts
