// Signing out removes the rating and consensus changes fidelity-kept.js keeps on this device (localStorage keys
// starting with the prefix the sign-out form carries in data-clears, fidelity/visits/kept.py's DEVICE_PREFIX, the
// one the forms' data-keep-key starts with): evidence notes must not stay on a shared computer after sign-out.
// The page shown after a form was finalised or handed in names that form's copy in data-done: it is on record and
// the form takes no more changes, so the copy goes now, not at sign-out.
(function () {
  "use strict";
  var form = document.getElementById("sign-out");
  var prefix = form && form.dataset.clears;
  if (!prefix) return;
  function remove(done) {
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var key = localStorage.key(i);
        if (key && done(key)) localStorage.removeItem(key);
      }
    } catch (e) { /* storage refused: then nothing was kept either */ }
  }
  var finished = (form.dataset.done || "").split(" ").filter(Boolean);
  if (finished.length) remove(function (key) { return finished.indexOf(key) >= 0; });
  form.addEventListener("submit", function () {
    remove(function (key) { return key.indexOf(prefix) === 0; });
  });
})();
