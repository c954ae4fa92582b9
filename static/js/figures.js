/* Draw every Plotly figure a page embeds as <script type="application/json" class="figure">.
   Figures travel as data, never as inline script, so the Content-Security-Policy can forbid inline script. */
(function () {
  var draw = function () {
    var pending = [];
    document.querySelectorAll('script.figure').forEach(function (el) {
      var fig = JSON.parse(el.textContent);
      var config = Object.assign({responsive: true, displaylogo: false}, fig.config || {});
      pending.push(Plotly.newPlot(document.getElementById(el.dataset.target), fig.data, fig.layout, config));
    });
    Promise.all(pending).then(function () { document.body.dataset.chartsReady = 'yes'; });
  };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', draw);
  } else {
    draw();
  }
})();
