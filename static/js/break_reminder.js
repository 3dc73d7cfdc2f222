// The break reminder of the judging and writing pages: after the page's data-break-after minutes
// of active work, a card suggests a break. The page's root element carries data-break-after, the
// key its count is kept under (data-break-key, else data-campaign) and, optionally, the id of the
// element that takes the focus when the reminder is dismissed (data-break-focus).
(function () {
  "use strict";
  var root = document.querySelector("[data-break-after]");
  var reminder = document.getElementById("break-reminder");
  // Active work: time with the page in view and the person doing something in the last minute.
  // Five minutes away is a break, and the count starts over; so does dismissing the reminder.
  var breakAfterS = root ? 60 * (parseInt(root.getAttribute("data-break-after"), 10) || 0) : 0;
  if (!root || breakAfterS <= 0 || !reminder) return;
  var IDLE_MS = 60 * 1000;
  var BREAK_MS = 5 * 60 * 1000;
  var TICK_MS = 5 * 1000;
  var storeKey = "valuelens:active:" + (root.getAttribute("data-break-key") || root.getAttribute("data-campaign"));
  function announce(text) {
    var live = document.getElementById("announcer");
    if (!live || !text) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 100);
  }
  var load = function () {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "null"); } catch (e) { return null; }
  };
  var save = function () {
    try { window.localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* private mode */ }
  };
  var now = Date.now();
  var state = load();
  if (!state || typeof state.s !== "number" || now - state.at > BREAK_MS) state = { s: 0, at: now };
  var lastInput = now;
  var lastTick = now;
  ["keydown", "pointerdown", "pointermove", "wheel", "scroll", "touchstart", "input"].forEach(function (type) {
    document.addEventListener(type, function () { lastInput = Date.now(); }, { passive: true });
  });
  window.setInterval(function () {
    var t = Date.now();
    var elapsed = Math.min(t - lastTick, 3 * TICK_MS);
    lastTick = t;
    if (t - lastInput > BREAK_MS) {
      state.s = 0;
    } else if (document.visibilityState === "visible" && t - lastInput <= IDLE_MS) {
      state.s += elapsed / 1000;
      state.at = t;
    }
    save();
    if (state.s >= breakAfterS && reminder.hidden) {
      reminder.hidden = false;
      announce(reminder.textContent.replace(/\s+/g, " ").trim());
    }
  }, TICK_MS);
  reminder.addEventListener("click", function (event) {
    if (!event.target.closest("[data-break-dismiss]")) return;
    reminder.hidden = true;
    state = { s: 0, at: Date.now() };
    save();
    var focus = document.getElementById(root.getAttribute("data-break-focus") || "");
    if (focus) focus.focus();
  });
})();
