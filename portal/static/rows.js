/* "Add a row" for repeated form rows: a button with data-add-row="ID" appends an empty copy of
   the last .repeat-row inside the element ID (at most its data-max rows), renumbered so that
   caps-2-cap becomes caps-3-cap. */
document.querySelectorAll("[data-add-row]").forEach(function (button) {
  button.addEventListener("click", function () {
    var list = document.getElementById(button.dataset.addRow);
    var rows = list.querySelectorAll(".repeat-row");
    if (rows.length >= Number(list.dataset.max)) {
      button.disabled = true;
      return;
    }
    var last = rows[rows.length - 1];
    var index = Number(last.querySelector("[name]").name.split("-")[1]) + 1;
    var copy = last.cloneNode(true);
    copy.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(/-\d+-/, "-" + index + "-"));
      });
      if (el.type === "checkbox") el.checked = false;
      else if (el.tagName === "SELECT") el.selectedIndex = 0;
      else if (el.tagName === "INPUT" || el.tagName === "TEXTAREA") el.value = "";
    });
    copy.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    copy.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    last.after(copy);
    copy.querySelector("input, select").focus();
  });
});
