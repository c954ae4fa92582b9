// Save each rating as the rater goes: a choice at once, a note after a short pause.
// Saves of one item go one at a time, the last one sending what is on screen then, so a slow
// answer can never put an older choice back. Without JavaScript, "Save draft" does the same job.
(function () {
  "use strict";
  var form = document.getElementById("rating-form");
  if (!form || form.dataset.editable !== "yes") return;
  var url = form.dataset.saveUrl;
  var token = form.querySelector("input[name=csrf_token]").value;
  var overall = document.getElementById("save-status");
  var count = document.getElementById("rated-count");
  var timers = {}, busy = {}, again = {};
  var inFlight = 0;
  form.dataset.pending = "0";

  function entry(section) {
    var checked = section.querySelector("input[type=radio]:checked");
    var choice = checked ? checked.value : "";
    return {
      item: Number(section.dataset.item),
      value: /^[1-5]$/.test(choice) ? Number(choice) : null,
      not_applicable: choice === "NA",
      note: section.querySelector("textarea").value
    };
  }

  function track(change) {
    inFlight += change;
    form.dataset.pending = String(inFlight);
  }

  function save(section) {
    var key = section.dataset.item;
    if (busy[key]) { again[key] = true; return; }
    busy[key] = true;
    track(1);
    var state = section.querySelector(".save-state");
    var sent = entry(section);
    state.textContent = "Saving…";
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token},
      body: JSON.stringify({ratings: [sent]})
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (result) {
      if (!result.ok) {
        var e = result.data.error || {};
        throw new Error([e.message].concat(e.problems || []).join(" "));
      }
      state.textContent = "Saved.";
      count.textContent = result.data.rated;
      overall.textContent = "· all changes saved";
      var link = document.querySelector('[data-index-item="' + sent.item + '"]');
      if (link) link.classList.toggle("rated", sent.value !== null || sent.not_applicable);
    }).catch(function (err) {
      state.textContent = "Not saved: " + err.message + " Use “Save draft” below.";
      overall.textContent = "· some changes are not saved";
    }).then(function () {
      busy[key] = false;
      track(-1);
      if (again[key]) { again[key] = false; save(section); }
    });
  }

  form.addEventListener("change", function (event) {
    // A radio choice, or leaving a note (Tab, click elsewhere): save now.
    var section = event.target.closest(".item");
    if (!section) return;
    clearTimeout(timers[section.dataset.item]);
    save(section);
  });
  form.addEventListener("input", function (event) {
    if (event.target.tagName !== "TEXTAREA") return;
    var section = event.target.closest(".item");
    clearTimeout(timers[section.dataset.item]);
    timers[section.dataset.item] = setTimeout(function () { save(section); }, 800);
  });
})();
