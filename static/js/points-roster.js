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
  // A long roster: type part of a name or username to show only the matching rows.
  var search = document.getElementById("roster-search");
  if (search) {
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      document.querySelectorAll(".roster-row").forEach(function (row) {
        row.classList.toggle("d-none", q !== "" && row.dataset.search.indexOf(q) === -1);
      });
    });
  }
})();
