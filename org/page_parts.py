"""What feature packages add to program and team pages, declared as data.

Links: (label, endpoint, url argument name, roles). Endpoints not registered are skipped, so a
page shows only what is installed.
Facts: dotted paths "package.module:function"; the function takes the program (or team) and returns
a list of (label, value) pairs shown on the page, e.g. the next fidelity visit due.
"""
import importlib

from flask import url_for

PROGRAM_LINKS = [
    ("Fidelity history", "fidelity_reports.program_history", "program_id", ("admin", "trainer", "manager")),
    ("Start a fidelity visit", "fidelity_visits.new_assessment", "program_id", ("admin", "trainer")),
    ("Engagement dashboard", "dashboards.program", "program_id", ("admin", "trainer", "manager")),
    ("Reassessment policy", "scheduling.edit_policy", "program_id", ("admin", "trainer")),
]

TEAM_LINKS = [
    ("Fidelity history", "fidelity_reports.team_history", "team_id", ("admin", "trainer", "manager")),
    ("Start a fidelity visit", "fidelity_visits.new_assessment", "team_id", ("admin", "trainer")),
    ("Engagement dashboard", "dashboards.team", "team_id", ("admin", "trainer", "manager")),
    ("Import sessions or attendance (template with this team's client codes)", "imports.index", "team_id",
     ("admin", "manager", "clerk")),
]

PROGRAM_FACTS = [
    "fidelity.reports.facts:program_facts",
    "scheduling.facts:program_facts",
]

TEAM_FACTS = [
    "fidelity.reports.facts:team_facts",
]


def links_for(entries, user, view_functions, object_id):
    return [(label, url_for(endpoint, **{arg: object_id})) for label, endpoint, arg, roles in entries
            if user.role in roles and endpoint in view_functions]


def facts_for(entries, obj, user):
    facts = []
    for path in entries:
        module, name = path.split(":")
        facts.extend(getattr(importlib.import_module(module), name)(obj, user))
    return facts
