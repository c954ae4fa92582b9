"""The main menu, declared as data: (label, endpoint, roles allowed). Endpoints not registered are skipped."""

NAV_ITEMS = [
    ("Overview", "org.overview", ("admin", "trainer", "manager", "clerk")),
    ("State overview", "dashboards.overview", ("admin", "trainer")),
    ("Engagement", "dashboards.overview", ("manager",)),  # the same page, showing their own agency
    ("Fidelity", "fidelity_visits.index", ("admin", "trainer", "manager")),
    ("Visits due", "scheduling.due_list", ("admin", "trainer", "manager")),
    ("Notifications", "scheduling.notifications", ("admin", "trainer", "manager", "clerk")),
    ("Imports", "imports.index", ("admin", "trainer", "manager", "clerk")),
    ("Admin", "admin.index", ("admin",)),
]


def nav_for(user, view_functions):
    """Menu entries a user may follow."""
    if not user.is_authenticated:
        return []
    return [(label, endpoint) for label, endpoint, roles in NAV_ITEMS
            if user.role in roles and endpoint in view_functions]
