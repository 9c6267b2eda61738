// The code page: while the SMS is still on its way (queued, sending, retrying), fetch the
// page again now and then and show the delivery log's newer state, until it is final.
(function () {
  "use strict";
  var deadline = Date.now() + 120000;

  function poll() {
    fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        var current = document.getElementById("sms-status");
        if (!html || !current) return null;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("sms-status");
        if (!fresh) return null;
        current.textContent = fresh.textContent.trim();
        current.dataset.status = fresh.dataset.status;
        if (!fresh.hasAttribute("data-pending")) {
          current.removeAttribute("data-pending");
          return null;
        }
        return true;
      })
      .catch(function () { return true; })
      .then(function (again) {
        if (again && Date.now() < deadline) window.setTimeout(poll, 1000);
      });
  }

  window.setTimeout(poll, 1000);
})();
