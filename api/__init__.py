"""JSON API under /api/v1: what the pages show, with the pages' access checks.

Each feature package keeps its own API blueprint (fidelity/api.py, dashboards/api.py, ...) under the
same prefix; this package holds the organisation endpoints and the shared helpers.
"""

API_PREFIX = "/api/v1"

# Routes use the pages' decorator as it is (auth.permissions.permission_required): the unauthorized handler
# answers 401 JSON under /api/ instead of redirecting, and errors.py turns 403/404 into JSON there.
