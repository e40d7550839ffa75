// Approvals page: "select all" ticks every pending record's box.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) { return; }
  all.addEventListener("change", function () {
    document.querySelectorAll("input.pick").forEach(function (box) { box.checked = all.checked; });
  });
  document.addEventListener("change", function (evt) {
    if (!evt.target.classList || !evt.target.classList.contains("pick")) { return; }
    var boxes = document.querySelectorAll("input.pick");
    var ticked = document.querySelectorAll("input.pick:checked");
    all.checked = boxes.length > 0 && ticked.length === boxes.length;
  });
})();
