"""Who may see which agency: one check for pages and API alike.

Roles holding "agencies.read_all" (auth/permissions.py) see every agency; agency staff only their own.
Asking for another agency's object answers 404, exactly as for an object that does not exist, so nothing
leaks. Which role may do what is auth/permissions.py's table.
"""
from functools import cache

from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy import inspect as sa_inspect

from auth import subjects
from extensions import db
from security.parsing import ID_MAX


def visible_agency_ids(user=None):
    """None when the user sees every agency, else the set of agency ids they may see."""
    user = user or current_user
    if user.can("agencies.read_all"):
        return None
    return {user.agency_id}


def can_see_agency(agency_id, user=None) -> bool:
    ids = visible_agency_ids(user)
    return ids is None or agency_id in ids


def get_visible_or_404(model, object_id, *options):
    """Load one object the current user may see, or answer 404 without saying why.

    options: loader options for what the caller reads next (e.g. joinedload(Team.program)), one query
    instead of several.
    """
    if not isinstance(object_id, int) or not 1 <= object_id <= ID_MAX:
        abort(404)
    read, obj = subjects.taken(model, object_id)  # read with the signed-in user already (auth/subjects.py)
    if not read:
        obj = get_by_id(model, object_id, options)
    if obj is None or not can_see_agency(obj.owning_agency_id):
        abort(404)
    return obj


def get_by_id(model, object_id, options=()):
    """One object by primary key, or None; every page loads one or two, so the query is built only once."""
    return db.session.scalars(_by_id(model, options), {"id": object_id}).unique().one_or_none()


@cache
def _by_id(model, options):
    return select(model).options(*options).where(sa_inspect(model).primary_key[0] == bindparam("id"))


def scope_to_agencies(stmt, agency_column, user=None):
    """Restrict a select to the agencies the user may see."""
    ids = visible_agency_ids(user)
    return stmt if ids is None else stmt.where(agency_column.in_(ids))

