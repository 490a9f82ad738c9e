// The projector page: fetch the session's current code (as SVG) before its window ends, show
// it with the live count and a countdown. Never builds a code itself: the server's clock rules.
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-code-url");
  var windowSeconds = Number(body.getAttribute("data-window")) || 30;
  var qr = document.getElementById("qr");
  var count = document.getElementById("count");
  var countdown = document.getElementById("countdown");
  var offline = document.getElementById("offline");
  var deadline = 0;

  function show(data) {
    var svg = new DOMParser().parseFromString(data.svg, "image/svg+xml").documentElement;
    svg.setAttribute("aria-hidden", "true");
    qr.replaceChildren(svg);
    qr.setAttribute("data-url", data.url);
    count.textContent = data.count;
    deadline = Date.now() + data.expires_in * 1000;
  }

  function refresh() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        offline.hidden = true;
        show(data);
        // A new code just after the window turns (and the count meanwhile, every few seconds).
        setTimeout(refresh, Math.min(data.expires_in * 1000 + 300, 5000));
      })
      .catch(function () { offline.hidden = false; setTimeout(refresh, 2000); });
  }

  setInterval(function () {
    countdown.textContent = Math.max(0, Math.ceil((deadline - Date.now()) / 1000)) || windowSeconds;
  }, 250);
  refresh();
})();
