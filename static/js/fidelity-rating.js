// Save each rating as the rater goes: a choice at once, a note after a short pause.
// Saves of one item go one at a time, the last one sending what is on screen then, so a slow
// answer can never put an older choice back. Without JavaScript, "Save draft" does the same job.
// Every change is also kept on this device until the service confirms it: a sign-in that ended or a
// connection lost loses nothing; the next time this page opens, what did not arrive is put back and saved,
// unless the service's rating changed since (another device): then it is shown, not saved over.
// The copy on the device is fidelity-kept.js's: per user and visit, removed at sign-out.
(function () {
  "use strict";
  var form = document.getElementById("rating-form");
  if (!form) return;
  var copy = window.imrKept(form.dataset.keepKey), kept = copy.read, keep = copy.write;
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
    return shownAs(section, checked ? checked.value : "", section.querySelector("textarea").value);
  }
  function shownAs(section, choice, note) {
    return {
      item: Number(section.dataset.item),
      value: /^[1-5]$/.test(choice) ? Number(choice) : null,
      not_applicable: choice === "NA",
      note: note
    };
  }

  function same(a, b) {
    return a.value === b.value && a.not_applicable === b.not_applicable && window.imrKept.same(a.note, b.note);
  }

  // What the service holds for each item, as far as this page knows: what it showed on opening (a form shown
  // again as sent carries that apart), then each save the service confirmed.
  var confirmed = {};
  Array.prototype.forEach.call(form.querySelectorAll(".item"), function (section) {
    var d = section.dataset;
    confirmed[d.item] = "savedChoice" in d ? shownAs(section, d.savedChoice, d.savedNote) : entry(section);
  });

  // The kept changes (fidelity-kept.js): {item: entry}, one entry per item, each with `base`, the service's
  // rating it changes.
  function remember(section) {
    var entries = kept(), e = entry(section);
    e.base = confirmed[section.dataset.item];
    entries[section.dataset.item] = e;
    keep(entries);
  }
  function onSaved(sent) {
    confirmed[sent.item] = sent;
    var entries = kept(), mine = entries[sent.item];
    if (!mine) return;
    if (same(mine, sent)) delete entries[sent.item];
    else mine.base = sent;  // changed again since it was sent: that change now goes over this save
    keep(entries);
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
      onSaved(sent);
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

  // Put back what this device kept and the page does not show, and save it, where the service still holds
  // what the kept change was made over. A page showing a form sent back with its problems shows what was sent:
  // the kept copy stays until a save succeeds.
  var entries = kept(), restored = [], clashed = [];
  Object.keys(entries).forEach(function (item) {
    var section = form.querySelector('.item[data-item="' + item + '"]');
    if (!section) { delete entries[item]; return; }
    var mine = entries[item];
    if (same(entry(section), mine)) {
      if (form.dataset.shows !== "sent") delete entries[item];
    } else if (mine.base && same(confirmed[item], mine.base)) {
      put(section, mine);
      restored.push(section);
    } else {
      clashed.push(section);  // kept until the trainer changes this item here, or signs out
    }
  });
  keep(entries);
  var notice = document.getElementById("kept-notice");
  if (restored.length) {
    say(notice, "p", "Item" + (restored.length > 1 ? "s " : " ") +
      restored.map(function (s) { return s.dataset.item; }).join(", ") +
      " had changes that did not reach the service (a sign-in that ended, or no connection); " +
      "they are put back from this device and saved now.");
    restored.forEach(save);
  }
  if (clashed.length) {
    say(notice, "p", "This device kept changes that did not reach the service, but the service's rating changed " +
      "since (on another device, or from a workbook): the service's rating is shown and nothing is saved over " +
      "it. What this device kept stays below until you change the item here or sign out.");
    var list = say(notice, "ul", "");
    clashed.forEach(function (section) { offer(list, section, entries[section.dataset.item]); });
  }
  notice.hidden = !restored.length && !clashed.length;

  function say(parent, tag, text) {
    var el = document.createElement(tag);
    el.textContent = text;
    parent.appendChild(el);
    return el;
  }
  function offer(list, section, mine) {
    var choice = mine.not_applicable ? "NA" : (mine.value === null ? "not rated" : String(mine.value));
    var li = say(list, "li", "Item " + section.dataset.item + " changed on the service since; this device kept " +
      choice + ", note: " + (mine.note ? "\u201c" + mine.note + "\u201d" : "none") + ". ");
    li.dataset.keptItem = section.dataset.item;
    var button = say(li, "button", "Put this back and save it");
    button.type = "button";
    button.className = "link";
    button.addEventListener("click", function () {
      put(section, mine);
      remember(section);
      save(section);
      li.removeChild(button);
    });
  }
})();
