"""Signals between features, so that writers need not know who reads.

attendance_changed: sent when sessions or attendance of some teams were written (imports, demo data).
Receivers get `team_ids` (a set), `rows` (how many records were written or changed, a hint of how large
the refresh is; 0 when not counted), `dates` ((first, last) session dates of the change when only
sessions and attendance changed; None otherwise) and `connection`: the writer's connection, inside its
transaction, so that what receivers derive commits or rolls back with the data; None when the writer
has committed already. Receivers keep derived summaries current.
"""
from blinker import Namespace

_signals = Namespace()
attendance_changed = _signals.signal("attendance-changed")
