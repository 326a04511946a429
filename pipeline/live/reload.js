// The watched preview's page script (served by `certquests serve --watch` only, never published): reloads
// the page when a build finishes, shows a failed build's message, and resumes the episode player at the
// first chapter that changed.
(function () {
  "use strict";
  var page = window.location.pathname.split("/").pop() || "index.html";
  var key = "certquests-resume:" + page;
  var player = document.getElementById("player");
  var resume = null;
  try { resume = window.sessionStorage.getItem(key); window.sessionStorage.removeItem(key); } catch (e) { resume = null; }
  if (player && resume !== null) {
    var seek = function () { player.currentTime = parseFloat(resume); player.setAttribute("data-resumed", resume); };
    if (player.readyState >= 1) { seek(); } else { player.addEventListener("loadedmetadata", seek, { once: true }); }
  }

  function banner(text) {
    var box = document.getElementById("certquests-build-error");
    if (!text) { if (box) { box.remove(); } return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "certquests-build-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:1000;margin:0;padding:1em;" +
        "max-height:50vh;overflow:auto;white-space:pre-wrap;background:#7a0010;color:#fff;font:0.9rem/1.4 monospace";
      document.body.appendChild(box);
    }
    box.textContent = "The last build failed; this is the last good version of the page.\n\n" + text;
  }

  var since = -1;
  function poll() {
    fetch("/.certquests/news?since=" + since, { cache: "no-store" })
      .then(function (answer) { return answer.json(); })
      .then(function (news) {
        if (since >= 0 && news.generation > since && !news.error) {
          if (news.resume && news.resume[page] !== undefined) {
            try { window.sessionStorage.setItem(key, String(news.resume[page])); } catch (e) { /* private mode */ }
          }
          window.location.reload();
          return;
        }
        since = news.generation;
        banner(news.error);
        poll();
      })
      .catch(function () { window.setTimeout(poll, 1000); });
  }
  poll();
})();
