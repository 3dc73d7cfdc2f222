// Keyboard-first judging: digits and letters pick answers, Enter submits, s skips, ? shows help.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "text") || el.tagName === "SELECT");
  }
  function form() { return document.getElementById("judge-form"); }
  function submit() {
    var f = form();
    if (!f) return;
    // A real submit event, taken over by htmx. Right after a swap htmx may not have processed the
    // new form yet, and the browser would post it itself without the page's CSRF header (the pane
    // carries no token of its own): processing it first is idempotent and closes that gap.
    if (window.htmx) window.htmx.process(f);
    f.requestSubmit();
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.metaKey) return;
    var f = form();
    if (event.key === "Escape" && typing(document.activeElement)) { document.activeElement.blur(); return; }
    if (typing(document.activeElement)) {
      if (event.key === "Enter" && event.ctrlKey) { event.preventDefault(); submit(); }
      return;
    }
    if (event.ctrlKey) return;
    if (event.key === "?") {
      var help = document.getElementById("shortcuts");
      if (help) help.hidden = !help.hidden;
      event.preventDefault();
      return;
    }
    if (!f) return;
    if (event.key === "Enter") { event.preventDefault(); submit(); return; }
    if (event.key === "s" || event.key === "S") {
      var skip = f.querySelector("[data-skip]");
      if (skip) { event.preventDefault(); skip.click(); }
      return;
    }
    var input = f.querySelector('input[data-key="' + event.key + '"]');
    if (input) { event.preventDefault(); input.checked = true; input.focus({ preventScroll: true }); input.blur(); }
  });
  // htmx gives focus back to an element with the same id after a swap; on a new item that would
  // put the cursor in its text box and swallow the shortcuts, so let go of focus before swapping.
  document.addEventListener("htmx:beforeSwap", function () {
    var active = document.activeElement;
    if (active && active !== document.body && active.closest("#pane")) active.blur();
  });
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-help-toggle]");
    if (toggle) { var help = document.getElementById("shortcuts"); if (help) help.hidden = !help.hidden; }
  });
})();
