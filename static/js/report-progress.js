// My reports: while a report is queued or running, fetch the server-rendered table every
// two seconds and swap it in. Without JavaScript the page's "Refresh" link does the same.
(function () {
  "use strict";
  var region = document.querySelector("[data-poll-url]");
  if (!region) {
    return;
  }
  function poll() {
    if (!region.querySelector("[data-active]")) {
      return;
    }
    fetch(region.getAttribute("data-poll-url") + window.location.search, {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null) {
          region.innerHTML = html;
        }
      })
      .catch(function () {})
      .then(function () {
        window.setTimeout(poll, 2000);
      });
  }
  window.setTimeout(poll, 2000);
})();
