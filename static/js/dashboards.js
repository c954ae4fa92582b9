/* Dashboard pages: open the table views and fit the charts to the page when printing (figures.js draws the
   charts). */
(function () {
  // Printed pages are narrower than most screens, and beforeprint runs before the print layout: draw each
  // chart at most PRINT_WIDTH wide (fits A4 and Letter), then let it follow the window again.
  var PRINT_WIDTH = 680;
  function eachPlot(update) {
    document.querySelectorAll('.plot').forEach(function (el) { if (el.data) { Plotly.relayout(el, update(el)); } });
  }
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details.table-view').forEach(function (d) { d.open = true; });
    eachPlot(function (el) { return {width: Math.min(el.clientWidth, PRINT_WIDTH)}; });
  });
  window.addEventListener('afterprint', function () {
    eachPlot(function () { return {width: null, autosize: true}; });
  });
})();
