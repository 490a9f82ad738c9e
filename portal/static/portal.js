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

/* A reveal button (beside a masked ID or phone number) asks for the full value and shows it in
   place of the masked one; the server records each reveal. Any failure (the hourly limit, a lost
   session) sends the form the ordinary way, so that the server's own page explains it. */
document.querySelectorAll("button.reveal-button").forEach(function (button) {
  button.addEventListener("click", function (event) {
    event.preventDefault();
    fetch(button.formAction, {method: "POST", body: new FormData(button.form), credentials: "same-origin",
                              headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        button.closest("dd, .revealable").querySelector(".field-value").textContent = data.value;
        (button.form.classList.contains("reveal-form") ? button.form : button).remove();
      })
      .catch(function () { button.form.requestSubmit(button); });
  });
});
