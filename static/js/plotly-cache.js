/* On the sign-in page: have Plotly's bundle ready before the first chart page. Where the browser has service
   workers, static/js/plotly-worker.js keeps it with its compiled code; elsewhere a prefetch puts it in the
   HTTP cache (downloaded, but compiled again by each page). */
(function () {
  var tag = document.currentScript;
  function prefetch() {
    var link = document.createElement('link');
    link.rel = 'prefetch';
    link.as = 'script';
    link.href = tag.dataset.plotly;
    document.head.appendChild(link);
  }
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(tag.dataset.worker, {scope: '/'}).catch(prefetch);
  } else {
    prefetch();
  }
})();
