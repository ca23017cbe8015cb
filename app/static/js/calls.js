/* Call detail: playback speed for the recording, and a readable message when the file cannot be played.
   Seeking works through HTTP Range requests the server answers with 206 Partial Content. */
(function () {
  "use strict";

  document.querySelectorAll("[data-call-player]").forEach(function (player) {
    var audio = player.querySelector("audio");
    var rate = player.querySelector("[data-playback-rate]");
    var error = player.querySelector("[data-player-error]");
    if (!audio) return;
    if (rate) {
      rate.addEventListener("change", function () {
        var value = parseFloat(rate.value);
        if (value > 0) audio.playbackRate = value;
      });
    }
    audio.addEventListener("error", function () {
      if (error) error.textContent = error.getAttribute("data-message") || "";
    });
  });
})();
