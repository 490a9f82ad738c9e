// The check-in page: ask the phone for its position, then send the confirmation. Without a fix
// (refused, no GPS, 10 s passed) it is sent anyway: the organiser sees it flagged. A session that
// asks for a face check sends the camera's frame of the scan that opened this page (mobile/scan.js
// kept it), else a photo the learner takes, else none (the check-in counts, flagged).
(function () {
  "use strict";
  var FRAME_KEY = "portal.checkInFrame";
  var FRAME_MAX_AGE_MS = 120000;
  var kept = null;
  try {
    kept = JSON.parse(sessionStorage.getItem(FRAME_KEY));
    sessionStorage.removeItem(FRAME_KEY);  // never kept longer than one page
  } catch (e) { kept = null; }
  var form = document.getElementById("check-in-form");
  if (!form) { return; }
  var photo = document.getElementById("photo");
  if (photo && kept && kept.path === location.pathname && Date.now() - kept.at < FRAME_MAX_AGE_MS) {
    useFrame(kept.jpeg);
  }

  function useFrame(dataUrl) {
    try {
      var bytes = atob(dataUrl.split(",")[1]);
      var buffer = new Uint8Array(bytes.length);
      for (var i = 0; i < bytes.length; i++) { buffer[i] = bytes.charCodeAt(i); }
      var files = new DataTransfer();
      files.items.add(new File([buffer], "camera.jpg", {type: "image/jpeg"}));
      photo.files = files.files;
    } catch (e) { return; }  // a browser that cannot: the learner takes a photo instead
    document.getElementById("camera-frame-image").src = dataUrl;
    document.getElementById("camera-frame").hidden = false;
    document.getElementById("photo-picker").hidden = true;
  }

  var sent = false;
  function send() { if (!sent) { sent = true; form.submit(); } }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    document.getElementById("confirm").disabled = true;
    if (!navigator.geolocation) { send(); return; }
    document.getElementById("locating").hidden = false;
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("lat").value = position.coords.latitude;
      document.getElementById("lon").value = position.coords.longitude;
      document.getElementById("accuracy").value = position.coords.accuracy;
      send();
    }, send, {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000});
    setTimeout(send, 12000);
  });
})();
