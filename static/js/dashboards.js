/* Draw every figure a dashboard page embeds as JSON; open the table views when printing. */
(function () {
  var pending = [];
  document.querySelectorAll('script.figure').forEach(function (el) {
    var fig = JSON.parse(el.textContent);
    var target = document.getElementById(el.dataset.target);
    pending.push(Plotly.newPlot(target, fig.data, fig.layout, {responsive: true, displaylogo: false}));
  });
  Promise.all(pending).then(function () { document.body.dataset.chartsReady = 'yes'; });
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details.table-view').forEach(function (d) { d.open = true; });
  });
})();
