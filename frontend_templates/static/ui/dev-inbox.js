// Development mode only: poll the development inbox until the simulated SMS of this
// login request has arrived, then show it on the code page.
(function () {
  "use strict";
  var box = document.getElementById("dev-inbox");
  if (!box) return;
  var text = document.getElementById("dev-inbox-text");
  var waiting = document.getElementById("dev-inbox-waiting");
  var since = Date.parse(box.dataset.since);
  var deadline = Date.now() + 120000;

  function show(message) {
    text.textContent = message.text;
    text.hidden = false;
    waiting.hidden = true;
  }

  function poll() {
    fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (message) {
        if (message && !(Date.parse(message.sent_at) < since)) {
          show(message);
        } else if (Date.now() < deadline) {
          window.setTimeout(poll, 500);
        }
      })
      .catch(function () {
        if (Date.now() < deadline) window.setTimeout(poll, 1000);
      });
  }

  poll();
})();
