// The check-in page: ask the phone for its position, then send the confirmation. Without a fix
// (refused, no GPS, 10 s passed) it is sent anyway: the organiser sees it flagged.
(function () {
  "use strict";
  var form = document.getElementById("check-in-form");
  if (!form) { return; }
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
