"""The vendored partial Plotly bundle: it holds exactly the trace types the charts use, it is the plotly.js the
Python package writes figures for, every chart the service builds uses only those types, and the build script
pins what it holds."""
import json
import os
import re
from datetime import date
from types import SimpleNamespace

import pytest
from plotly.offline import get_plotlyjs_version

from dashboards.plotly_bundle import TRACE_TYPES
from dashboards.plotly_bundle import VENDORED, trace_types, version
from fidelity.reports import charts as fidelity_charts
from tests.dashboards.test_figures import BUILDERS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def vendored():
    with open(VENDORED, encoding="utf-8") as f:
        return f.read()


def test_the_vendored_bundle_holds_exactly_the_trace_types_drawn(vendored):
    assert sorted(trace_types(vendored)) == sorted(TRACE_TYPES)
    assert len(vendored) < 1_200_000  # the whole library is 4.8 MB
    # What a bundle lacking one looks like to the check: a trace type named but not built in.
    assert "pie" not in trace_types(vendored) and trace_types('moduleType:"trace",name:"pie"') == ["pie"]


def test_the_vendored_bundle_is_the_plotly_js_the_python_package_writes_for(vendored):
    assert version(vendored) == get_plotlyjs_version()
    assert f"v{get_plotlyjs_version()}\n" in vendored[:300]  # the banner agrees with the code
    assert version("exports.version='4.0.0'") is None and version('Ab.version="4.0.0"}') == "4.0.0"


def test_the_build_script_pins_that_version_and_the_licence_is_beside_the_bundle():
    with open(os.path.join(ROOT, "scripts", "plotly_bundle", "package.json"), encoding="utf-8") as f:
        pinned = json.load(f)["dependencies"]
    with open(os.path.join(ROOT, "scripts", "plotly_bundle", "package-lock.json"), encoding="utf-8") as f:
        locked = json.load(f)["packages"]
    assert pinned["plotly.js"] == locked["node_modules/plotly.js"]["version"] == get_plotlyjs_version()
    assert pinned["esbuild"] == locked["node_modules/esbuild"]["version"]  # exact pins, not ranges
    with open(os.path.join(os.path.dirname(VENDORED), "LICENSE"), encoding="utf-8") as f:
        licence = f.read()
    assert licence.startswith("MIT License") and "Plotly" in licence


def _types(figure_json):
    return {trace.get("type", "scatter") for trace in json.loads(figure_json)["data"]}


def test_every_chart_uses_only_the_bundles_trace_types():
    from dashboards.figures import to_script_json
    used = set().union(*(_types(to_script_json(build())) for build in BUILDERS.values()))
    bands = [SimpleNamespace(key=k, label=k, low=low, high=high)
             for k, low, high in (("low", 1, 2.99), ("moderate", 3, 3.99), ("high", 4, 5))]
    fragments = [fidelity_charts.item_profile([1, 2], ["a", "b"], [3, 4], [2, None], bands, "Items", (1, 5)),
                 fidelity_charts.trend([("Team", [date(2026, 1, 5)], [3.5])], bands, "Trend"),
                 fidelity_charts.item_heatmap(["P"], ["1", "2"], [[3, None]], "Heatmap", (1, 5))]
    for fragment in fragments:
        used |= _types(re.search(r'class="figure"[^>]*>(.*)</script>', str(fragment), re.S).group(1))
    assert used == set(TRACE_TYPES)


def test_a_web_process_says_which_trace_types_its_bundle_lacks(caplog):
    from dashboards.assets import _check
    _check('moduleType:"trace",name:"scatter" moduleType:"trace",name:"bar"')
    assert "lacks the trace types heatmap: run scripts/build_plotly_bundle.sh" in caplog.text
