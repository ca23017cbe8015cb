// Import progress: rows of running jobs poll their status (and listen for job_progress events);
// the state lives on the server, so a reloaded page picks it up again.
(function () {
  "use strict";
  function update(row, job) {
    var bar = row.querySelector("progress");
    bar.max = Math.max(job.total, 1);
    bar.value = job.progress;
    row.querySelector(".job-progress-text").textContent = job.progress + " / " + job.total;
    if (job.state === "done" || job.state === "failed") {
      row.dataset.state = job.state;
      window.location.reload();
    }
  }
  function poll(row) {
    fetch(row.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        update(row, job);
        if (job.state === "queued" || job.state === "running") { window.setTimeout(function () { poll(row); }, 1000); }
      })
      .catch(function () { window.setTimeout(function () { poll(row); }, 3000); });
  }
  document.querySelectorAll(".import-job").forEach(function (row) {
    if (row.dataset.state === "queued" || row.dataset.state === "running") { poll(row); }
  });
})();
