/* Behaviour every page may use. A form with class "confirm-submit" asks its data-confirm question
   before it is sent (for anything destructive). */
document.querySelectorAll("form.confirm-submit").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});
