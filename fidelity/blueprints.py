"""The fidelity feature's blueprints, one per part, registered by app.register_blueprints in one line."""
from fidelity.api import bp as api_bp
from fidelity.consensus.views import bp as consensus_bp
from fidelity.notices.views import bp as notices_bp
from fidelity.reports.evidence_views import api_bp as evidence_api_bp, bp as evidence_bp
from fidelity.reports.views import bp as reports_bp
from fidelity.scales.views import bp as scales_bp
from fidelity.visits.views import bp as visits_bp

BLUEPRINTS = (visits_bp, consensus_bp, reports_bp, scales_bp, notices_bp, api_bp, evidence_bp, evidence_api_bp)
