// Keeps an import's status up to date: fetches the server-rendered fragment and swaps it in
// until the import has finished. Without JavaScript the page's "Refresh" link does the same.
(function () {
  "use strict";
  var region = document.querySelector("[data-poll-url]");
  if (!region) {
    return;
  }
  var url = region.getAttribute("data-poll-url");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (html) {
        region.innerHTML = html;
        if (!region.querySelector("[data-finished]")) {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
