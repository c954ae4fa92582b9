"""The fidelity feature's blueprints, registered by app.register_blueprints in one line."""
from fidelity.api import bp as api_bp
from fidelity.rating_views import bp as rating_bp
from fidelity.report_views import bp as reports_bp
from fidelity.scale_views import bp as scales_bp
from fidelity.views import bp as pages_bp

BLUEPRINTS = (pages_bp, rating_bp, reports_bp, scales_bp, api_bp)
