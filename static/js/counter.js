// The counter: camera scanning with qr-scanner, and the live basket total against the balance.
// Loaded as a file (strict CSP); data comes from <script type="application/json"> blocks.
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  // ---- identify: keep the scan box clean and focused after an invalid card
  var cardForm = document.getElementById("card-form");
  var cardInput = document.getElementById("card-code");
  if (cardInput && document.getElementById("counter-error") && !document.getElementById("basket-form")) {
    cardInput.value = "";
    cardInput.focus();
  }

  // ---- camera scan (qr-scanner loads its worker from beside its own script)
  var startBtn = document.getElementById("camera-start");
  var stopBtn = document.getElementById("camera-stop");
  var box = document.getElementById("camera-box");
  var video = document.getElementById("camera-video");
  var statusEl = document.getElementById("camera-status");
  var text = readJson("camera-text") || {};
  var scanner = null;

  function say(message) { if (statusEl) { statusEl.textContent = message || ""; } }

  function stopCamera() {
    if (scanner) { scanner.stop(); scanner.destroy(); scanner = null; }
    if (box) { box.classList.add("is-hidden"); }
    if (cardInput) { cardInput.focus(); }
  }

  function onResult(result) {
    var code = (result && result.data) || "";
    if (!code || !cardForm) { return; }
    stopCamera();
    cardInput.value = code;
    if (cardForm.requestSubmit) { cardForm.requestSubmit(); } else { cardForm.submit(); }
  }

  if (startBtn && video && box) {
    if (typeof window.QrScanner === "undefined") {
      startBtn.disabled = true;
    } else {
      startBtn.addEventListener("click", function () {
        box.classList.remove("is-hidden");
        say(text.looking);
        window.QrScanner.hasCamera().then(function (has) {
          if (!has) { say(text.no_camera); return; }
          scanner = new window.QrScanner(video, onResult, { returnDetailedScanResult: true, maxScansPerSecond: 10 });
          scanner.start().catch(function (err) {
            say((text.denied || "{reason}").replace("{reason}", String((err && err.message) || err)));
          });
        });
      });
    }
  }
  if (stopBtn) { stopBtn.addEventListener("click", stopCamera); }
  document.addEventListener("keydown", function (evt) {
    if (evt.key === "Escape" && scanner) { stopCamera(); }
  });

  // ---- basket: live total, balance after, and whether Confirm may be pressed
  var data = readJson("basket-data");
  var form = document.getElementById("basket-form");
  if (!data || !form) { return; }
  var totalEl = document.getElementById("basket-total");
  var afterEl = document.getElementById("basket-after");
  var messageEl = document.getElementById("basket-message");
  var confirmBtn = document.getElementById("basket-confirm");
  var byId = {};
  data.items.forEach(function (item) { byId[item.id] = item; });

  function quantityOf(input) {
    var raw = String(input.value || "").trim();
    if (raw === "") { return 0; }
    if (!/^[0-9]{1,3}$/.test(raw)) { return NaN; }
    return parseInt(raw, 10);
  }

  function recalc() {
    var total = 0, bad = false, count = 0;
    form.querySelectorAll(".qty-input").forEach(function (input) {
      var item = byId[parseInt(input.id.slice(4), 10)];
      var qty = quantityOf(input);
      var tile = input.closest(".basket-tile");
      var wrong = !item || isNaN(qty) || qty > item.max;
      input.classList.toggle("is-invalid", wrong);
      if (tile) {
        tile.classList.toggle("basket-tile-chosen", !wrong && qty > 0);
        var less = tile.querySelector('.qty-step[data-step="-1"]');
        var more = tile.querySelector('.qty-step[data-step="1"]');
        if (less) { less.disabled = !(qty > 0); }
        if (more) { more.disabled = !item || !(isNaN(qty) || qty < item.max); }
      }
      if (wrong) { bad = true; return; }
      total += qty * item.price;
      count += qty;
    });
    var after = data.balance - total;
    totalEl.textContent = String(total);
    afterEl.textContent = String(after);
    afterEl.classList.toggle("text-danger", after < 0);
    var message = data.text.ready, problem = false;
    if (bad) { message = data.text.over_limit; problem = true; }
    else if (after < 0) { message = data.text.over_balance.replace("{n}", String(-after)); problem = true; }
    else if (count === 0) { message = data.text.empty; }
    messageEl.textContent = message;
    messageEl.classList.toggle("text-danger", problem);
    confirmBtn.disabled = problem || count === 0;
  }

  form.addEventListener("click", function (evt) {
    var btn = evt.target.closest(".qty-step");
    if (!btn) { return; }
    var input = document.getElementById(btn.dataset.target);
    var qty = quantityOf(input);
    var next = (isNaN(qty) ? 0 : qty) + parseInt(btn.dataset.step, 10);
    var item = byId[parseInt(input.id.slice(4), 10)];
    if (next < 0 || (item && next > item.max)) { return; }
    input.value = String(next);
    recalc();
  });
  form.addEventListener("input", recalc);
  form.addEventListener("submit", function (evt) {
    recalc();
    if (confirmBtn.disabled) { evt.preventDefault(); evt.stopPropagation(); }
  }, true);
  recalc();
})();
