"""Which URLs the accessibility walk opens: every GET route of app.url_map with real ids, and page states.

A route is walked unless SKIPPED says why it is no page (JSON, a download, a file); its URL variables come
from the world's ids (one URL per value, or the variants an endpoint needs). A route added later is walked
without editing this file, and one that answers no role with a page fails the walk until it is listed here.
"""
import itertools
import re

from auth.permissions import ROLE_ORDER as ROLES  # every account role, walked in this order

API_PREFIX = "api_"  # blueprints answering JSON: tests/*/test_api*.py read them
SKIPPED = {
    "static": "files: the CSS and scripts the pages load",
    "assets.plotly_js": "the chart library itself, loaded by every chart page",
    "assets.plotly_worker": "the service worker script keeping the chart library, installed by the sign-in page",
    "health.healthz": "a plain-text liveness answer for the load balancer",
    "dashboards.program_download": "a CSV/xlsx download",
    "dashboards.team_download": "a CSV/xlsx download",
    "dashboards.overview_download": "a CSV/xlsx download",
    "scheduling.due_download": "a CSV/xlsx download of the visits due",
    "fidelity_reports.report_xlsx": "an .xlsx download",
    "fidelity_reports.state_xlsx": "an .xlsx download",
    "fidelity_visits.workbook": "an .xlsx scoring workbook download",
    "fidelity_scales.download": "an .xlsx scale workbook download",
    "imports.original": "the uploaded file, downloaded as it came",
    "imports.preview_workbook": "an .xlsx download of the preview",
    "imports.problems": "an .xlsx download of the problems",
    "imports.kind_template": "an .xlsx template download",
}
WINDOW = "from=2025-12-01&to=2026-11-30"  # a dashboard window with a year's data behind it


def skip_reason(endpoint):
    """Why an endpoint is no page to walk, or None."""
    if endpoint.split(".")[0].startswith(API_PREFIX):
        return "a JSON API, no page"
    return SKIPPED.get(endpoint)


def _variants(world):
    """URL values for the endpoints whose variables belong together (or need a page state)."""
    s, ids = world.states, world.ids
    return {
        "fidelity_visits.assessment": [{"assessment_id": s[k]} for k in ("final", "draft", "consensus")],
        "fidelity_visits.rate": [{"assessment_id": s[k]} for k in ("draft", "consensus")],
        "fidelity_consensus.consensus": [{"assessment_id": s["consensus"]}],
        "fidelity_evidence.rows": [{"assessment_id": s["final"], "item": i} for i in ids["item"]],
        "fidelity_scales.show": [{"scale_key": k, "version": v} for k, v in zip(ids["scale_key"], ids["version"])],
        "fidelity_scales.missing_anchors": [{"scale_key": ids["scale_key"][0], "version": ids["version"][0]}],
        "admin.edit": [{"kind": k, "object_id": i} for k, i in zip(ids["kind"], world.admin_objects)]
        + [{"kind": k} for k in ids["kind"]],
    }


def _fill(rule, values):
    path = rule.rule
    for arg, value in values.items():
        path = re.sub(r"<(?:[^>:]+:)?" + arg + ">", str(value), path)
    return path


def walk(app, world):
    """[(endpoint, url)] of every GET route not skipped, with real ids; unknown variables raise KeyError."""
    variants = _variants(world)
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or skip_reason(rule.endpoint):
            continue
        args = sorted(rule.arguments - set(rule.defaults or {}))
        if rule.endpoint in variants:
            choices = [v for v in variants[rule.endpoint] if set(v) == set(args)]
        else:
            missing = [a for a in args if a not in world.ids]
            if missing:
                raise KeyError(f"{rule.endpoint} ({rule.rule}): give the walk real values for {missing} in "
                               "tests/browser/axe_world.py, or list it in SKIPPED with why it is no page")
            choices = [dict(zip(args, combo)) for combo in itertools.product(*(world.ids[a] for a in args))]
        for values in choices:
            url = _fill(rule, values)
            if rule.endpoint.startswith("dashboards."):
                url += "?" + WINDOW
            urls.append((rule.endpoint, url))
    return urls


# Page states reached by a form: (role, what it shows, URL, {field: value}, submit button). Fields are set
# and the form sent without the browser's own checks, so the server's messages are what is shown.
def error_forms(world):
    s = world.states
    return [
        ("admin", "a new user with nothing filled in", "/admin/users/new", {}, "text=Save"),
        ("admin", "a policy of 0 months", f"/programs/{s['program']}/reassessment-policy",
         {"#interval_months": "0"}, "text=Save policy"),
        ("admin", "a scale upload with no file", "/fidelity/scales/upload", {}, "form.narrow button[type=submit]"),
        ("trainer", "a new visit with nothing chosen", "/fidelity/assessments/new", {}, "text=Start the visit"),
        ("trainer", "an offline workbook upload with no file", f"/fidelity/assessments/{s['draft']}", {},
         "text=Upload ratings"),
        ("trainer", "an amendment with no rating chosen nor reason", f"/fidelity/assessments/{s['final']}/amend", {},
         "text=Record the amendment"),
        ("trainer", "ratings submitted with items unrated", f"/fidelity/assessments/{s['draft']}/rate", {},
         "text=Submit my ratings"),
        ("trainer", "a password change with the wrong password", "/account/", {"#current": "wrong-password-here"},
         "text=Change password"),
        ("clerk", "an upload with no file", "/imports/", {}, "text=Upload and check"),
    ]


# Dashboards asked for a window they cannot show: the message and the empty state are a page state too.
BAD_WINDOWS = ["/dashboards/state?from=2026-03-31&to=2026-01-01", "/dashboards/state?from=1990-01-01&to=1990-02-01"]
