/* Draw every Plotly figure a page embeds as <script type="application/json" class="figure">.
   Figures travel as data, never as inline script, so the Content-Security-Policy can forbid inline script.
   Plotly (the URL in this script's data-plotly, preloaded by the page) starts only after the page's first
   paint: starting it takes a few hundred ms, and the text, cards and tables need not wait for it. The charts
   in view are drawn first, then the others one per task, so the page answers clicks between them;
   body[data-charts-ready=yes] says every chart is drawn (bench/first_load_bench.py times the load).
   A chart follows its box (below) unless its figure's config says responsive: false (drawn at a fixed width). */
(function () {
  var plotly = document.currentScript && document.currentScript.dataset.plotly;
  function plot(el) {
    var fig = JSON.parse(el.textContent), target = document.getElementById(el.dataset.target);
    var config = Object.assign({responsive: true, displaylogo: false}, fig.config || {});
    var follows = config.responsive;
    config.responsive = false;  // Plotly's own redraws 100 ms after the window's last resize; follow() does it now
    return Plotly.newPlot(target, fig.data, fig.layout, config).then(function () {
      if (follows) { follow(target); }
    });
  }
  // Charts follow their box: Plotly's responsive mode redraws a chart 100 ms after the window's last resize
  // event, so a page narrowed from 1280 to 768 px kept its 1168 px drawings meanwhile (416 px past the window),
  // and a box that changes without the window resizing was never followed. A ResizeObserver's callback runs
  // after the frame's layout and before its paint, so a chart is redrawn before anyone sees it wrong. A box
  // changing again within QUIET ms is a window being dragged: its charts are redrawn once it pauses (as Plotly
  // does; redrawing every frame made a drag 2.7 times as slow), and scroll inside their boxes meanwhile (app.css).
  // Printed, a chart is drawn at most PRINT_WIDTH wide (fits A4 and Letter portrait inside the default margins),
  // set on beforeprint and on print media (browsers without beforeprint, and print emulation), which come before
  // the print layout; no ResizeObserver callback runs while printing, so it is skipped until the print ends.
  var PRINT_WIDTH = 680, QUIET = 100, printing = false, followed = [], lastChange = -Infinity, settle;
  function misfit(el) {
    var width = el.clientWidth;
    return width && el._fullLayout && Math.abs(el._fullLayout.width - width) > 1;
  }
  function fit(el) {
    if (misfit(el)) { Plotly.relayout(el, {width: null, autosize: true}); }
  }
  var boxes = new ResizeObserver(function (entries) {
    var changed = entries.map(function (entry) { return entry.target; }).filter(misfit);
    if (printing || !changed.length) { return; }
    if (performance.now() - lastChange < QUIET) {  // counted from the end of the last redraw, however long it took
      clearTimeout(settle);
      settle = setTimeout(function () { followed.forEach(fit); }, QUIET);
    } else {
      changed.forEach(fit);
    }
    lastChange = performance.now();
  });
  function follow(el) {
    followed.push(el);
    boxes.observe(el);
  }
  function toPrint() {
    if (printing) { return; }
    printing = true;
    clearTimeout(settle);  // a drag's pending redraw would fit the screen's box over the paper's (none is set while printing)
    followed.forEach(function (el) { Plotly.relayout(el, {width: Math.min(el.clientWidth, PRINT_WIDTH)}); });
  }
  var printMedia = window.matchMedia('print');
  function toScreen() {
    if (!printing || printMedia.matches) { return; }  // a print ended while print media still applies (emulated)
    printing = false;
    followed.forEach(fit);
  }
  window.addEventListener('beforeprint', toPrint);
  window.addEventListener('afterprint', toScreen);
  printMedia.addEventListener('change', function (media) { (media.matches ? toPrint : toScreen)(); });
  function nextTask() { return new Promise(function (resolve) { setTimeout(resolve, 0); }); }
  function draw(inViewFirst) {
    var first = [], later = [];
    document.querySelectorAll('script.figure').forEach(function (el) {
      var box = document.getElementById(el.dataset.target).getBoundingClientRect();
      (!inViewFirst || (box.bottom > 0 && box.top < window.innerHeight) ? first : later).push(el);
    });
    Promise.all(first.map(plot)).then(function () {
      return later.reduce(function (done, el) {
        return done.then(nextTask).then(function () { return plot(el); });
      }, Promise.resolve());
    }).then(function () {
      document.body.dataset.chartsReady = 'yes';
    });
  }
  function load() {
    performance.mark('imr-plotly-requested');  // for the bench's breakdown
    var tag = document.createElement('script');
    tag.src = plotly;
    tag.addEventListener('load', function () { draw(true); });
    document.head.appendChild(tag);
  }
  function start() {
    if (!document.querySelector('script.figure')) {  // nothing to draw (an empty window): leave Plotly unstarted
      document.body.dataset.chartsReady = 'yes';
    } else if (window.Plotly || !plotly) {  // Plotly already there, or no URL to load it from: draw at once
      draw(false);
    } else if (performance.getEntriesByType('paint').length) {  // painted already (a long page paints while it
      load();  // is parsed, before its deferred scripts run): waiting for one more frame cost its paint and a vsync
    } else {  // a frame callback runs just before the next paint; a task it queues runs after that paint
      requestAnimationFrame(function () { setTimeout(load, 0); });
    }
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
