// Signing out removes the rating changes fidelity-rating.js keeps on this device (localStorage keys
// "imr-rating:<user>:<visit>"): evidence notes must not stay on a shared computer after sign-out.
(function () {
  "use strict";
  var form = document.getElementById("sign-out");
  if (!form) return;
  form.addEventListener("submit", function () {
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var key = localStorage.key(i);
        if (key && key.indexOf("imr-rating:") === 0) localStorage.removeItem(key);
      }
    } catch (e) { /* storage refused: then nothing was kept either */ }
  });
})();
