// clauselens review: keyboard shortcuts. Served from /static (CSP script-src 'self').
// Queue: j/k move the selection, Enter or o opens it, / focuses the filters.
// Item: j next, k previous, a approve, e edit, r reject, u back to the queue,
// t switches the clause between its rendered Markdown and its raw text,
// Ctrl+Enter (or Cmd+Enter) submits the form being typed in, Esc leaves a field.
// Both: z undoes the action just confirmed, while its Undo button shows (data-seconds).
(function () {
  "use strict";

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function follow(id) {
    var link = document.getElementById(id);
    if (link && link.href) window.location.href = link.href;
  }

  function queueKeys() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr"));
    var at = 0;
    function select(i) {
      if (!rows.length) return;
      at = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r, n) { r.classList.toggle("selected", n === at); });
      rows[at].scrollIntoView({ block: "nearest" });
    }
    select(0);
    document.querySelectorAll(".filters select").forEach(function (el) {
      el.addEventListener("change", function () { el.form.requestSubmit(); });
    });
    rows.forEach(function (row, n) {
      row.addEventListener("click", function () { select(n); });
    });
    return {
      j: function () { select(at + 1); },
      k: function () { select(at - 1); },
      o: function () { if (rows.length) window.location.href = rows[at].dataset.href; },
      Enter: function () { if (rows.length) window.location.href = rows[at].dataset.href; },
      "/": function () {
        var first = document.querySelector(".filters select");
        if (first) first.focus();
      },
    };
  }

  function rawToggle() {
    var button = document.getElementById("raw-toggle");
    var rendered = document.getElementById("clause-text");
    var raw = document.getElementById("clause-raw");
    if (!button || !rendered || !raw) return function () {};
    function toggle() {
      var showRaw = raw.hidden;
      raw.hidden = !showRaw;
      rendered.hidden = showRaw;
      button.setAttribute("aria-pressed", showRaw ? "true" : "false");
    }
    button.addEventListener("click", toggle);
    return toggle;
  }

  function itemKeys() {
    return {
      t: rawToggle(),
      j: function () { follow("next-link"); },
      k: function () { follow("prev-link"); },
      u: function () { follow("queue-link"); },
      a: function () {
        var form = document.getElementById("approve-form");
        var button = form && form.querySelector("button");
        if (form && button && !button.disabled) form.requestSubmit();
      },
      e: function () {
        var panel = document.getElementById("edit-panel");
        if (!panel) return;
        panel.open = true;
        var first = panel.querySelector("input[type=text], select, textarea");
        if (first) { first.focus(); panel.scrollIntoView({ block: "start" }); }
      },
      r: function () {
        var note = document.getElementById("reject-note");
        if (note) note.focus();
      },
    };
  }

  function offerUndo(keys) {
    var form = document.getElementById("undo-form");
    if (!form) return;
    var seconds = parseInt(form.dataset.seconds, 10) || 10;
    window.setTimeout(function () { form.remove(); }, seconds * 1000);
    keys.z = function () {
      if (document.getElementById("undo-form")) form.requestSubmit();
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.body.dataset.page;
    var keys = page === "queue" ? queueKeys() : page === "item" ? itemKeys() : {};
    offerUndo(keys);

    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (typing(target)) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.form) {
          event.preventDefault();
          target.form.requestSubmit();
        } else if (event.key === "Escape") {
          target.blur();
        }
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var handler = keys[event.key];
      if (handler) {
        event.preventDefault();
        handler();
      }
    });
  });
})();
