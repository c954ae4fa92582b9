/* Draw every Plotly figure a page embeds as <script type="application/json" class="figure">.
   Figures travel as data, never as inline script, so the Content-Security-Policy can forbid inline script.
   Plotly (the URL in this script's data-plotly, preloaded by the page) starts only after the page's first
   paint: starting it takes a few hundred ms, and the text, cards and tables need not wait for it. The charts
   in view are drawn first, then the others one per task, so the page answers clicks between them;
   body[data-charts-ready=yes] says every chart is drawn (bench/first_load_bench.py times the load). */
(function () {
  var plotly = document.currentScript && document.currentScript.dataset.plotly;
  function plot(el) {
    var fig = JSON.parse(el.textContent);
    var config = Object.assign({responsive: true, displaylogo: false}, fig.config || {});
    return Plotly.newPlot(document.getElementById(el.dataset.target), fig.data, fig.layout, config);
  }
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
