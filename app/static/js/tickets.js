/* Ticket form: choosing another ticket type reloads the form with that type's fields, keeping what was typed. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-ticket-form]");
  if (!form) return;
  var select = form.querySelector("select[data-type-switch]");
  if (!select) return;
  select.addEventListener("change", function () {
    form.querySelector("input[name=reload]").value = "1";
    form.noValidate = true;
    form.submit();
  });
})();
