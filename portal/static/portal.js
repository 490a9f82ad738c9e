/* Behaviour every page may use. A form with class "confirm-submit" asks its data-confirm question
   before it is sent (for anything destructive). */
document.querySelectorAll("form.confirm-submit").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});

/* A ticked box with a data-confirm question (a whole selection: "all N matching") asks it before
   its form is sent. */
document.querySelectorAll("input[data-confirm]").forEach(function (box) {
  box.form.addEventListener("submit", function (event) {
    if (box.checked && !window.confirm(box.dataset.confirm)) event.preventDefault();
  });
});
