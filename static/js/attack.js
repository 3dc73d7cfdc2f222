// The attack workspace: sends a turn, reads the answer's server-sent events from the POST response
// (fetch and a stream reader; EventSource cannot POST), appends each token as text, swaps in the
// server's sanitised HTML when the answer is done, and offers to ask again when it broke off.
// Each send draws one request key; sending the same key again never asks the model twice.
(function () {
  "use strict";
  var root = document.getElementById("attack");
  var form = document.getElementById("turn-form");
  if (!root || !form) return;
  var list = document.getElementById("turns");
  var statusLine = document.getElementById("attack-status");
  var turnsLeft = document.getElementById("turns-left");
  var submitForm = document.getElementById("submit-form");
  var sendButton = form.querySelector("button[type=submit]");
  var busy = false;

  function message(name) { return root.getAttribute("data-msg-" + name) || ""; }
  function csrfToken() { return form.querySelector("input[name=csrfmiddlewaretoken]").value; }
  function say(text, alert) {
    statusLine.textContent = text;
    statusLine.setAttribute("role", alert ? "alert" : "status");
  }
  function requestKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }
  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    form.setAttribute("aria-busy", String(value));
    if (submitForm && value) submitForm.hidden = true;
  }

  // ---------------------------------------------------------------- one answer
  function answerOf(turn) {
    var answer = turn.querySelector(".answer");
    return { box: answer, rendered: answer.querySelector(".rendered"), raw: answer.querySelector(".raw") };
  }
  function answerClear(answer) {
    answer.rendered.textContent = "";
    answer.raw.textContent = "";
    answer.box.querySelectorAll("[data-error], [data-retry], .error").forEach(function (el) { el.remove(); });
  }
  function brokenShow(turn, text) {
    var answer = answerOf(turn);
    answer.box.setAttribute("data-status", "broken");
    answer.box.appendChild(document.getElementById("retry-template").content.cloneNode(true));
    answer.box.querySelector("[data-error]").textContent = text;
    say(text, true);
  }

  // Server-sent events out of a POST response: blocks separated by a blank line.
  function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var pending = "";
    function pump() {
      return reader.read().then(function (step) {
        pending += decoder.decode(step.value || new Uint8Array(), { stream: !step.done });
        var blocks = pending.split("\n\n");
        pending = step.done ? "" : blocks.pop();
        blocks.forEach(function (block) {
          var name = "message";
          var data = "";
          block.split("\n").forEach(function (line) {
            if (line.indexOf("event: ") === 0) name = line.slice(7);
            else if (line.indexOf("data: ") === 0) data += line.slice(6);
          });
          if (data) onEvent(name, JSON.parse(data));
        });
        if (!step.done) return pump();
      });
    }
    return pump();
  }

  function stream(url, body, turn, isNew) {
    var answer = answerOf(turn);
    var ended = false;
    setBusy(true);
    say(message("answering"), false);
    body.append("request_key", requestKey());
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "text/event-stream" }
    }).then(function (response) {
      if (!response.ok) {
        return response.json().catch(function () { return { message: message("refused") }; }).then(function (data) {
          ended = true;
          // Nothing was stored for a refused new turn: it leaves the page too.
          if (isNew) turn.remove();
          say(data.message || message("refused"), true);
        });
      }
      return readEvents(response, function (name, data) {
        if (name === "start") {
          turn.setAttribute("data-turn", String(data.turn));
        } else if (name === "token") {
          // Text, never markup: the answer is untrusted until the server has cleaned it.
          answer.rendered.appendChild(document.createTextNode(data.text));
          answer.raw.appendChild(document.createTextNode(data.text));
        } else if (name === "done") {
          ended = true;
          answer.box.setAttribute("data-status", "done");
          answer.rendered.innerHTML = data.html;
          if (turnsLeft) turnsLeft.textContent = String(data.turns_left);
          // After an answer asked again, the turn box comes back (it was hidden while one was broken).
          form.hidden = data.turns_left < 1;
          say(message(data.turns_left < 1 ? "no-turns" : "done"), false);
          if (submitForm) submitForm.hidden = false;
        } else if (name === "error") {
          ended = true;
          brokenShow(turn, data.message);
        }
      });
    }).catch(function () {
      /* the connection broke; handled below */
    }).then(function () {
      if (!ended) brokenShow(turn, message("lost"));
      setBusy(false);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) return;
    var textarea = form.querySelector("textarea[name=text]");
    var turn = document.getElementById("turn-template").content.firstElementChild.cloneNode(true);
    turn.querySelector("[data-text]").textContent = textarea.value;
    list.appendChild(turn);
    var body = new FormData();
    body.append("text", textarea.value);
    stream(form.action, body, turn, true).then(function () {
      if (turn.isConnected && !turn.querySelector("[data-retry]")) textarea.value = "";
    });
  });

  document.addEventListener("click", function (event) {
    var retry = event.target.closest("[data-retry]");
    if (retry && !busy) {
      var turn = retry.closest(".turn");
      var url = root.getAttribute("data-retry-url").replace("/0/", "/" + turn.getAttribute("data-turn") + "/");
      answerClear(answerOf(turn));
      stream(url, new FormData(), turn, false);
      return;
    }
    var rawToggle = event.target.closest("[data-raw-toggle]");
    if (rawToggle) {
      var answer = answerOf(rawToggle.closest(".turn"));
      var raw = rawToggle.getAttribute("aria-pressed") !== "true";
      answer.rendered.hidden = raw;
      answer.raw.hidden = !raw;
      rawToggle.setAttribute("aria-pressed", String(raw));
    }
  });
  // Until now a send would post the form without the script: the tests wait for this mark.
  form.setAttribute("data-ready", "1");
})();
