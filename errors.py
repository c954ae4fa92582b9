"""Error pages for people and JSON errors for the API: clear words, never a stack trace.

Server errors and database outages render a page that needs no database (no signed-in user, no menu):
the page that says the database is away must not need it.
"""
from flask import current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import BadRequest, HTTPException, NotFound
from werkzeug.http import HTTP_STATUS_CODES

from extensions import db
from ops.faults import database_unreachable, describe

MESSAGES = {
    400: "The request could not be understood. Check what was sent and try again.",
    401: "Please sign in to continue.",
    403: "Your account's role does not allow this.",
    404: "There is nothing here, or it is not yours to see.",
    405: "That action is not available here.",
    429: "Too many attempts. Wait a while and try again.",
    500: "Something went wrong on our side. Nothing was changed; please try again.",
    503: "The service cannot reach its database; nothing you entered was lost; try again in a minute.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def note_error(text: str):
    """Attach a one-line cause to this request's log line (ops/request_log.py)."""
    g.request_error = text


def error_response(code: int, message: str | None = None, name: str | None = None, standalone=False,
                   headers=None):
    """The error as JSON under /api, else as a page; `standalone` pages need no database."""
    message = message or MESSAGES.get(code, "The request failed.")
    name = name or HTTP_STATUS_CODES.get(code, "Error")
    if wants_json():
        return jsonify(error={"status": code, "title": name, "message": message}), code, headers or {}
    if not standalone:
        try:
            return render_template("errors/error.html", code=code, name=name, message=message), code, headers or {}
        except Exception as error:  # the layout asks the database who is signed in; show the page without it
            if not database_unreachable(error):
                raise
            _forget_database_state()
            note_error(f"error page shown without the menu: {describe(error)}")
    return _standalone_page(code, name, message), code, headers or {}


def _standalone_page(code, name, message):
    # Straight from the Jinja environment: render_template would run the context processors, which load
    # the signed-in user and the menu from the database.
    template = current_app.jinja_env.get_template("errors/standalone.html")
    return template.render(code=code, name=name, message=message, request_id=g.get("request_id"))


def _forget_database_state():
    """Make the rest of this request treat the user as signed out and drop the failed transaction."""
    g._login_user = current_app.login_manager.anonymous_user()  # no later lookup of the user in the database
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: the session is discarded at teardown anyway
        pass


def database_unavailable_response(error):
    """503 with Retry-After, one log line (the request's) and no traceback."""
    _forget_database_state()
    note_error(f"database unavailable: {describe(error)}")
    retry = {"Retry-After": str(current_app.config["DATABASE_RETRY_AFTER"])}
    return error_response(503, standalone=True, headers=retry)


def register_errorhandlers(app):
    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return form_expired()

    @app.errorhandler(HTTPException)
    def http_error(e):
        if e.code == 413:
            return too_large()
        if e.code >= 500:
            return error_response(e.code, standalone=True)
        # Keep our own words for client errors a view raised with a description.
        message = e.description if getattr(e, "custom_message", False) else None
        return error_response(e.code, message)

    from fidelity.scales.catalog import ScaleVersionMissing

    @app.errorhandler(ScaleVersionMissing)
    def scale_missing(e):
        app.logger.error("Scale version missing on %s %s: %s", request.method, request.path, e)
        return error_response(500, str(e), "Scale version not installed", standalone=True)

    @app.errorhandler(sa_exc.SQLAlchemyError)
    def database_error(e):
        if database_unreachable(e):
            return database_unavailable_response(e)
        return server_error(e)

    @app.errorhandler(Exception)
    def server_error(e):
        try:
            db.session.rollback()  # a crash half way leaves the database as it was
        except Exception:
            pass
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, standalone=True)


def too_large():
    """413 in the same words whether the size was announced (Content-Length) or found while reading (chunked)."""
    limit_mb = f"{request.max_content_length / (1024 * 1024):g} MB"
    if request.is_upload:  # security/parsing.py: uploads have a limit of their own
        return error_response(413, f"The upload is larger than {limit_mb}, the most the service accepts. "
                                   "Nothing was changed.", "Upload too large")
    return error_response(413, f"The request is larger than {limit_mb}, the most the service accepts for "
                               "anything but a file upload. Nothing was changed.", "Request too large")


def form_expired():
    """The page for a form sent without a valid CSRF token (blueprints whose forms keep their work use it too)."""
    return error_response(400, "The form was sent without a valid security token (it may have expired). "
                               "Reload the page and try again; nothing was changed.", "Form expired")


def not_offered(message: str):
    """A 404 carrying a message the user should see (what is not offered here, and why)."""
    err = NotFound(message)
    err.custom_message = True
    return err


def bad_request(message: str):
    """A 400 carrying a message the user should see."""
    err = BadRequest(message)
    err.custom_message = True
    return err
