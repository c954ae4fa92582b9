"""The main menu, declared as data: (label, endpoint). Endpoints not registered are skipped.

Who sees an entry is not spelled here: an entry shows when the user holds the permission its page
declares (auth/permissions.py), so the menu cannot offer a page that answers 403.
"""
from auth.permissions import may_use_view

NAV_ITEMS = [
    ("Overview", "org.overview"),
    ("Engagement", "dashboards.overview"),
    ("Fidelity", "fidelity_visits.index"),
    ("Visits due", "scheduling.due_list"),
    ("Notifications", "scheduling.notifications"),
    ("Imports", "imports.index"),
    ("Admin", "admin.index"),
]
# The same page shows every agency to those who see them all: it is their state overview.
STATE_LABELS = {"dashboards.overview": "State overview"}


def nav_for(user, view_functions):
    """Menu entries a user may follow."""
    if not user.is_authenticated:
        return []
    every_agency = user.can("agencies.read_all")
    return [(STATE_LABELS.get(endpoint, label) if every_agency else label, endpoint)
            for label, endpoint in NAV_ITEMS
            if endpoint in view_functions and may_use_view(user, view_functions[endpoint])]
