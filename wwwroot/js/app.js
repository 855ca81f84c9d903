// Portal behaviour that needs script. Everything works without it; this only adds conveniences.
(function () {
  "use strict";

  // htmx requests that change state carry the antiforgery token from the page's form field.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("input[name='__RequestVerificationToken']");
    if (token && event.detail.verb !== "get") {
      event.detail.headers["X-CSRF-TOKEN"] = token.value;
    }
  });

  // Copy buttons: <button data-copy-target="#id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    var source = document.querySelector(button.getAttribute("data-copy-target"));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.classList.add("copied");
        button.setAttribute("title", "Copied");
      });
    }
  });
})();
