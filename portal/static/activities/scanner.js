// The organiser's scanner of 我的二维码: the camera in the page, the browser's BarcodeDetector
// where it exists, jsQR (vendored) otherwise; each code read is posted once.
(function () {
  "use strict";
  var box = document.querySelector(".scanner");
  var video = document.getElementById("camera");
  var canvas = document.getElementById("frame");
  var status = document.getElementById("status");
  var list = document.getElementById("scanned");
  var seen = {};
  var detector = ("BarcodeDetector" in window) ? new window.BarcodeDetector({formats: ["qr_code"]}) : null;

  function kind() { return document.querySelector("input[name=kind]:checked").value; }

  function record(code) {
    if (seen[code]) { return; }
    seen[code] = true;
    fetch(box.getAttribute("data-scan-url"), {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": box.getAttribute("data-csrf")},
      body: JSON.stringify({code: code, kind: kind()})
    }).then(function (r) { return r.json().then(function (data) { return {status: r.status, data: data}; }); })
      .then(function (answer) {
        var item = document.createElement("li");
        if (answer.status === 200 || answer.status === 201) {
          item.className = "text-success";
          item.textContent = "✔ " + answer.data.name;
        } else {
          item.className = "text-danger";
          item.textContent = "✘ " + (answer.data.message || answer.status);
        }
        status.textContent = item.textContent;
        list.insertBefore(item, list.firstChild);
      });
  }

  function readFrame() {
    if (video.readyState < 2) { return Promise.resolve(null); }
    if (detector) {
      return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
    }
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    var context = canvas.getContext("2d", {willReadFrequently: true});
    context.drawImage(video, 0, 0);
    var found = window.jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
    return Promise.resolve(found ? found.data : null);
  }

  function loop() {
    readFrame().then(function (text) {
      if (text && text.indexOf("CME1:") === 0) { record(text); }
    }).catch(function () { detector = null; }).then(function () { setTimeout(loop, 250); });
  }

  document.getElementById("start").addEventListener("click", function (event) {
    event.target.hidden = true;
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false}).then(function (stream) {
      video.srcObject = stream;
      return video.play();
    }).then(loop).catch(function () {
      event.target.hidden = false;
      status.textContent = box.getAttribute("data-no-camera");
    });
  });
})();
