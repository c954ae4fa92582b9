// Poll a running import's progress (JSON under /api/v1) and reload the page when it has finished.
(function () {
  var box = document.getElementById("import-progress-box");
  if (!box) { return; }
  var bar = document.getElementById("import-progress");
  var phase = document.getElementById("import-phase");
  var percent = document.getElementById("import-percent");
  var status = document.getElementById("import-status");
  var waiting = document.getElementById("import-waiting");  // shown while no worker has taken the import
  function poll() {
    fetch(box.dataset.poll, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data) {
          var b = data.imports;
          bar.value = b.percent;
          bar.textContent = b.percent + "%";
          percent.textContent = b.percent + "%";
          phase.textContent = b.phase || "working";
          status.textContent = b.status;
          if (waiting) { waiting.hidden = !b.waiting_for_worker; }
          if (!b.running) {
            box.dataset.finished = "true";
            window.location.reload();
            return;
          }
        }
        window.setTimeout(poll, 700);
      })
      .catch(function () { window.setTimeout(poll, 1500); });  // the database may be busy writing: try again
  }
  window.setTimeout(poll, 400);
})();
