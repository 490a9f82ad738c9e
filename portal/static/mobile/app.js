/* The phone app's page script: registers the service worker (the installable shell), counts down
   the 获取验证码 button, and refreshes the captcha picture when it is tapped. */
(function () {
  "use strict";
  var script = document.currentScript;
  if ("serviceWorker" in navigator && script && script.dataset.worker) {
    navigator.serviceWorker.register(script.dataset.worker, {scope: script.dataset.scope}).catch(function () {});
  }

  var send = document.getElementById("send-code");
  var left = send ? parseInt(send.dataset.wait, 10) || 0 : 0;
  if (left > 0) {
    var label = send.textContent;
    var tick = function () {
      if (left <= 0) { send.disabled = false; send.textContent = label; return; }
      send.disabled = true;
      send.textContent = send.dataset.again.replace("{n}", left);
      left -= 1;
      setTimeout(tick, 1000);
    };
    tick();
  }

  var picture = document.getElementById("captcha-image");
  if (picture) {
    picture.parentNode.addEventListener("click", function (event) {
      event.preventDefault();
      picture.src = picture.src.split("?")[0] + "?t=" + Date.now();
    });
  }
})();
