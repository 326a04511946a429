(function () {
  "use strict";
  var player = document.getElementById("player");
  if (!player) { return; }
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest(".seek") : null;
    if (!target) { return; }
    player.currentTime = parseFloat(target.getAttribute("data-time"));
    var playing = player.play();
    if (playing && playing.catch) { playing.catch(function () {}); }
  });
  var cues = Array.prototype.slice.call(document.querySelectorAll("#transcript .cue"));
  var current = null;
  player.addEventListener("timeupdate", function () {
    var t = player.currentTime, found = null;
    for (var i = 0; i < cues.length; i++) {
      if (parseFloat(cues[i].getAttribute("data-start")) <= t && t < parseFloat(cues[i].getAttribute("data-end")) + 0.3) { found = cues[i]; }
    }
    if (found === current) { return; }
    if (current) { current.classList.remove("current"); current.removeAttribute("aria-current"); }
    current = found;
    if (current) { current.classList.add("current"); current.setAttribute("aria-current", "true"); }
  });
})();
