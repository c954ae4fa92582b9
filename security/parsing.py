"""Read ids and numbers from URLs, query strings and forms, and JSON bodies, so odd input is a 4xx, never a 500.

One rule for every route: an id is ASCII digits within the range of the database's id columns (INTEGER on
PostgreSQL); anything else names nothing, so a URL answers 404 and a query or form field counts as not given.
"""
import re

from flask import Request, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

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
        if self.mimetype == "multipart/form-data":
            return limit
        return min(limit or BODY_MAX_BYTES, BODY_MAX_BYTES)


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
    limit the bodies that are not uploads; refuse NUL characters in every request."""
    app.url_map.converters["int"] = IdConverter
    app.json = BoundedJSONProvider(app)
    app.request_class = BoundedRequest
    app.before_request(refuse_nul_characters)
