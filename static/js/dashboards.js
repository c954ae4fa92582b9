/* Dashboard pages: label the charts and open the table views when printing (figures.js draws the charts and
   fits them to the window and the printed page). */
(function () {
  // The drawing is one image to a screen reader; the toolbar beside it stays a set of buttons (axe-core's
  // nested-interactive: buttons inside role=img cannot be reached). figures.js marks the body when drawn.
  function label() {
    document.querySelectorAll('.plot[data-label]').forEach(function (target) {
      target.querySelectorAll('svg.main-svg').forEach(function (svg, i) {
        if (i === 0) {
          svg.setAttribute('role', 'img');
          svg.setAttribute('aria-label', target.dataset.label);
        } else {
          svg.setAttribute('aria-hidden', 'true');
        }
      });
    });
  }
  if (document.body.dataset.chartsReady) {
    label();
  } else {
    new MutationObserver(function (changes, observer) {
      if (document.body.dataset.chartsReady) { observer.disconnect(); label(); }
    }).observe(document.body, {attributes: true, attributeFilter: ['data-charts-ready']});
  }
  window.addEventListener('beforeprint', function () {  // printed, the table views are open (figures.js fits the charts)
    document.querySelectorAll('details.table-view').forEach(function (d) { d.open = true; });
  });
})();
