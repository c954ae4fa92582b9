"""How long a chart page takes to load, measured inside Chromium by the test and by bench/first_load_bench.py.

An init script (run before any of the page's own) notes when Plotly arrives on `window` and when each
Plotly.newPlot resolves, so any version of the pages can be timed, one from before this file included. All
times are in ms from the start of the navigation.
"""

INIT_JS = """(() => {
  const timing = window.__loadTiming = {plotly: null, plots: [], ready: null};
  let plotly;
  Object.defineProperty(window, 'Plotly', {configurable: true, get: () => plotly, set: value => {
    plotly = value;
    timing.plotly = timing.plotly ?? performance.now();
    const newPlot = value.newPlot;
    value.newPlot = function (target) {
      const shown = target.getBoundingClientRect();  // where it is when drawing starts: in view or below it
      const entry = {inView: shown.bottom > 0 && shown.top < innerHeight, drawn: null};
      timing.plots.push(entry);
      return newPlot.apply(this, arguments).then(result => { entry.drawn = performance.now(); return result; });
    };
  }});
  new MutationObserver(() => {
    if (document.body && document.body.dataset.chartsReady && timing.ready === null) timing.ready = performance.now();
  }).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-charts-ready']});
})();"""

TIMINGS_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const bundle = performance.getEntriesByType('resource').find(r => r.name.includes('/assets/plotly-'));
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const requested = performance.getEntriesByName('imr-plotly-requested', 'mark')[0];
  const t = window.__loadTiming;
  const last = plots => plots.length ? Math.max(...plots.map(p => p.drawn)) : t.plotly;
  return {html: nav.responseEnd, paint: paint ? paint.startTime : null,
          bundle_start: bundle ? bundle.startTime : null, bundle_end: bundle ? bundle.responseEnd : null,
          bundle_bytes: bundle ? bundle.transferSize : null, bundle_encoded: bundle ? bundle.encodedBodySize : null,
          bundle_url: bundle ? bundle.name : null,
          requested: requested ? requested.startTime : null, plotly: t.plotly,
          visible: last(t.plots.filter(p => p.inView)), drawn: last(t.plots), charts: t.plots.length,
          in_view: t.plots.filter(p => p.inView).length};
}"""

PHASES = ("html", "paint", "bundle", "evaluate", "draw", "visible", "total")


def phases(t):
    """The phases of one load in ms: the document, first paint, Plotly's transfer, Plotly starting (from the
    later of its arrival and its request), drawing the charts, the charts in view drawn, every chart drawn."""
    arrived = t["bundle_end"] if t["bundle_end"] is not None else t["html"]
    starts = max(arrived, t["requested"] or 0.0)
    return {"html": t["html"], "paint": t["paint"] or 0.0,
            "bundle": t["bundle_end"] - t["bundle_start"] if t["bundle_end"] is not None else 0.0,
            "evaluate": t["plotly"] - starts, "draw": t["drawn"] - t["plotly"], "visible": t["visible"],
            "total": t["drawn"]}


def load(page, url):
    """Open `url` in `page` (whose context runs INIT_JS) until every chart is drawn: its timings."""
    page.goto(url)
    page.wait_for_selector("body[data-charts-ready=yes]", timeout=60000)
    return page.evaluate(TIMINGS_JS)
