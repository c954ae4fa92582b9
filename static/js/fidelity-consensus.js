// The consensus form is sent as usual (Save), but what the trainer changes is also kept on this device
// (fidelity-kept.js: per user and visit, removed at sign-out) until the page shows it saved. Save pressed with
// no connection says so and leaves the page as it is, instead of the browser's "no connection" page; the next
// time this page opens, what was not saved is put back in the form, to save with Save. Each field goes back
// with the stamp of what the page showed when it was changed (its was_ field): a Save then still keeps what the
// other trainer changed meanwhile and names the items both changed (fidelity/visits/stale.py).
(function () {
  "use strict";
  var form = document.getElementById("consensus-form");
  if (!form || !form.dataset.keepKey) return;
  var copy = window.imrKept(form.dataset.keepKey), same = window.imrKept.same;
  var fields = Array.prototype.filter.call(form.elements, function (el) {
    return /^(choice_\d+|note_\d+|recommendations)$/.test(el.name);
  });
  if (!fields.length) { copy.write({}); return; }  // final: nothing can change here any more
  var probe = document.currentScript.src;  // a small file, asked of the service to learn whether it answers
  var status = document.getElementById("consensus-status");
  var notice = document.getElementById("kept-notice");
  var sent = form.dataset.shows === "sent";  // a form shown again as sent: none of it is saved

  function stampOf(field) {
    return form.elements["was_" + field.name.replace(/^(choice|note)_/, "")];
  }
  var opened = {};
  fields.forEach(function (f) { opened[f.name] = sent ? null : f.value; });

  // The copy: {fields: {name: value}, was: {name: stamp}}, the fields changed since the page opened.
  function remember() {
    var changed = {}, was = {};
    fields.forEach(function (f) {
      if (opened[f.name] !== null && same(f.value, opened[f.name])) return;
      changed[f.name] = f.value;
      var stamp = stampOf(f);
      if (stamp) was[stamp.name] = stamp.value;
    });
    copy.write(Object.keys(changed).length ? {fields: changed, was: was} : {});
  }

  var kept = copy.read();
  if (kept.fields && !sent) {
    var names = Object.keys(kept.fields).filter(function (name) { return form.elements[name]; });
    if (names.every(function (name) { return same(form.elements[name].value, kept.fields[name]); })) {
      copy.write({});  // saved since: the page shows it
    } else {
      names.forEach(function (name) { form.elements[name].value = kept.fields[name]; });
      Object.keys(kept.was || {}).forEach(function (name) {
        if (form.elements[name]) form.elements[name].value = kept.was[name];
      });
      notice.textContent = "Your consensus changes that did not reach the service (no connection, or a sign-in " +
        "that ended) are put back from this device: nothing is saved until you press Save.";
      notice.hidden = false;
    }
  }

  form.addEventListener("input", remember);
  form.addEventListener("change", remember);

  var checking = false, answered = false;
  form.addEventListener("submit", function (event) {
    remember();
    if (answered) { answered = false; return; }  // the service answered just now: the browser sends the form
    event.preventDefault();
    if (checking) return;
    checking = true;
    var button = event.submitter;
    status.textContent = "Saving…";
    fetch(probe, {method: "HEAD", cache: "no-store"}).then(function () {
      status.textContent = "";
      answered = true;
      form.requestSubmit(button);
    }, function () {
      status.textContent = "Not saved: no connection to the service. Your changes are kept on this device: " +
        "press Save again once the connection is back, or open this page again later and they are put back.";
    }).then(function () { checking = false; });
  });
})();
