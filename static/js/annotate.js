// The judging page: keyboard-first judging (digits and letters pick answers, s skips, ? shows help,
// i opens or closes the guidelines; each can be turned off), Enter submits from the form's fields
// only, the new item takes the focus and is announced after each swap, a raw-text toggle for
// answers (the break reminder is break_reminder.js).
(function () {
  "use strict";
  var root = document.getElementById("workspace");
  var shortcutsOn = !root || root.getAttribute("data-shortcuts") !== "off";

  function form() { return document.getElementById("judge-form"); }
  function typing(el) {
    if (!el) return false;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable) return true;
    return el.tagName === "INPUT" && ["text", "search", "number", "email", "url"].indexOf(el.type) !== -1;
  }
  function choice(el) {
    return el && el.tagName === "INPUT" && (el.type === "radio" || el.type === "checkbox");
  }
  function submit() {
    var f = form();
    if (!f) return;
    // A real submit event, taken over by htmx. Right after a swap htmx may not have processed the
    // new form yet, and the browser would post it itself without the page's CSRF header (the pane
    // carries no token of its own): processing it first is idempotent and closes that gap.
    if (window.htmx) window.htmx.process(f);
    f.requestSubmit();
  }
  function helpToggle() {
    var help = document.getElementById("shortcuts");
    if (!help) return;
    help.hidden = !help.hidden;
    document.querySelectorAll("[data-help-toggle]").forEach(function (button) {
      button.setAttribute("aria-expanded", String(!help.hidden));
    });
  }

  // ---------------------------------------------------------------- guidelines, below the item
  // Open until the person closes them, and kept so (their session, through the page's URL): the
  // item always comes first, the guidelines are a key or a click away.
  var guidelines = document.getElementById("guidelines");
  function guidelinesToggle() {
    if (!guidelines) return;
    guidelines.open = !guidelines.open;
    if (guidelines.open) {
      guidelines.scrollIntoView({ block: "start" });
      guidelines.querySelector("summary").focus({ preventScroll: true });
    } else {
      var heading = document.getElementById("item-heading");
      if (heading) heading.focus();
    }
  }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }
  if (guidelines) {
    guidelines.addEventListener("toggle", function () {
      var state = guidelines.open ? "open" : "closed";
      document.querySelectorAll("[data-guidelines-toggle]").forEach(function (button) {
        button.setAttribute("aria-expanded", String(guidelines.open));
      });
      // The browser also reports the state the page was served with.
      if (guidelines.getAttribute("data-saved") === state) return;
      guidelines.setAttribute("data-saved", state);
      window.fetch(guidelines.getAttribute("data-guidelines-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
        body: "open=" + (guidelines.open ? "1" : "0")
      });
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.metaKey || event.defaultPrevented) return;
    var f = form();
    var active = document.activeElement;
    if (event.key === "Escape" && typing(active)) { active.blur(); return; }
    if (event.key === "Enter") {
      // Enter submits from the form's own fields: a chosen answer, or Ctrl+Enter in a text box.
      // On Skip, on a link or anywhere else it does what it does there, never a submit.
      var inForm = f && active && f.contains(active);
      if (!inForm) return;
      if (typing(active)) {
        // A one-line field submits by itself (the browser's implicit submission).
        if (event.ctrlKey) { event.preventDefault(); submit(); }
        return;
      }
      if (choice(active)) { event.preventDefault(); submit(); }
      return;
    }
    if (typing(active) || event.ctrlKey || !shortcutsOn) return;
    if (event.key === "?") { event.preventDefault(); helpToggle(); return; }
    if ((event.key === "i" || event.key === "I") && guidelines) { event.preventDefault(); guidelinesToggle(); return; }
    if (!f) return;
    if (event.key === "s" || event.key === "S") {
      var skip = f.querySelector("[data-skip]");
      if (skip) { event.preventDefault(); skip.click(); }
      return;
    }
    var input = f.querySelector('input[data-key="' + event.key + '"]');
    // The chosen answer keeps the focus, so that Enter then submits from it.
    if (input) { event.preventDefault(); input.checked = true; input.focus(); }
  });

  // htmx gives focus back to an element with the same id after a swap; on a new item that would
  // put the cursor in its text box and swallow the shortcuts, so let go of focus before swapping.
  document.addEventListener("htmx:beforeSwap", function () {
    var active = document.activeElement;
    if (active && active !== document.body && active.closest("#pane")) active.blur();
  });

  // ---------------------------------------------------------------- after each new pane
  function announce(text) {
    var live = document.getElementById("announcer");
    if (!live || !text) return;
    // Emptied first, so that the same words (two "Saved." in a row) are read again.
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 100);
  }
  function paneText(pane) {
    // Each part read as a sentence of its own ("Saved. Item 2. 1 of 30 done, ...").
    var stop = (document.documentElement.lang || "").indexOf("zh") === 0 ? "。" : ".";
    var parts = [];
    // What happened first ("Saved."), then the new item and the progress.
    ["[data-announce-first]", "[data-announce-part]"].forEach(function (selector) {
      pane.querySelectorAll(selector).forEach(function (el) {
        var text = el.textContent.replace(/\s+/g, " ").trim();
        if (text) parts.push(/[.!?。！？]$/.test(text) ? text : text + stop);
      });
    });
    return parts.join(" ");
  }
  function paneReady(swapped) {
    var pane = document.getElementById("pane");
    if (!pane || pane.getAttribute("data-ready")) return;
    pane.setAttribute("data-ready", "1");
    rawApply(pane);
    if (!shortcutsOn) {
      // The fields are the same for everyone (cached); the keys they name are off for this person.
      pane.querySelectorAll("input[aria-keyshortcuts]").forEach(function (el) { el.removeAttribute("aria-keyshortcuts"); });
    }
    if (!swapped) return;
    // A field with an error takes the focus (its message is an alert); otherwise the new item does,
    // unless a quick key already chose an answer in it.
    var field = pane.querySelector("[autofocus]");
    var active = document.activeElement;
    var acted = active && active !== document.body && pane.contains(active);
    if (field) { if (!acted) field.focus(); return; }
    var heading = document.getElementById("item-heading");
    if (heading && !acted) heading.focus();
    announce(paneText(pane));
  }
  document.addEventListener("htmx:afterSwap", function () { paneReady(true); });

  // ---------------------------------------------------------------- raw text of answers
  var RAW_KEY = "valuelens:raw";
  function rawWanted() {
    try { return window.localStorage.getItem(RAW_KEY) === "1"; } catch (e) { return false; }
  }
  function rawShow(answer, raw) {
    var rendered = answer.querySelector(".rendered");
    var original = answer.querySelector(".raw");
    var button = answer.querySelector("[data-raw-toggle]");
    if (!rendered || !original || !button) return;
    rendered.hidden = raw;
    original.hidden = !raw;
    button.setAttribute("aria-pressed", String(raw));
  }
  function rawApply(scope) {
    var raw = rawWanted();
    scope.querySelectorAll(".answer").forEach(function (answer) { rawShow(answer, raw); });
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-help-toggle]");
    if (toggle) { helpToggle(); return; }
    if (event.target.closest("[data-guidelines-toggle]")) { guidelinesToggle(); return; }
    var rawToggle = event.target.closest("[data-raw-toggle]");
    if (rawToggle) {
      var raw = rawToggle.getAttribute("aria-pressed") !== "true";
      // Kept for the next items too: a judge who reads the raw text wants it on each one.
      try { window.localStorage.setItem(RAW_KEY, raw ? "1" : "0"); } catch (e) { /* private mode */ }
      document.querySelectorAll(".answer").forEach(function (answer) { rawShow(answer, raw); });
    }
  });

  paneReady(false);
})();
