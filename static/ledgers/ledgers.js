/* Ledger pages: live progress of export jobs, and a guard against double-submitting an upload.
   Served from our own origin (the CSP allows no inline script); the pages work without it. */
(function () {
  "use strict";

  var POLL_MS = 1000;

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  /* Each .ledger-progress polls its job's JSON until the job is finished, then shows the
     download link (in its table row, or the page's #download-link) or the error. */
  function watch(box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector("progress");
    var text = box.querySelector(".ledger-progress-text");
    var error = box.querySelector(".ledger-progress-error");
    var row = box.closest("tr");
    var link = row ? row.querySelector(".ledger-download") : document.getElementById("download-link");
    var rows = document.querySelector(".ledger-rows");
    var status = box.getAttribute("data-status");
    if (!url || status === "done" || status === "failed") { return; }

    function show(state) {
      bar.value = state.progress;
      bar.textContent = state.progress + "%";
      text.textContent = state.status_display + (state.status === "running" ? " · " + state.progress + "%" : "");
      box.setAttribute("data-status", state.status);
      if (rows && state.rows_total) {
        rows.textContent = rows.textContent.replace(/\d[\d,]*(\D+)\d[\d,]*/, state.rows_done + "$1" + state.rows_total);
      }
      if (state.status === "failed" && error) {
        error.textContent = state.error;
        error.hidden = false;
      }
      if (state.download_url && link) {
        link.href = state.download_url;
        link.hidden = false;
      }
      if (state.finished) {
        each(".ledger-wait", function (el) { el.hidden = true; });
        /* an import batch's page shows its outcome (problems, skipped rows) once it is done */
        if (box.hasAttribute("data-reload-when-finished")) { window.location.reload(); }
      }
    }

    function poll() {
      var request = new XMLHttpRequest();
      request.open("GET", url);
      request.setRequestHeader("Accept", "application/json");
      request.onload = function () {
        if (request.status !== 200) { return; }
        var state = JSON.parse(request.responseText);
        show(state);
        if (!state.finished) { window.setTimeout(poll, POLL_MS); }
      };
      request.onerror = function () { window.setTimeout(poll, POLL_MS * 5); };
      request.send();
    }
    window.setTimeout(poll, POLL_MS / 2);
  }

  /* An upload button works once: a double click posts the file once (the server would refuse
     the second copy anyway). */
  function guardOnce() {
    each("button[data-once]", function (button) {
      var form = button.form;
      if (!form) { return; }
      form.addEventListener("submit", function () {
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  }

  function start() {
    each(".ledger-progress", watch);
    guardOnce();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
