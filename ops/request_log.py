"""One log line per request: its id, the user's id, the route, the status and the duration.

Never the email, a client code, the raw path or the query string: the route is the URL rule
(`/programs/<int:program_id>`), and the user is known by id only, and only when the request already loaded
them (logging never asks the database). LOG_FORMAT=json writes one JSON object a line, the app's own errors
included. Requests slower than SLOW_REQUEST_SECONDS are logged as warnings, marked slow.
"""
import json
import logging
import re
import time
import uuid
from datetime import datetime, timezone

from flask import current_app, g, request
from flask.logging import default_handler
from flask_login import AnonymousUserMixin
from sqlalchemy import inspect

log = logging.getLogger("imr.requests")
LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# An id from the proxy in front (nginx's $request_id) is kept so both logs can be joined; anything else
# is replaced, so a client cannot write arbitrary text into the logs.
_INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

_handler = logging.StreamHandler()  # stderr: gunicorn's error log, the terminal under `make run`


# PostgreSQL's DETAIL line of a failed statement names the row's values ("Key (client_code)=(A001) already
# exists", "Failing row contains (...)"); the engine hides the statement's parameters (config.engine_options).
_ROW_DETAIL = re.compile(r"^DETAIL:.*$", re.MULTILINE)


def without_row_values(text: str) -> str:
    """Log text with PostgreSQL's DETAIL lines blanked: the logs are read by people without clinical access."""
    return _ROW_DETAIL.sub("DETAIL: (hidden: it names the row's values)", text)


class TextFormatter(logging.Formatter):
    """A log record as one line of text (a traceback under it), the row values of database errors hidden."""

    def format(self, record):
        return without_row_values(super().format(record))


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message, the request's fields, any exception."""

    def format(self, record):
        entry = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": without_row_values(record.getMessage())}
        entry.update(getattr(record, "request", {}))
        if record.exc_info:
            entry["exception"] = without_row_values(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def formatter_for(app):
    """The log formatter LOG_FORMAT names (refusing a name it does not know)."""
    if app.config["LOG_FORMAT"] not in LOG_FORMATS:
        raise RuntimeError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not '{app.config['LOG_FORMAT']}'.")
    return JsonFormatter() if app.config["LOG_FORMAT"] == "json" else TextFormatter(TEXT_FORMAT)


def configure_process_logging(app):
    """Log a worker's or the scheduler's lines to stderr in the web app's LOG_FORMAT, so one collector reads all three."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter_for(app))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


def init_app(app):
    formatter = formatter_for(app)
    _handler.setFormatter(formatter)
    default_handler.setFormatter(formatter)  # the app's own error lines, in the same format
    if _handler not in log.handlers:
        log.addHandler(_handler)
        log.setLevel(logging.INFO)
        log.propagate = False  # the CLI processes configure the root logger: do not print each line twice
    # First, so the id and the clock exist even when another before_request hook fails.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)


def _start():
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _INCOMING_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response):
    if "request_id" not in g:
        _start()
    response.headers["X-Request-ID"] = g.request_id
    seconds = time.perf_counter() - g.request_started
    slow = seconds > current_app.config["SLOW_REQUEST_SECONDS"]
    fields = {"request_id": g.request_id, "user_id": _user_id(), "method": request.method,
              "route": request.url_rule.rule if request.url_rule else None, "status": response.status_code,
              "duration_ms": round(seconds * 1000, 1)}
    if slow:
        fields["slow"] = True
    if g.get("request_error"):
        fields["error"] = g.request_error
    level = logging.ERROR if response.status_code >= 500 else logging.WARNING if slow else logging.INFO
    log.log(level, _text(fields), extra={"request": fields})
    return response


def _user_id():
    """The signed-in user's id if this request loaded them, read without asking the database."""
    user = g.get("_login_user")
    if user is None or isinstance(user, AnonymousUserMixin):
        return None
    state = inspect(user, raiseerr=False)
    return state.identity[0] if state is not None and state.identity else None


def _text(fields) -> str:
    words = [fields["method"], fields["route"] or "(no route)", str(fields["status"]),
             f"{fields['duration_ms']} ms", f"user={fields['user_id'] if fields['user_id'] is not None else '-'}",
             f"id={fields['request_id']}"]
    if fields.get("slow"):
        words.append("SLOW")
    if fields.get("error"):
        words.append(f"error={fields['error']}")
    return " ".join(words)
