// Signing out removes the rating and consensus changes fidelity-kept.js keeps on this device (localStorage keys
// starting with the prefix the sign-out form carries in data-clears, fidelity/visits/kept.py's DEVICE_PREFIX, the
// one the forms' data-keep-key starts with): evidence notes must not stay on a shared computer after sign-out.
(function () {
  "use strict";
  var form = document.getElementById("sign-out");
  var prefix = form && form.dataset.clears;
  if (!prefix) return;
  form.addEventListener("submit", function () {
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var key = localStorage.key(i);
        if (key && key.indexOf(prefix) === 0) localStorage.removeItem(key);
      }
    } catch (e) { /* storage refused: then nothing was kept either */ }
  });
})();
