// Polls a background job's state (an audit, an upload) and moves its progress bar until it is done or failed.
(function () {
  var box = document.getElementById("job");
  if (!box || box.dataset.state !== "running" || !window.fetch) return;
  var bar = document.getElementById("job-progress");
  var unit = box.dataset.unit || "records";
  function show(s) {
    document.getElementById("job-phase").textContent = s.phase;
    document.getElementById("job-count").textContent = s.done + " of " + (s.total || "?") + " " + unit;
    bar.max = s.total || 1;
    bar.value = s.done;
    if (s.state === "done") {
      bar.value = bar.max;
      if (s.result_url) document.getElementById("result-link").href = s.result_url;
      if (s.message) document.getElementById("job-message").textContent = s.message;
      document.getElementById("job-done").hidden = false;
    } else if (s.state === "failed") {
      var list = document.getElementById("job-problems");
      document.getElementById("job-error-text").textContent = (list && s.summary) || s.error;
      if (list && s.summary) {
        list.textContent = "";
        (s.problems || []).forEach(function (p) {
          var item = document.createElement("li");
          item.textContent = p;
          list.appendChild(item);
        });
      }
      document.getElementById("job-error").hidden = false;
    }
    box.dataset.state = s.state;
  }
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error("the portal answered " + r.status);
        return r.json();
      })
      .then(function (s) { show(s); if (s.state === "running") setTimeout(poll, 500); })
      .catch(function (e) { show({ phase: "lost contact", done: bar.value, total: bar.max, state: "failed", error: String(e) }); });
  }
  setTimeout(poll, 300);
})();
