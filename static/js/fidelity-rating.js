// Save each rating as the rater goes: a choice at once, a note after a short pause.
// Saves of one item go one at a time, the last one sending what is on screen then, so a slow
// answer can never put an older choice back. Without JavaScript, "Save draft" does the same job.
// Every change is also kept on this device until the service confirms it: a sign-in that ended or a
// connection lost loses nothing; the next time this page opens, what did not arrive is put back and saved.
(function () {
  "use strict";
  var form = document.getElementById("rating-form");
  if (!form) return;
  var keepKey = form.dataset.keepKey;
  if (form.dataset.editable !== "yes") { keep({}); return; }  // nothing can change here any more
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

  function same(a, b) {
    return a.value === b.value && a.not_applicable === b.not_applicable && a.note === b.note;
  }

  // The kept changes: {item: entry}, one entry per item, in localStorage (which may refuse: then keep nothing).
  function kept() {
    try { return JSON.parse(localStorage.getItem(keepKey) || "{}"); } catch (e) { return {}; }
  }
  function keep(entries) {
    try {
      if (Object.keys(entries).length) localStorage.setItem(keepKey, JSON.stringify(entries));
      else localStorage.removeItem(keepKey);
    } catch (e) { /* private mode or full: the page still saves as it goes */ }
  }
  function remember(section) {
    var entries = kept();
    entries[section.dataset.item] = entry(section);
    keep(entries);
  }
  function forget(sent) {
    var entries = kept();
    if (entries[sent.item] && same(entries[sent.item], sent)) { delete entries[sent.item]; keep(entries); }
  }

  function put(section, e) {
    var choice = e.not_applicable ? "NA" : (e.value === null ? "" : String(e.value));
    var radio = section.querySelector('input[type=radio][value="' + choice + '"]');
    if (radio) radio.checked = true;
    section.querySelector("textarea").value = e.note;
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
      return response.json().then(function (data) { return {status: response.status, data: data}; });
    }).then(function (result) {
      if (result.status >= 300) {
        var e = result.data.error || {};
        var failure = new Error([e.message].concat(e.problems || []).join(" "));
        // A sign-in that ended or a page too old to send: the change waits on this device. Else it was refused.
        failure.waits = result.status === 401 || e.title === "Form expired";
        throw failure;
      }
      forget(sent);
      state.textContent = "Saved.";
      count.textContent = result.data.rated;
      overall.textContent = "· all changes saved";
      var link = document.querySelector('[data-index-item="' + sent.item + '"]');
      if (link) link.classList.toggle("rated", sent.value !== null || sent.not_applicable);
    }).catch(function (err) {
      var waits = err.waits !== false;  // no answer at all (no connection) waits too
      state.textContent = (waits ? "Not saved yet: " : "Not saved: ") +
        (err.waits === undefined ? "no connection to the service." : err.message) +
        (waits ? " Kept on this device: open this page again (signed in, with a connection) and it is put " +
                 "back and saved." : "");
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
    remember(section);
    clearTimeout(timers[section.dataset.item]);
    save(section);
  });
  form.addEventListener("input", function (event) {
    if (event.target.tagName !== "TEXTAREA") return;
    var section = event.target.closest(".item");
    remember(section);
    clearTimeout(timers[section.dataset.item]);
    timers[section.dataset.item] = setTimeout(function () { save(section); }, 800);
  });

  // Put back what this device kept and the page does not show, and save it. A page showing a form sent back
  // with its problems shows what was sent: the kept copy stays until a save succeeds.
  var entries = kept(), restored = [];
  Object.keys(entries).forEach(function (item) {
    var section = form.querySelector('.item[data-item="' + item + '"]');
    if (!section) { delete entries[item]; return; }
    if (same(entry(section), entries[item])) {
      if (form.dataset.shows !== "sent") delete entries[item];
      return;
    }
    put(section, entries[item]);
    restored.push(section);
  });
  keep(entries);
  if (restored.length) {
    var notice = document.getElementById("kept-notice");
    notice.textContent = "Item" + (restored.length > 1 ? "s " : " ") +
      restored.map(function (s) { return s.dataset.item; }).join(", ") +
      " had changes that did not reach the service (a sign-in that ended, or no connection); " +
      "they are put back from this device and saved now.";
    notice.hidden = false;
    restored.forEach(save);
  }
})();
