"""The partial Plotly bundle: cut from the installed file, it sets up exactly the trace types the charts use,
and every chart the service builds uses only those; a file it cannot read is served whole."""
import json
import re
from datetime import date
from types import SimpleNamespace

import pytest

from dashboards.assets import PLOTLY_JS, TRACE_TYPES, _bundle
from dashboards.plotly_bundle import CORE_TRACE, partial_bundle, registered_modules
from fidelity.reports import charts as fidelity_charts
from tests.dashboards.test_figures import BUILDERS


@pytest.fixture(scope="module")
def installed():
    with open(PLOTLY_JS, encoding="utf-8") as f:
        return f.read()


def test_the_served_bundle_registers_only_the_trace_types_drawn(installed):
    modules = registered_modules(installed)
    assert {"bar", "heatmap", "pie", "scatter3d", "scattermap", "calendars"} <= {name for _, name in modules}
    served = _bundle()[1].decode("utf-8")
    assert [name for _, name in registered_modules(served)] == sorted(set(TRACE_TYPES) - {CORE_TRACE})
    # Only the list is shorter: the rest of the file is the installed one, byte for byte.
    assert len(installed) - len(served) == len(",".join(f"{c}()" for c, n in modules if n not in TRACE_TYPES)) + 1


def test_a_bundle_of_another_shape_is_served_whole(installed):
    assert partial_bundle("console.log('not plotly')", TRACE_TYPES) is None
    assert partial_bundle(installed, ("bar", "a_trace_plotly_does_not_have")) is None
    assert partial_bundle(installed.replace(".register([", ".register(["[:-1] + "( ["), TRACE_TYPES) is None


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
