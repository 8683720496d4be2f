"use strict";
// The live tail: every 2 s the server renders the latest rows again (/live/rows) and they replace the table's body.
// Without this script the page still shows the rows as of its loading.
(function () {
  const body = document.getElementById("events");
  const status = document.getElementById("live-status");
  if (!body || !status) return;
  async function refresh() {
    try {
      const r = await fetch("/live/rows", { cache: "no-store", credentials: "same-origin", redirect: "manual" });
      if (r.status !== 200) { status.textContent = status.dataset.lost; return; }
      body.innerHTML = await r.text();
      status.textContent = status.dataset.live + " " + new Date().toLocaleTimeString();
    } catch (e) {
      status.textContent = status.dataset.lost;
    }
  }
  setInterval(refresh, 2000);
})();
