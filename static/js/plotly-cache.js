/* On the sign-in page: have Plotly's bundle ready before the first chart page. Where the browser has service
   workers, static/js/plotly-worker.js keeps it with its compiled code; elsewhere a prefetch puts it in the
   HTTP cache (downloaded, but compiled again by each page). The chart pages' own styles and scripts (data-files)
   are fetched into the HTTP cache too: a fetch rather than <link rel=prefetch>, which some browsers never act on. */
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
  // keepalive: a person who signs in at once still leaves them cached.
  (tag.dataset.files || '').split(' ').filter(Boolean).forEach(function (url) {
    fetch(url, {credentials: 'same-origin', keepalive: true}).catch(function () {});
  });
})();
