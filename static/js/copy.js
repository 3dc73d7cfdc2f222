// Copy buttons: a button with data-copy-from="<id>" puts that element's text on the clipboard and
// says so in its status (data-copied, data-copy-failed: the page's own words, translated). Where
// the clipboard is refused, the text is selected so that the person can copy it themselves.
// Each button gets data-copy-ready once the listener is there: a click before that does nothing.
(function () {
  "use strict";

  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  function copied(button, ok) {
    var status = document.getElementById(button.getAttribute("aria-describedby") || "");
    var text = button.getAttribute(ok ? "data-copied" : "data-copy-failed") || "";
    if (status) {
      // Emptied first, so that a second "Copied" is announced again.
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }
    button.setAttribute("data-copy-state", ok ? "copied" : "failed");
  }
  function fallback(source) {
    selectText(source);
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-from]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy-from"));
    if (!source) return;
    var text = source.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { copied(button, true); },
        function () { copied(button, fallback(source)); }
      );
    } else {
      copied(button, fallback(source));
    }
  });
  document.querySelectorAll("[data-copy-from]").forEach(function (button) {
    button.setAttribute("data-copy-ready", "1");
  });
})();
