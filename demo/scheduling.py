"""Reassessment policies in the demo state: the demo trainer is assigned to most programs, and one
program follows a tighter policy, so the due list shows trainers and a non-default rhythm."""
from sqlalchemy import select

from models import Program, User
from scheduling.models import ReassessmentPolicy

# program name -> (months between visits below high fidelity, at high fidelity); None keeps the default.
POLICIES = {
    "IMR on ACT team South": (4, 12),  # low fidelity last time: the state wants to see it sooner
}
UNASSIGNED = {"Peer-led IMR", "Supported housing IMR"}  # no trainer yet: only managers are reminded
TRAINER = "trainer@demo.example"


def add_demo_policies(session):
    """Write the demo programs' policies; the caller commits."""
    trainer_id = session.scalar(select(User.id).where(User.email == TRAINER))
    for program in session.scalars(select(Program)):
        intervals = POLICIES.get(program.name, (6, 12))
        session.add(ReassessmentPolicy(program_id=program.id, interval_months=intervals[0],
                                       high_interval_months=intervals[1],
                                       trainer_id=None if program.name in UNASSIGNED else trainer_id))
    session.flush()
