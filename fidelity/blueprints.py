"""The fidelity feature's blueprints, registered by app.register_blueprints in one line."""
from fidelity.api import bp as api_bp
from fidelity.consensus.views import bp as rating_bp
from fidelity.reports.views import bp as reports_bp
from fidelity.scales.views import bp as scales_bp
from fidelity.visits.views import bp as pages_bp

BLUEPRINTS = (pages_bp, rating_bp, reports_bp, scales_bp, api_bp)
