"""Links that feature packages add to program and team pages, declared as data.

Each entry: (label, endpoint, url argument name, roles). Endpoints not registered are skipped,
so a page shows only what is installed.
"""

PROGRAM_LINKS = [
    # ("Engagement dashboard", "dashboards.program", "program_id", ("admin", "trainer", "manager")),
]

TEAM_LINKS = [
    # ("Engagement dashboard", "dashboards.team", "team_id", ("admin", "trainer", "manager")),
]


def links_for(entries, user, view_functions, object_id):
    from flask import url_for
    return [(label, url_for(endpoint, **{arg: object_id})) for label, endpoint, arg, roles in entries
            if user.role in roles and endpoint in view_functions]
