"""What feature packages add to program and team pages, declared as data.

Links: (label, endpoint, url argument name, permission). Endpoints not registered are skipped, so a
page shows only what is installed. A link shows when the user holds the permission: None means the one
the linked page declares (auth/permissions.py), so a page never links to a 403.
Facts: dotted paths "package.module:function"; the function takes the program (or team) and returns
a list of (label, value) pairs shown on the page, e.g. the next fidelity visit due.
"""
import importlib

from flask import url_for

from auth.permissions import has_permission, may_use_view

PROGRAM_LINKS = [
    ("Fidelity history", "fidelity_reports.program_history", "program_id", None),
    ("Start a fidelity visit", "fidelity_visits.new_assessment", "program_id", None),
    ("Engagement dashboard", "dashboards.program", "program_id", None),
    ("Reassessment policy", "scheduling.edit_policy", "program_id", None),
]

TEAM_LINKS = [
    ("Fidelity history", "fidelity_reports.team_history", "team_id", None),
    ("Start a fidelity visit", "fidelity_visits.new_assessment", "team_id", None),
    ("Engagement dashboard", "dashboards.team", "team_id", None),
    ("Import sessions or attendance (template with this team's client codes)", "imports.index", "team_id",
     "imports.upload"),
]

PROGRAM_FACTS = [
    "fidelity.reports.facts:program_facts",
    "scheduling.facts:program_facts",
]

TEAM_FACTS = [
    "fidelity.reports.facts:team_facts",
]


def links_for(entries, user, view_functions, object_id):
    return [(label, url_for(endpoint, **{arg: object_id})) for label, endpoint, arg, permission in entries
            if endpoint in view_functions and (has_permission(user, permission) if permission
                                                else may_use_view(user, view_functions[endpoint]))]


def facts_for(entries, obj, user):
    facts = []
    for path in entries:
        module, name = path.split(":")
        facts.extend(getattr(importlib.import_module(module), name)(obj, user))
    return facts
