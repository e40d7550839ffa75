// Roster page: quick-minute buttons fill the person's minutes box. No inline scripts (strict CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest(".roster-quick");
    if (!btn) { return; }
    var input = document.getElementById(btn.dataset.target);
    if (!input) { return; }
    input.value = btn.dataset.minutes;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
