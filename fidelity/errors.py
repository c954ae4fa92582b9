"""A refused fidelity change: the error every write operation raises, and how a page shows it; rating forms
sent with an expired token are shown again as sent."""
from flask import flash
from flask_wtf.csrf import CSRFError

from extensions import csrf

EXPIRED_FORM = ("This page was open so long that its security token expired (or you signed in again in another "
                "tab): nothing was saved. Your entries are shown below as you sent them: press Save again.")


class FidelityError(ValueError):
    """A change refused; `problems` lists what is wrong, one line each; `forbidden` when the user may not make it
    at all (the API answers 403, not 400)."""

    def __init__(self, message, problems=(), forbidden=False):
        self.problems = list(problems)
        self.forbidden = forbidden
        super().__init__(message)


def flash_problems(error):
    """Flash a refused change's message; return its problems for the page to list."""
    flash(str(error), "error")
    return error.problems


def token_refused():
    """Check a POST's CSRF token inside a view exempt from the app-wide check (which runs before the sign-in,
    two-factor and permission checks): True when it is missing, expired or another session's. The rating and
    consensus pages then show the form as sent, nothing saved: an hour of ratings and notes must not be lost
    because a sign-in was renewed in another tab."""
    try:
        csrf.protect()
    except CSRFError:
        return True
    return False
