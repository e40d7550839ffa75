// The counter's scan catcher: a USB scanner types a code at machine speed and presses Enter, into
// whatever box has the focus. Caught here before any box sees it, so a card scanned while the cursor
// is in a quantity box neither types its digits there nor lets its Enter confirm anything.
// A card switches the resident only after the open basket is confirmed or discarded (a dialog);
// a barcode adds one of that item. Also: the goods finder (name filter, barcode + Enter).
(function () {
  "use strict";

  var CARD = /^JF[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{13}$/;  // accounts/cards.py: JF + 12 + check
  var FAST_MS = 40;    // a scanner's keys come closer than this; a person's rarely do, three in a row
  var BURST_MS = 150;  // once a burst is recognised, keys this close still belong to it
  var ENTER_MS = 300;  // the scanner's Enter follows its last character
  var MIN_BURST = 3;

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  var scanText = readJson("scan-text") || {};
  var cardForm = document.getElementById("card-form");
  var cardInput = document.getElementById("card-code");
  var scanMessage = document.getElementById("scan-message");
  var dialog = document.getElementById("switch-dialog");
  var goodsFind = document.getElementById("goods-find");
  var goodsMessage = document.getElementById("goods-message");
  if (!cardForm || !cardInput) { return; }

  function basket() { return window.JifenBasket || null; }

  function say(node, message, bad) {
    if (!node) { return; }
    node.textContent = message || "";
    node.classList.toggle("is-hidden", !message && node === scanMessage);
    node.classList.toggle("text-danger", !!bad);
  }

  // ---- the resident: switch at once when nothing is in the basket, else ask first
  var pendingCode = null, focusBefore = null;

  function submitCard(code) {
    cardInput.value = code;
    if (cardForm.requestSubmit) { cardForm.requestSubmit(); } else { cardForm.submit(); }
  }

  function dialogOpen() { return !!(dialog && dialog.open); }

  function askFirst(code, state) {
    var b = basket();
    pendingCode = code;
    document.getElementById("switch-text").textContent =
      b.fill(b.text.open_basket, { name: b.data.resident, count: state.count, points: state.total });
    document.getElementById("switch-confirm").disabled = !state.ok;
    if (!dialogOpen()) {
      focusBefore = document.activeElement;
      dialog.showModal();
      document.getElementById("switch-cancel").focus();
    }
  }

  function cardScanned(code) {
    var b = basket();
    var state = b ? b.state() : null;
    if (!state || !dialog || state.count === 0) { submitCard(code); return; }
    askFirst(code, state);
  }

  if (dialog) {
    document.getElementById("switch-confirm").addEventListener("click", function () {
      var code = pendingCode;
      dialog.close();
      if (basket()) { basket().confirm(code); }
    });
    document.getElementById("switch-discard").addEventListener("click", function () {
      var code = pendingCode;
      dialog.close();
      submitCard(code);
    });
    document.getElementById("switch-cancel").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () {
      pendingCode = null;
      if (focusBefore && focusBefore.focus) { focusBefore.focus(); }
    });
  }

  // ---- goods: a barcode adds one; the finder filters the tiles by name, category or barcode
  function itemByBarcode(code) {
    var b = basket();
    if (!b || !code) { return null; }
    var found = null;
    b.data.items.forEach(function (item) { if (item.barcode && item.barcode === code) { found = item; } });
    return found;
  }

  function addItem(item) {
    var b = basket();
    var added = b.addOne(item.id);
    say(goodsMessage, b.fill(added ? b.text.barcode_added : b.text.barcode_full, { name: item.name }), !added);
    var tile = document.querySelector('.goods-cell[data-item="' + item.id + '"]');
    if (tile && tile.scrollIntoView) { tile.scrollIntoView({ block: "nearest" }); }
  }

  function codeScanned(raw) {
    var text = String(raw || "").trim();
    var cleaned = text.toUpperCase().replace(/[^0-9A-Z]/g, "");
    if (CARD.test(cleaned)) { say(scanMessage, ""); cardScanned(cleaned); return; }
    var item = itemByBarcode(text);
    if (item) { say(scanMessage, ""); addItem(item); return; }
    var b = basket();
    if (b && /^[0-9]{6,14}$/.test(text)) { say(goodsMessage, b.fill(b.text.barcode_unknown, { code: text }), true); return; }
    say(scanMessage, scanText.not_a_code || "", true);
  }

  function visibleCells(q) {
    var b = basket(), shown = [];
    if (!b) { return shown; }
    var needle = q.toLowerCase();
    b.data.items.forEach(function (item) {
      var cell = document.querySelector('.goods-cell[data-item="' + item.id + '"]');
      var hit = !needle || item.name.toLowerCase().indexOf(needle) >= 0 ||
        item.category.toLowerCase().indexOf(needle) >= 0 || (item.barcode && item.barcode.indexOf(needle) === 0);
      if (cell) { cell.classList.toggle("is-hidden", !hit); }
      if (hit) { shown.push(item); }
    });
    return shown;
  }

  if (goodsFind) {
    goodsFind.addEventListener("input", function () {
      var q = goodsFind.value.trim();
      var shown = visibleCells(q);
      var b = basket();
      say(goodsMessage, q && !shown.length ? b.fill(b.text.no_match, { q: q }) : "", !shown.length);
    });
    goodsFind.addEventListener("keydown", function (evt) {
      if (evt.key !== "Enter" || evt.defaultPrevented) { return; }
      evt.preventDefault();
      var q = goodsFind.value.trim();
      var item = itemByBarcode(q);
      var shown = visibleCells(q);
      if (!item && q && shown.length === 1) { item = shown[0]; }
      if (item) { addItem(item); goodsFind.value = ""; visibleCells(""); }
    });
  }

  // ---- the catcher: recognise a burst at scanner speed, wherever the focus is
  var buffer = [], last = -1e9, scanning = false, startTarget = null, startValue = null, idleTimer = null;

  function isBox(el) { return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA"); }

  function restoreStart() {
    if (isBox(startTarget) && startValue !== null && startTarget.value !== startValue) {
      startTarget.value = startValue;
      startTarget.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function clear() {
    buffer = []; scanning = false; startTarget = null; startValue = null;
    if (idleTimer) { clearTimeout(idleTimer); idleTimer = null; }
  }

  function giveBack() {
    // A fast burst with no Enter was a person after all: put their characters back where they typed.
    if (scanning && isBox(startTarget) && startValue !== null) {
      startTarget.value = startValue + buffer.join("");
      startTarget.dispatchEvent(new Event("input", { bubbles: true }));
    }
    clear();
  }

  window.addEventListener("keydown", function (evt) {
    if (evt.ctrlKey || evt.altKey || evt.metaKey || evt.isComposing) { return; }
    var now = evt.timeStamp;
    var gap = now - last;
    if (evt.key === "Enter") {
      if (scanning && gap < ENTER_MS) {
        evt.preventDefault();
        evt.stopPropagation();
        var code = buffer.join("");
        clear();
        last = -1e9;
        codeScanned(code);
        return;
      }
      clear();
      // Enter in a quantity box never confirms the basket: confirming is the explicit button.
      if (evt.target && evt.target.classList && evt.target.classList.contains("qty-input")) { evt.preventDefault(); }
      return;
    }
    if (!evt.key || evt.key.length !== 1) { return; }  // Shift, Tab, arrows: never part of a code
    if (buffer.length && gap < (scanning ? BURST_MS : FAST_MS)) {
      buffer.push(evt.key);
    } else {
      if (scanning) { giveBack(); }
      clear();
      buffer = [evt.key];
      startTarget = evt.target;
      startValue = isBox(evt.target) ? evt.target.value : null;
    }
    last = now;
    if (!scanning && buffer.length >= MIN_BURST) {
      scanning = true;
      restoreStart();  // the first keys of the burst already landed in the box: take them out again
    }
    if (scanning) {
      evt.preventDefault();
      evt.stopPropagation();
      if (idleTimer) { clearTimeout(idleTimer); }
      idleTimer = setTimeout(giveBack, ENTER_MS);
    }
  }, true);
})();
