/* Partnerline's behaviour, loaded by every page (no inline script: the Content-Security-Policy
   allows scripts from this site's files only). */
(function () {
  "use strict";

  // <select data-autosubmit> / <input data-autosubmit>: submit the form when the value changes.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.form && field.hasAttribute && field.hasAttribute("data-autosubmit")) {
      field.form.submit();
    }
  });

  // <input data-search-url="..." data-search-select="<select id>">: a searchable picker
  // (tenancy/widgets.py): as the user types, the select's options become the matches.
  var searchTimer = null;
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box || !box.hasAttribute || !box.hasAttribute("data-search-url")) return;
    var select = document.getElementById(box.getAttribute("data-search-select"));
    if (!select) return;
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      var url = box.getAttribute("data-search-url") + "?q=" + encodeURIComponent(box.value);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          var keep = select.value;
          while (select.options.length) select.remove(0);
          if (!select.required) select.add(new Option("—", ""));
          (data.results || []).forEach(function (item) {
            select.add(new Option(item.label, String(item.id), false, String(item.id) === keep));
          });
          if (select.options.length && !select.value) select.selectedIndex = 0;
        })
        .catch(function () {});
    }, 200);
  });

  // <div data-poll-url="..." data-poll-kind="...">: poll a job's status until it is finished.
  function poll(box) {
    var kind = box.getAttribute("data-poll-kind");
    var url = box.getAttribute("data-poll-url");
    var bar = box.querySelector(".progress > span");
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (bar && data.progress !== undefined) bar.style.width = data.progress + "%";
        var done = POLLERS[kind](box, data);
        if (!done) setTimeout(function () { poll(box); }, 1000);
      })
      .catch(function () { setTimeout(function () { poll(box); }, 3000); });
  }

  var POLLERS = {
    // Scorecard PDF (performance/report_status.html)
    report: function (box, data) {
      var status = box.querySelector("#report-status");
      if (data.status === "done") {
        status.textContent = "Ready";
        box.querySelector("#report-download").hidden = false;
        return true;
      }
      if (data.status === "failed") { status.textContent = "Failed"; return true; }
      return false;
    },
    // EDI document (integrations/document_detail.html)
    document: function (box, data) {
      if (data.status !== "received") { window.location.reload(); return true; }
      var progress = box.querySelector("[data-testid=document-progress]");
      if (progress) progress.textContent = data.progress;
      return false;
    },
    // Contract intake (contracts/intake_job.html)
    intake: function (box, data) {
      var labels = { queued: "Queued", running: "Reading", succeeded: "Done", failed: "Failed" };
      var pill = box.querySelector("[data-testid=job-status]");
      pill.textContent = labels[data.status] || data.status;
      pill.className = "pill " + data.status;
      box.querySelector("[data-testid=job-progress]").textContent = data.progress;
      if (data.error) {
        var e = box.querySelector("[data-testid=job-error]");
        e.textContent = data.error; e.hidden = false;
      }
      if (data.review_url) {
        var d = box.querySelector("[data-testid=job-done]");
        d.querySelector("a").href = data.review_url; d.hidden = false;
      }
      return !(data.status === "queued" || data.status === "running");
    },
    // Measurement import (performance/measurement_import_job.html): the page shows the result.
    reload: function (box, data) {
      if (data.status === "succeeded" || data.status === "failed") {
        window.location.reload();
        return true;
      }
      return false;
    },
  };

  // <form data-confirm="Question?">: ask before an irreversible action is sent. A button may
  // ask its own question (<button data-confirm="Reject?">): the button that sent the form asks
  // first, else the form.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question =
      (button && button.getAttribute && button.getAttribute("data-confirm")) ||
      (form && form.getAttribute && form.getAttribute("data-confirm"));
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // <a data-autofollow href="...">: go there at once (single sign-on hands over to the provider).
  function follow() {
    var link = document.querySelector("a[data-autofollow]");
    if (link) window.location.assign(link.href);
  }

  function start() {
    follow();
    var boxes = document.querySelectorAll("[data-poll-url][data-poll-active]");
    for (var i = 0; i < boxes.length; i++) poll(boxes[i]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
