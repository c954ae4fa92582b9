"""Error pages for people and JSON errors for the API: clear words, never a stack trace."""
from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException, NotFound
from werkzeug.http import HTTP_STATUS_CODES

from extensions import db

MESSAGES = {
    400: "The request could not be understood. Check what was sent and try again.",
    401: "Please sign in to continue.",
    403: "Your account's role does not allow this.",
    404: "There is nothing here, or it is not yours to see.",
    405: "That action is not available here.",
    413: "The upload is larger than the service accepts.",
    429: "Too many attempts. Wait a while and try again.",
    500: "Something went wrong on our side. Nothing was changed; please try again.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(code: int, message: str | None = None, name: str | None = None):
    message = message or MESSAGES.get(code, "The request failed.")
    name = name or {413: "Upload too large"}.get(code) or HTTP_STATUS_CODES.get(code, "Error")
    if wants_json():
        return jsonify(error={"status": code, "title": name, "message": message}), code
    return render_template("errors/error.html", code=code, name=name, message=message), code


def register_errorhandlers(app):
    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return error_response(400, "The form was sent without a valid security token (it may have expired). "
                                   "Reload the page and try again; nothing was changed.", "Form expired")

    @app.errorhandler(HTTPException)
    def http_error(e):
        if e.code == 413:
            limit_mb = app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
            return error_response(413, f"The upload is larger than {limit_mb:g} MB, the most the service "
                                       "accepts. Nothing was changed.")
        # Keep our own words for client errors a view raised with a description.
        message = e.description if getattr(e, "custom_message", False) else None
        return error_response(e.code, message)

    from fidelity.scales.catalog import ScaleVersionMissing

    @app.errorhandler(ScaleVersionMissing)
    def scale_missing(e):
        app.logger.error("Scale version missing on %s %s: %s", request.method, request.path, e)
        return error_response(500, str(e), "Scale version not installed")

    @app.errorhandler(Exception)
    def server_error(e):
        db.session.rollback()  # a crash half way leaves the database as it was
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500)


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
