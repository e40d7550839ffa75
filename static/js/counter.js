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
  var countEl = document.getElementById("basket-count");
  var messageEl = document.getElementById("basket-message");
  var confirmBtn = document.getElementById("basket-confirm");
  var byId = {};
  data.items.forEach(function (item) { byId[item.id] = item; });
  var state = { total: 0, count: 0, ok: false };

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (m, k) { return values[k] === undefined ? m : String(values[k]); });
  }

  function quantityOf(input) {
    var raw = String(input.value || "").trim();
    if (raw === "") { return 0; }
    if (!/^[0-9]{1,3}$/.test(raw)) { return NaN; }
    return parseInt(raw, 10);
  }

  function inputs() { return document.querySelectorAll(".qty-input"); }
  function itemOf(input) { return byId[parseInt(input.id.slice(4), 10)]; }

  function recalc() {
    var total = 0, count = 0, problems = [];
    inputs().forEach(function (input) {
      var item = itemOf(input);
      var qty = quantityOf(input);
      if (!item) { return; }
      var wrong = isNaN(qty) || qty > item.max;
      input.classList.toggle("is-invalid", wrong);
      if (isNaN(qty)) { problems.push(fill(data.text.not_quantity, { name: item.name })); }
      else if (qty > item.max) {
        var monthly = item.allowed !== null && item.allowed < item.stock;
        problems.push(fill(monthly ? data.text.over_monthly : data.text.over_stock,
          { name: item.name, n: monthly ? item.allowed : item.stock }));
      }
      if (!wrong) { total += qty * item.price; count += qty; }
    });
    var after = data.balance - total;
    // "+" stays enabled only while one more still fits the stock, the monthly limit and the balance.
    inputs().forEach(function (input) {
      var item = itemOf(input);
      var qty = quantityOf(input);
      var tile = input.closest(".basket-tile");
      if (!item || !tile) { return; }
      var wrong = isNaN(qty) || qty > item.max;
      tile.classList.toggle("basket-tile-chosen", !wrong && qty > 0);
      var less = tile.querySelector('.qty-step[data-step="-1"]');
      var more = tile.querySelector('.qty-step[data-step="1"]');
      if (less) { less.disabled = !(qty > 0); }
      if (more) { more.disabled = wrong || qty >= item.max || item.price > after; }
    });
    totalEl.textContent = String(total);
    afterEl.textContent = String(after);
    if (countEl) { countEl.textContent = String(count); }
    afterEl.classList.toggle("text-danger", after < 0);
    var message = data.text.ready, problem = false;
    if (problems.length) { message = problems.join(" "); problem = true; }
    else if (after < 0) { message = fill(data.text.over_balance, { n: -after }); problem = true; }
    else if (count === 0) { message = data.text.empty; }
    messageEl.textContent = message;
    messageEl.classList.toggle("text-danger", problem);
    confirmBtn.disabled = problem || count === 0;
    state = { total: total, count: count, ok: !problem && count > 0, after: after };
  }

  function addOne(itemId) {
    var input = document.getElementById("qty-" + itemId);
    var item = byId[itemId];
    if (!input || !item) { return false; }
    var qty = quantityOf(input);
    var next = (isNaN(qty) ? 0 : qty) + 1;
    recalc();
    if (next > item.max || item.price > state.after) { return false; }
    input.value = String(next);
    recalc();
    return true;
  }

  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest(".qty-step");
    if (!btn) { return; }
    var input = document.getElementById(btn.dataset.target);
    if (!input) { return; }
    var step = parseInt(btn.dataset.step, 10);
    if (step > 0) { addOne(parseInt(input.id.slice(4), 10)); return; }
    var qty = quantityOf(input);
    if (!isNaN(qty) && qty > 0) { input.value = String(qty - 1); }
    recalc();
  });
  document.addEventListener("input", function (evt) {
    if (evt.target.classList && evt.target.classList.contains("qty-input")) { recalc(); }
  });
  form.addEventListener("submit", function (evt) {
    recalc();
    if (confirmBtn.disabled) { evt.preventDefault(); evt.stopPropagation(); }
  }, true);
  recalc();

  // What the scan catcher and the goods finder need to know about the basket.
  window.JifenBasket = {
    data: data,
    text: data.text,
    fill: fill,
    state: function () { recalc(); return state; },
    addOne: addOne,
    confirm: function (nextCode) {
      recalc();
      if (confirmBtn.disabled) { return false; }
      document.getElementById("next-code").value = nextCode || "";
      if (form.requestSubmit) { form.requestSubmit(confirmBtn); } else { form.submit(); }
      return true;
    },
  };
})();
