// The review page's player: a play button plays exactly its sentence (or chapter) from the built MP3 and
// stops at its end; "Play the changed sentences" and "Play the flagged sentences" play those one after
// another. Served by `certquests serve` only, never published.
(function () {
  "use strict";
  var player = document.getElementById("player");
  if (!player) { return; }
  var queue = [];
  var stopAt = null;
  var playing = null;

  function mark(row) {
    if (playing) { playing.classList.remove("playing"); }
    playing = row;
    if (row) { row.classList.add("playing"); }
  }

  var run = 0;  // each play starts its own watch; an older one stops

  function watch(mine) {
    if (mine !== run || stopAt === null) { return; }
    if (player.paused && !player.ended) { stopAt = null; queue = []; mark(null); return; }  // paused by hand
    if (player.currentTime >= stopAt || player.ended) {
      stopAt = null;
      player.pause();
      next();
      return;
    }
    window.requestAnimationFrame(function () { watch(mine); });
  }

  function play(start, end, row) {
    var mine = ++run;
    mark(row);
    stopAt = end;
    player.currentTime = start;
    var started = player.play();
    if (started && started.catch) { started.catch(function () { if (mine === run) { stopAt = null; } }); }
    window.requestAnimationFrame(function () { watch(mine); });
  }

  function next() {
    var item = queue.shift();
    if (!item) { mark(null); return; }
    item.row.scrollIntoView({ block: "nearest" });
    play(item.start, item.end, item.row);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    if (button.classList.contains("play")) {
      queue = [];
      play(parseFloat(button.dataset.start), parseFloat(button.dataset.end), button.closest("tr"));
    } else if (button.classList.contains("play-all")) {
      queue = Array.prototype.map.call(
        document.querySelectorAll(button.dataset.select + "[data-start]"),
        function (row) { return { start: parseFloat(row.dataset.start), end: parseFloat(row.dataset.end), row: row }; }
      );
      next();
    } else if (button.classList.contains("stop")) {
      queue = [];
      stopAt = null;
      run += 1;
      player.pause();
      mark(null);
    }
  });
})();
