"""A page's subject read in its signed-in user's statement: one round trip where there were two.

A view whose URL names one object (the team of a team dashboard) declares it with read_with_user(); the request's
user statement (sessions.load_user) then outer-joins that object by the URL's id, and access.get_visible_or_404
takes it from there instead of sending a statement of its own. Nothing else changes: get_visible_or_404 still
refuses an id out of range, a missing object and another agency's object (404), and the view's permission is
still checked before it runs. Loading the row early shows nobody anything: it only sits in the request's session.
The statement runs before the view's own (and on PostgreSQL before the numbers' statement it starts alongside),
so a round trip saved here is saved from the page's time.
"""
from typing import NamedTuple

from flask import g, has_request_context, request

from security.parsing import ID_MAX

_READ = {}  # {endpoint: Subject}
_FOUND = "subject_found"  # flask.g: (model, id, object or None) read with the user


class Subject(NamedTuple):
    model: type
    url_key: str  # the URL variable holding its id
    options: tuple  # loader options for what the view reads next, as it would give get_visible_or_404


def read_with_user(endpoint, model, url_key, *options):
    """Declare that `endpoint`'s URL names a `model` by `url_key`, read with the options the view passes on."""
    _READ[endpoint] = Subject(model, url_key, options)


def of_request():
    """(Subject, id) of this request's declared subject, or None (no declaration, or an id no row can have)."""
    if not has_request_context():
        return None
    subject = _READ.get(request.endpoint)
    object_id = (request.view_args or {}).get(subject.url_key) if subject else None
    if not isinstance(object_id, int) or not 1 <= object_id <= ID_MAX:
        return None
    return subject, object_id


def found(subject, object_id, obj):
    """Keep what the user's statement found for the subject (None: no such row)."""
    setattr(g, _FOUND, (subject.model, object_id, obj))


def taken(model, object_id):
    """(True, object or None) when the user's statement read this object already, else (False, None)."""
    read = g.get(_FOUND) if has_request_context() else None
    if read is None or read[:2] != (model, object_id):
        return False, None
    return True, read[2]
