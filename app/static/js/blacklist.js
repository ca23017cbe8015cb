/* Blacklist page: the rows ticked in the grid go into the "remove selected" form, which posts them with its CSRF token. */
(function () {
  "use strict";

  var grid = document.getElementById("grid-blacklist");
  var form = document.getElementById("blacklist-delete-form");
  if (!grid || !form) return;
  var button = form.querySelector('button[type="submit"]');
  var count = form.querySelector("[data-selected-count]");

  grid.addEventListener("zgrid:selection", function (event) {
    var ids = (event.detail && event.detail.ids) || [];
    form.elements.ids.value = ids.join(",");
    count.textContent = "(" + ids.length + ")";
    button.disabled = ids.length === 0;
  });
})();
