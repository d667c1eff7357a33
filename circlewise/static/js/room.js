// The live meeting room: keeps this screen in step with the room over a WebSocket.
// The server sends this screen's own view, rendered and escaped on the server, and a sentence for
// screen readers; the room's forms are sent over the socket while it is open, and posted as plain
// forms otherwise (the page works without this script, by reloading).
(function () {
  "use strict";
  var root = document.querySelector("[data-room-socket]");
  if (!root || !window.WebSocket) return;
  var state = document.querySelector("[data-room-state]");
  var announce = document.querySelector("[data-room-announce]");
  var status = document.querySelector("[data-room-connection]");
  var errorBox = document.querySelector("[data-room-error]");
  var socket = null;
  var retry = 500;
  // The words, translated by the page.
  var labels = {
    live: status ? status.getAttribute("data-live") : "",
    lost: status ? status.getAttribute("data-lost") : "",
    refused: status ? status.getAttribute("data-refused") : "",
    deactivated: status ? status.getAttribute("data-deactivated") : "",
  };
  var DEACTIVATED = 4410; // consumers.DEACTIVATED: this person's account was deactivated

  function setStatus(text, live) {
    if (!status) return;
    status.textContent = text;
    if (status.classList.contains("badge")) status.classList.toggle("badge-current", !!live);
  }

  function showError(text) {
    if (!errorBox) return;
    errorBox.hidden = !text;
    errorBox.textContent = text || "";
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.getAttribute("data-room-socket"));
    socket.onopen = function () {
      retry = 500;
      setStatus(labels.live, true);
    };
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      if (data.error) {
        showError(data.error);
        return;
      }
      showError("");
      if (typeof data.html === "string" && state) {
        var focused = document.activeElement && document.activeElement.id;
        var kept = keep();
        state.innerHTML = data.html; // rendered and escaped by the server
        restore(kept);
        if (focused) {
          var again = document.getElementById(focused);
          if (again) again.focus();
        }
        tick();
      }
      if (announce && data.announce && announce.textContent !== data.announce) {
        announce.textContent = data.announce;
      }
    };
    socket.onclose = function (event) {
      socket = null;
      if (event.code === DEACTIVATED && labels.deactivated) {
        setStatus(labels.deactivated, false);
        return;
      }
      if (event.code >= 4400 && event.code < 4500) {
        setStatus(labels.refused, false);
        return;
      }
      setStatus(labels.lost, false);
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  // What someone is typing or choosing survives the room changing under it (another person
  // joining while the facilitator sets up a round): the fields they touched keep their values.
  var touched = {};
  document.addEventListener("input", mark);
  document.addEventListener("change", mark);
  function mark(event) {
    var field = event.target;
    if (field && field.id && state && state.contains(field)) touched[field.id] = true;
  }
  function keep() {
    var kept = {};
    Object.keys(touched).forEach(function (id) {
      var field = document.getElementById(id);
      if (!field) return;
      kept[id] = field.type === "radio" || field.type === "checkbox" ? field.checked : field.value;
    });
    return kept;
  }
  function restore(kept) {
    Object.keys(kept).forEach(function (id) {
      var field = document.getElementById(id);
      if (!field) {
        delete touched[id];
        return;
      }
      if (field.type === "radio" || field.type === "checkbox") field.checked = kept[id];
      else field.value = kept[id];
    });
  }

  // Send a form of the room over the socket, with the button that was pressed.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-room-action")) return;
    if (!socket || socket.readyState !== WebSocket.OPEN) return; // posted as a plain form
    event.preventDefault();
    var data = {};
    new FormData(form).forEach(function (value, key) {
      if (key !== "csrfmiddlewaretoken") data[key] = value;
    });
    var button = event.submitter;
    if (button && button.name) data[button.name] = button.value;
    socket.send(JSON.stringify(data));
    form.querySelectorAll("[id]").forEach(function (field) {
      delete touched[field.id];
    });
  });

  // Clocks: how long the part of the meeting, or the turn, has been going.
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-since]").forEach(function (node) {
      var since = Date.parse(node.getAttribute("data-since"));
      if (isNaN(since)) return;
      var seconds = Math.max(0, Math.floor((now - since) / 1000));
      var minutes = Math.floor(seconds / 60);
      var rest = seconds % 60;
      node.textContent = minutes + ":" + (rest < 10 ? "0" : "") + rest;
    });
  }
  setInterval(tick, 1000);
  tick();
  connect();
})();
