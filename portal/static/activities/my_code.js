// 我的二维码: fetch the learner's current personal code (SVG) and replace it when it changes.
(function () {
  "use strict";
  var box = document.querySelector(".my-code");
  var url = box.getAttribute("data-code-url");
  var qr = document.getElementById("my-qr");
  var countdown = document.getElementById("countdown");
  var offline = document.getElementById("offline");
  var deadline = 0;

  function refresh() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        offline.hidden = true;
        var svg = new DOMParser().parseFromString(data.svg, "image/svg+xml").documentElement;
        svg.setAttribute("aria-hidden", "true");
        qr.replaceChildren(svg);
        qr.setAttribute("data-code", data.code);
        deadline = Date.now() + data.expires_in * 1000;
        setTimeout(refresh, data.expires_in * 1000 + 300);
      })
      .catch(function () { offline.hidden = false; setTimeout(refresh, 3000); });
  }

  setInterval(function () {
    countdown.textContent = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
  }, 250);
  refresh();
})();
