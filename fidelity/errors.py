"""A refused fidelity change: the error every write operation raises, and how a page shows it; rating forms
sent with an expired token are shown again as sent."""
from flask import flash, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound

EXPIRED_FORM = ("This page was open so long that its security token expired (or you signed in again in another "
                "tab): nothing was saved. Your entries are shown below as you sent them: press Save again.")


class FidelityError(ValueError):
    """A change refused; `problems` lists what is wrong, one line each."""

    def __init__(self, message, problems=()):
        self.problems = list(problems)
        super().__init__(message)


def flash_problems(error):
    """Flash a refused change's message; return its problems for the page to list."""
    flash(str(error), "error")
    return error.problems


def keep_expired_forms(bp, pages):
    """Answer a form of `pages` ({endpoint: show(assessment_id, posted, problems)}) sent with an expired CSRF
    token with its page, filled in as sent and nothing saved, instead of the bare "Form expired" page: an hour
    of ratings and notes must not be lost because a sign-in was renewed in another tab."""
    from auth import sessions, two_factor
    from errors import form_expired
    from extensions import login_manager

    @bp.errorhandler(CSRFError)
    def expired(error):
        # The token check runs before the session's own checks: run them here, as the page would.
        sessions.expire_old_sessions()
        show = pages.get(request.endpoint)
        if show is not None and not current_user.is_authenticated:
            return login_manager.unauthorized()  # the sign-in page, then back to this page
        if (show is None or request.method != "POST" or not current_user.can("fidelity.rate")
                or (two_factor.required_for(current_user) and not current_user.has_two_factor)):
            return form_expired()
        try:
            return show(request.view_args["assessment_id"], request.form, [EXPIRED_FORM])
        except NotFound:  # no such visit, or not one this user sees: the plain answer, which tells nothing
            return form_expired()
