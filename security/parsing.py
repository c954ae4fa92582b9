"""Read ids and numbers from URLs, query strings and forms, and JSON bodies, so odd input is a 4xx, never a 500.

One rule for every route: an id is ASCII digits within the range of the database's id columns (INTEGER on
PostgreSQL); anything else names nothing, so a URL answers 404 and a query or form field counts as not given.
"""
import re

from flask import Request, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream

from errors import bad_request

BODY_MAX_BYTES = 1024 * 1024  # a body that is not a file upload: JSON of a visit's ratings is a few kB
ID_MAX = 2**31 - 1  # PostgreSQL INTEGER, the type of every id column; SQLite would take up to 2**63 - 1
_WHOLE = re.compile(r"[0-9]{1,10}")  # int() would also read '١٢', ' 1', '1_0' and numbers of any size


class IdConverter(IntegerConverter):
    """The <int:...> URL converter: ASCII digits up to ID_MAX (larger ids overflow the database's integer)."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=ID_MAX, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def whole_number(value) -> int:
    """A query or form value as a whole number from 0 to ID_MAX; ValueError otherwise.

    Use as `request.args.get("page", 1, type=whole_number)`: a value that is not one then gives the default.
    """
    if not isinstance(value, str) or not _WHOLE.fullmatch(value) or int(value) > ID_MAX:
        raise ValueError(f"not a whole number from 0 to {ID_MAX}: {str(value)[:20]!r}")
    return int(value)


def json_id(value):
    """An id given in a JSON body or a form: a whole number (not true/false) from 1 to ID_MAX, else None."""
    if isinstance(value, str):
        try:
            value = whole_number(value.strip())
        except ValueError:
            return None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ID_MAX:
        return value
    return None


class BoundedJSONProvider(DefaultJSONProvider):
    """JSON that is nested too deeply to decode is malformed JSON (400), not a crash of the decoder (500)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON is nested too deeply.") from None


class BoundedRequest(Request):
    """A request whose body may reach MAX_CONTENT_LENGTH (20 MB) only when it carries files (multipart/form-data).

    Any other body (JSON) is read whole into memory and decoded, about ten times its size in Python objects, so
    it may be at most BODY_MAX_BYTES (413 beyond). A property, not a hook: the limit holds from the first read
    of the body, whichever hook reads it first (CSRF's does).
    """

    @property
    def max_content_length(self):
        limit = super().max_content_length
        if self.is_upload:
            return limit
        return min(limit or BODY_MAX_BYTES, BODY_MAX_BYTES)

    @property
    def is_upload(self) -> bool:
        """Whether the body may be a file upload (its limit and its 413 wording are the upload's)."""
        return self.mimetype == "multipart/form-data"

    @cached_property
    def stream(self):
        # A chunked body (no Content-Length; gunicorn marks its input terminated) is limited while it is read.
        if "wsgi.input_terminated" in self.environ and self.content_length is None and self.max_content_length:
            return _MaximumStream(self.environ["wsgi.input"], self.max_content_length, is_max=True)
        return super().stream


class _MaximumStream(LimitedStream):
    """werkzeug's stream for a body without Content-Length, where a body longer than the maximum is a 413.

    Werkzeug's own stops reading whole at the maximum without a word (get_data, get_json): a chunked JSON body
    over the limit arrived cut short and was refused as malformed (400), not as too large.
    """

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._stream.read(1):  # a byte past the maximum
            raise RequestEntityTooLarge()
        return data


def read_chunked_bodies_whole():
    """Read a chunked body that is not an upload before any view: over the limit it is a 413 like one whose
    Content-Length says so, even where the view would not have read it (a body of the wrong type)."""
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower() and not request.is_upload:
        request.get_data(cache=True)  # the form parser and get_json read this copy


def refuse_nul_characters():
    """Refuse a request whose query, form, file names or JSON hold a NUL character: no field accepts one
    (PostgreSQL cannot store it; SQLite would keep text that hides its end from people and programs)."""
    where = _nul_in(request)
    if where:
        raise bad_request(f"The {where} holds a NUL character (\\0), which no field accepts. Nothing was changed.")


def _nul_in(req):
    for name, fields in (("address's query", req.args), ("form", req.form)):
        if any("\0" in key or "\0" in value for key, value in fields.items(multi=True)):
            return name
    if any("\0" in (upload.filename or "") for upload in req.files.values()):
        return "uploaded file's name"
    if req.is_json and (b"\\u0000" in req.get_data(cache=True) or b"\0" in req.get_data(cache=True)):
        return "JSON"
    return None


def init_app(app):
    """Use the id converter for every <int:...> URL variable and the bounded JSON reader for every body;
    limit the bodies that are not uploads, chunked or not; refuse NUL characters in every request."""
    app.url_map.converters["int"] = IdConverter
    app.json = BoundedJSONProvider(app)
    app.request_class = BoundedRequest
    # First of all hooks, before CSRF's check: too large is a 413 for anyone, as when Content-Length says so.
    app.before_request_funcs.setdefault(None, []).insert(0, read_chunked_bodies_whole)
    app.before_request(refuse_nul_characters)
