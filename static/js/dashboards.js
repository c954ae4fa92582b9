/* Open a dashboard's table views when printing (figures.js draws its charts). */
window.addEventListener('beforeprint', function () {
  document.querySelectorAll('details.table-view').forEach(function (d) { d.open = true; });
});
