"""JSON API under /api/v1: what the pages show, with the pages' access checks.

Each feature package keeps its own API blueprint (fidelity/api.py, dashboards/api.py, ...) under the
same prefix; this package holds the organisation endpoints and the shared helpers.
"""
from functools import wraps

from flask import abort
from flask_login import current_user

API_PREFIX = "/api/v1"


def api_login_required(view):
    """Like login_required, but answers 401 JSON instead of redirecting to the sign-in page."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            abort(401)
        return view(*args, **kwargs)
    return wrapped


def api_roles_required(*roles):
    def decorator(view):
        @wraps(view)
        @api_login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator
