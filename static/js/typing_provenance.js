// How a text was written, as evidence for the reviewer: for each text box marked
// data-provenance="<field>", the characters typed and pasted (or dropped) and the time spent
// typing, kept as JSON in the form's hidden "provenance" field. An input method's composed text
// (Chinese pinyin, for one) is typed: it comes through composition events and
// insertCompositionText, never as a paste.
(function () {
  "use strict";
  var form = document.querySelector("[data-provenance-form]");
  if (!form) return;
  var output = form.querySelector("input[name=provenance]");
  // Gaps longer than this between keystrokes are thinking or away, not typing.
  var TYPING_GAP_MS = 5000;
  var PASTED = { insertFromPaste: true, insertFromPasteAsQuotation: true, insertFromDrop: true };
  var figures = {};

  function save() {
    if (output) output.value = JSON.stringify(figures);
  }

  function track(box) {
    var field = box.getAttribute("data-provenance");
    var counts = figures[field] = { typed: 0, pasted: 0, typing_ms: 0 };
    var length = box.value.length;
    var composing = false;
    var lastKey = 0;
    // What the paste or drop event carried: the text it inserts, whatever it replaces.
    var carried = 0;

    function typedAt(chars) {
      var now = Date.now();
      if (lastKey && now - lastKey < TYPING_GAP_MS) counts.typing_ms += now - lastKey;
      lastKey = now;
      counts.typed += chars;
    }

    box.addEventListener("paste", function (event) {
      carried = ((event.clipboardData && event.clipboardData.getData("text")) || "").length;
    });
    box.addEventListener("drop", function (event) {
      carried = ((event.dataTransfer && event.dataTransfer.getData("text")) || "").length;
    });
    box.addEventListener("compositionstart", function () { composing = true; });
    box.addEventListener("compositionend", function (event) {
      composing = false;
      typedAt((event.data || "").length);
      length = box.value.length;
      save();
    });
    box.addEventListener("input", function (event) {
      var grown = Math.max(box.value.length - length, 0);
      length = box.value.length;
      var kind = event.inputType || "";
      if (PASTED[kind]) {
        counts.pasted += carried || grown;
        carried = 0;
      } else if (kind === "insertCompositionText" || composing) {
        // Counted once, whole, at compositionend; a browser without composition events still
        // has its composed text counted as typed here.
        if (!composing) typedAt(grown);
      } else if (kind.indexOf("delete") !== 0 && kind !== "historyUndo" && kind !== "historyRedo") {
        typedAt(event.data ? event.data.length : grown);
      }
      save();
    });
  }

  Array.prototype.forEach.call(form.querySelectorAll("[data-provenance]"), track);
  save();
})();
