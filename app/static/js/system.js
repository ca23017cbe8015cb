/* System pages: copy the one-time password, tick or clear every permission of a role. No data goes through innerHTML. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button");
    if (!button) return;

    var copyTarget = button.getAttribute("data-copy-target");
    if (copyTarget) {
      var source = document.getElementById(copyTarget);
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          button.textContent = "✓";
        });
      }
      return;
    }

    var allName = button.getAttribute("data-check-all");
    var noneName = button.getAttribute("data-check-none");
    var name = allName || noneName;
    if (!name || !button.form) return;
    var boxes = button.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
    Array.prototype.forEach.call(boxes, function (box) {
      box.checked = Boolean(allName);
    });
  });
})();
