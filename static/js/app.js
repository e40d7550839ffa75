// Small behaviours shared by every page. Loaded as a file so the strict CSP allows it.
(function () {
  "use strict";
  // Send the CSRF token with htmx requests.
  document.body.addEventListener("htmx:configRequest", function (evt) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { evt.detail.headers["X-CSRFToken"] = meta.content; }
  });
  // Buttons with data-confirm ask before submitting their form.
  document.addEventListener("submit", function (evt) {
    if (evt.defaultPrevented) { return; }  // another handler already cancelled it
    var btn = evt.submitter;
    var msg = (btn && btn.dataset.confirm) || evt.target.dataset.confirm;
    if (msg && !window.confirm(msg)) { evt.preventDefault(); return; }
    // Stop double submits of forms that move points or stock.
    if (evt.target.dataset.once !== undefined) {
      if (evt.target.dataset.sent) { evt.preventDefault(); return; }
      evt.target.dataset.sent = "1";
    }
  });
  // Coming back to a cached page (Back button): its forms may be sent again.
  window.addEventListener("pageshow", function (evt) {
    if (evt.persisted) {
      document.querySelectorAll("form[data-sent]").forEach(function (f) { delete f.dataset.sent; });
    }
  });
  // A form came back with problems: bring the summary of all of them into view.
  var summary = document.querySelector(".form-error-summary");
  if (summary) { summary.scrollIntoView({block: "start"}); summary.focus({preventScroll: true}); }
  // Print buttons.
  document.addEventListener("click", function (evt) {
    var t = evt.target.closest("[data-print]");
    if (t) { evt.preventDefault(); window.print(); }
  });
})();
