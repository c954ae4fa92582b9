"""Signals between features, so that writers need not know who reads.

attendance_changed: sent after sessions or attendance of some teams were written and committed
(imports, demo data). Receivers get `team_ids` (a set), `rows` (how many records were written or changed,
a hint of how large the refresh is; 0 when not counted) and `dates` ((first, last) session dates of the
change when only sessions and attendance changed; None otherwise), and keep derived summaries current.
"""
from blinker import Namespace

_signals = Namespace()
attendance_changed = _signals.signal("attendance-changed")
