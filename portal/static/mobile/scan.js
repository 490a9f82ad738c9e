/* 扫一扫: the camera in the page reads a QR code with the browser's BarcodeDetector where it has
   one for QR codes, else with jsQR (our static files, loaded only then). A code that is a URL of
   this site (this origin or PORTAL_BASE_URL's) is opened; anything else is refused and never opened.
   A check-in code's frame, as the camera saw it when the code was read, is kept (JPEG, in this tab's
   sessionStorage under FRAME_KEY) for the check-in page: a session that asks for a face check sends
   it with the check-in, and the page drops it at once either way. */
(function () {
  "use strict";
  var panel = document.getElementById("scanner");
  var opener = document.getElementById("scan-open");
  if (!panel || !opener) return;
  var video = document.getElementById("scan-video");
  var viewfinder = document.getElementById("scan-viewfinder");
  var status = document.getElementById("scan-status");
  var ours = [location.origin];
  try { ours.push(new URL(panel.dataset.base).origin); } catch (e) { /* no base URL configured */ }
  var stream = null;
  var read = null;
  var FRAME_KEY = "portal.checkInFrame";

  function say(text, error) {
    status.textContent = text;
    status.className = "m-note" + (error ? " m-note-error" : "");
  }

  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    viewfinder.hidden = true;
  }

  function loadDecoder() {
    if (window.jsQR) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = panel.dataset.decoder;
      tag.onload = resolve;
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  function pickReader() {
    var native = "BarcodeDetector" in window
      ? window.BarcodeDetector.getSupportedFormats().catch(function () { return []; })
      : Promise.resolve([]);
    return native.then(function (formats) {
      if (formats.indexOf("qr_code") >= 0) {
        var detector = new window.BarcodeDetector({formats: ["qr_code"]});
        return function () {
          return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
        };
      }
      return loadDecoder().then(function () {
        var canvas = document.createElement("canvas");
        var context = canvas.getContext("2d", {willReadFrequently: true});
        return function () {
          var width = video.videoWidth, height = video.videoHeight;
          if (!width || !height) return Promise.resolve(null);
          var scale = Math.min(1, 640 / Math.max(width, height));
          canvas.width = Math.round(width * scale);
          canvas.height = Math.round(height * scale);
          context.drawImage(video, 0, 0, canvas.width, canvas.height);
          var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
          var code = window.jsQR(pixels.data, canvas.width, canvas.height, {inversionAttempts: "attemptBoth"});
          return Promise.resolve(code ? code.data : null);
        };
      });
    });
  }

  function target(text) {
    var url;
    try { url = new URL(text); } catch (e) { return null; }
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    return ours.indexOf(url.origin) >= 0 ? url : null;
  }

  function keepFrame(url) {
    if (url.pathname.indexOf(panel.dataset.checkIn) !== 0 || !video.videoWidth) return;
    try {
      var canvas = document.createElement("canvas");
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      sessionStorage.setItem(FRAME_KEY, JSON.stringify(
        {path: url.pathname, at: Date.now(), jpeg: canvas.toDataURL("image/jpeg", 0.9)}));
    } catch (e) { /* no frame (storage full or refused): the check-in goes without one */ }
  }

  function look() {
    if (!stream) return;
    read().then(function (text) {
      if (!stream) return;
      if (!text) { setTimeout(look, 150); return; }
      var url = target(text);
      if (url) {
        say(panel.dataset.opening, false);
        keepFrame(url);
        stop();
        location.assign(url.href);
        return;
      }
      say(panel.dataset.foreign.replace("{text}", text.slice(0, 80)), true);
      setTimeout(look, 1500);
    }).catch(function () { setTimeout(look, 300); });
  }

  function start() {
    panel.hidden = false;
    panel.scrollIntoView({block: "start"});
    if (stream) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(panel.dataset.noCamera, true);
      return;
    }
    say(panel.dataset.starting, false);
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false}).then(function (got) {
      stream = got;
      video.srcObject = got;
      viewfinder.hidden = false;
      return video.play().then(pickReader).then(function (reader) {
        read = reader;
        say(panel.dataset.aim, false);
        look();
      });
    }).catch(function (error) {
      stop();
      var refused = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
      say(refused ? panel.dataset.denied : panel.dataset.noCamera, true);
    });
  }

  opener.addEventListener("click", start);
  document.getElementById("scan-close").addEventListener("click", function () {
    stop();
    panel.hidden = true;
  });
  window.addEventListener("pagehide", stop);
})();
