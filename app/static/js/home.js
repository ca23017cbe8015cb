/* Home page: the dial pad feeds the phone bar's click-to-dial (the call button's data-dial follows the
   typed number), speed-dial buttons ask the server to dial the stored entry by id. */
(function () {
  "use strict";

  var pad = document.querySelector("[data-dialpad]");
  if (pad) {
    var input = pad.querySelector("[data-dialpad-input]");
    var call = pad.querySelector("[data-dialpad-call]");
    var sync = function () {
      input.value = input.value.replace(/[^0-9*#+]/g, "");
      call.setAttribute("data-dial", input.value);
      call.disabled = !input.value;
    };
    pad.addEventListener("click", function (event) {
      var key = event.target.closest("[data-dialpad-key]");
      if (!key) return;
      input.value += key.getAttribute("data-dialpad-key");
      sync();
    });
    input.addEventListener("input", sync);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && input.value) call.click();
    });
    sync();
  }
  document.addEventListener("click", function (event) {
    var entry = event.target.closest && event.target.closest("[data-speed-dial]");
    if (!entry || !window.Zuoxi) return;
    window.Zuoxi.fetchJSON(entry.getAttribute("data-speed-dial"), { method: "POST", body: {} }).catch(function (error) {
      window.Zuoxi.notify({ title: error.message, level: "warning" });
    });
  });
})();
