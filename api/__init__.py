"""JSON API under /api/v1: what the pages show, with the pages' access checks.

Each feature package keeps its own API blueprint (fidelity/api.py, dashboards/api.py, ...) under the
same prefix; this package holds the organisation endpoints and the shared helpers.
"""
from flask_login import login_required

from auth.access import roles_required

API_PREFIX = "/api/v1"

# The page decorators serve the API as they are: the unauthorized handler answers 401 JSON under /api/
# instead of redirecting, and errors.py turns 403/404 into JSON there.
api_login_required = login_required
api_roles_required = roles_required
