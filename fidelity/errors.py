"""A refused fidelity change: the error every write operation raises, and how a page shows it."""
from flask import flash


class FidelityError(ValueError):
    """A change refused; `problems` lists what is wrong, one line each."""

    def __init__(self, message, problems=()):
        self.problems = list(problems)
        super().__init__(message)


def flash_problems(error):
    """Flash a refused change's message; return its problems for the page to list."""
    flash(str(error), "error")
    return error.problems
