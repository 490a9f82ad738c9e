/* The export job page: asks for the job's status every two seconds until the file is ready or
   the export failed, and updates the progress bar, the row count and the download link (or the
   button that exports again). */
(function () {
  var box = document.getElementById("export-job");
  if (!box) return;
  var status = box.querySelector(".export-status strong");
  var error = box.querySelector(".export-error");
  var bar = box.querySelector(".export-progress");
  var rows = box.querySelector(".export-rows");
  var link = box.querySelector(".export-download");

  function show(job) {
    status.textContent = box.getAttribute("data-label-" + job.status) || job.status;
    error.textContent = job.error || "";
    bar.max = job.rows_total || 1;
    bar.value = Math.min(job.rows_done, bar.max);
    rows.textContent = box.dataset.rowsText.replace("{done}", job.rows_done)
      .replace("{total}", job.rows_total === null ? "?" : job.rows_total);
    if (job.download_url) {
      link.href = job.download_url;
      link.classList.remove("hidden");
    }
    if (job.status === "failed") box.querySelector(".export-again").classList.remove("hidden");
    var finished = job.status === "done" || job.status === "failed";
    if (finished) box.querySelector(".export-wait").classList.add("hidden");
    return finished;
  }

  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) { if (!job || !show(job)) window.setTimeout(poll, 2000); })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  poll();
})();
