// The certificate's Print button (no inline handlers under the CSP).
(function () {
  "use strict";
  var button = document.getElementById("print-certificate");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
})();
