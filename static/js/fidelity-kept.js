// Fidelity work not saved yet, kept on this device (localStorage) until the service has it: the rating page
// (fidelity-rating.js) and the consensus page (fidelity-consensus.js) use it. Each page's form names its copy in
// data-keep-key: fidelity/visits/kept.py's DEVICE_PREFIX, then the user and the visit, so one trainer's copy is
// never read on another's sign-in, and signing out (sign-out.js) removes every key with that prefix: notes must
// not stay on a shared computer. The page shown after a finalise or a hand-in removes that form's copy at once
// (kept.py's done_on_device). Storage may refuse (private mode, full): then nothing is kept.
window.imrKept = function (key) {
  "use strict";
  return {
    read: function () {
      try { return JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { return {}; }
    },
    write: function (value) {  // an empty object removes the copy
      try {
        if (Object.keys(value).length) localStorage.setItem(key, JSON.stringify(value));
        else localStorage.removeItem(key);
      } catch (e) { /* refused: the page still saves as usual */ }
    }
  };
};
// Whether two field values show the same, compared as the service compares and stores them (stale.stamp: line
// ends as \n, spaces at either end trimmed): a note saved with a trailing space is shown back trimmed, and that
// is the note saved, not a change that did not reach the service.
window.imrKept.same = function (a, b) {
  "use strict";
  function plain(text) { return (text || "").replace(/\r\n/g, "\n").trim(); }
  return plain(a) === plain(b);
};
