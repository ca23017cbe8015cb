/* Blacklist page: the rows ticked in a grid go into its "remove selected" form (data-selection-of names
   the grid), which posts them with its CSRF token. */
(function () {
  "use strict";

  document.querySelectorAll("form[data-selection-of]").forEach(function (form) {
    var grid = document.getElementById(form.getAttribute("data-selection-of"));
    if (!grid) return;
    var button = form.querySelector('button[type="submit"]');
    var count = form.querySelector("[data-selected-count]");

    grid.addEventListener("zgrid:selection", function (event) {
      var ids = (event.detail && event.detail.ids) || [];
      form.elements.ids.value = ids.join(",");
      count.textContent = "(" + ids.length + ")";
      button.disabled = ids.length === 0;
    });
  });
})();
