// The exam page: every choice is saved at once (PUT per slot, retried until it is stored), the
// server's clock counts down, and each time the page is hidden the server is told.
(function () {
  "use strict";
  var exam = document.querySelector(".exam");
  var texts = document.getElementById("exam-texts").dataset;
  var status = document.getElementById("exam-status");
  var clock = document.getElementById("exam-clock");
  var csrf = exam.getAttribute("data-csrf");
  var saveUrl = exam.getAttribute("data-save-url");
  var ends = Date.now() + Number(exam.getAttribute("data-seconds")) * 1000;
  var pending = {};

  function send(url, method, body) {
    return fetch(url, {method: method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
      body: body === undefined ? undefined : JSON.stringify(body)});
  }

  function save(fieldset) {
    var slot = fieldset.getAttribute("data-slot");
    var ids = Array.prototype.map.call(fieldset.querySelectorAll("input:checked"), function (i) { return Number(i.value); });
    pending[slot] = ids;
    status.textContent = texts.saving;
    send(saveUrl + slot, "PUT", {option_ids: ids}).then(function (r) {
      if (r.status === 409) { over(); return; }
      if (!r.ok) { throw new Error(r.status); }
      if (pending[slot] === ids) { delete pending[slot]; }
      status.textContent = Object.keys(pending).length ? texts.saving : texts.saved;
    }).catch(function () {
      status.textContent = texts.failed;
      setTimeout(function () { if (pending[slot] === ids) { save(fieldset); } }, 2000);
    });
  }

  function over() {
    status.textContent = texts.over;
    exam.querySelectorAll("input").forEach(function (i) { i.disabled = true; });
    setTimeout(function () { window.location.reload(); }, 1500);
  }

  exam.addEventListener("change", function (event) {
    var fieldset = event.target.closest(".exam-question");
    if (fieldset) { save(fieldset); }
  });
  // A choice made before this script ran (the page's other scripts load first, slowly on a weak
  // phone) fired no change event here: it differs from what the server sent, so it is saved now.
  exam.querySelectorAll(".exam-question").forEach(function (fieldset) {
    var changed = Array.prototype.some.call(fieldset.querySelectorAll("input"), function (i) {
      return i.checked !== i.defaultChecked;
    });
    if (changed) { save(fieldset); }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { send(exam.getAttribute("data-hidden-url"), "POST").catch(function () {}); }
  });
  function tick() {
    var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
    clock.textContent = String(Math.floor(left / 60)).padStart(2, "0") + ":" + String(left % 60).padStart(2, "0");
    if (left === 0) { over(); } else { setTimeout(tick, 500); }
  }
  tick();
})();
