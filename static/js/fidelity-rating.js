// Save each rating as the rater goes: a choice at once, a note after a short pause.
// Without JavaScript the page still works through its "Save draft" button.
(function () {
  "use strict";
  var form = document.getElementById("rating-form");
  if (!form || form.dataset.editable !== "yes") return;
  var url = form.dataset.saveUrl;
  var token = form.querySelector("input[name=csrf_token]").value;
  var overall = document.getElementById("save-status");
  var count = document.getElementById("rated-count");
  var timers = {};

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

  function save(section) {
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
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target.type === "radio") save(event.target.closest(".item"));
  });
  form.addEventListener("input", function (event) {
    if (event.target.tagName !== "TEXTAREA") return;
    var section = event.target.closest(".item");
    clearTimeout(timers[section.dataset.item]);
    timers[section.dataset.item] = setTimeout(function () { save(section); }, 800);
  });
})();
