// propdesk web desk: countdowns that tick in the browser, and the live board.
// No inline scripts anywhere (CSP script-src 'self'); htmx does the partial updates.
(function () {
  "use strict";
  var body = document.body;
  var skew = 0; // server time minus browser time, from the page (a manual clock in tests)

  function sync(root) {
    var mark = (root || document).querySelector("[data-server-now]");
    var now = mark ? Number(mark.getAttribute("data-server-now")) : Number(body.getAttribute("data-now"));
    if (now) { skew = now - Date.now(); }
  }

  function fmt(ms) {
    var neg = ms < 0, s = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var txt = (h ? h + "h" + String(m).padStart(2, "0") + "m" : m + "m") + String(sec).padStart(2, "0") + "s";
    return (neg ? "-" : "") + txt;
  }

  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      var deadline = Number(el.getAttribute("data-deadline"));
      var started = Number(el.getAttribute("data-started"));
      var table = el.closest("[data-warn]");
      var warn = Number(el.getAttribute("data-warn") || (table && table.getAttribute("data-warn")) || "0.8");
      var left = deadline - now;
      el.textContent = fmt(left);
      var level = left < 0 ? "breach" : (now - started >= warn * (deadline - started) ? "warn" : "ok");
      var holder = el.closest("tr") || el.closest("p");
      if (!holder) { return; }
      var current = ["ok", "warn", "breach", "none"].filter(function (l) { return holder.classList.contains("level-" + l); })[0];
      if (current === "breach" && level !== "breach") { level = "breach"; } // a breach is never undone
      if (current !== level) {
        ["ok", "warn", "breach", "none"].forEach(function (l) { holder.classList.remove("level-" + l); });
        holder.classList.add("level-" + level);
        var mark = holder.querySelector(".mark");
        var words = el.closest("[data-mark-ok]") || mark;
        if (mark && words) { mark.textContent = words.getAttribute("data-mark-" + level) || ""; }
      }
    });
  }

  function live() {
    var board = document.getElementById("board");
    if (!board || !window.EventSource) { return; }
    var source = new EventSource("/events");
    source.addEventListener("change", function () {
      if (window.htmx) { window.htmx.trigger(document.body, "board-changed"); }
    });
    source.addEventListener("hello", function () { board.setAttribute("data-live", "1"); });
  }

  document.addEventListener("htmx:configRequest", function (ev) {
    ev.detail.headers["X-CSRF-Token"] = body.getAttribute("data-csrf");
  });
  document.addEventListener("htmx:afterSwap", function (ev) { sync(ev.target); tick(); });
  document.addEventListener("DOMContentLoaded", function () {
    sync(document); tick(); setInterval(tick, 1000); live();
  });
})();
