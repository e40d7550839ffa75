// Receipt page: switch between the A4 layout and a 58 mm receipt-printer layout.
(function () {
  "use strict";
  var btn = document.getElementById("receipt-58");
  if (!btn) { return; }
  var KEY = "jifen.receipt58";
  function apply(on) {
    document.body.classList.toggle("receipt-58", on);
    btn.setAttribute("aria-pressed", on ? "true" : "false");
    btn.classList.toggle("active", on);
  }
  var stored = false;
  try { stored = window.localStorage.getItem(KEY) === "1"; } catch (e) { stored = false; }
  apply(stored);
  btn.addEventListener("click", function () {
    var on = !document.body.classList.contains("receipt-58");
    apply(on);
    try { window.localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
  });
})();
