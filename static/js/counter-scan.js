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

  var switching = false;  // the open basket was dealt with: let the card form through

  function submitCard(code) {
    cardInput.value = code;
    switching = true;
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

  // A code typed by hand (or read by the camera) while a basket is open asks first, as a scan does.
  cardForm.addEventListener("submit", function (evt) {
    var b = basket();
    var state = b && dialog && !switching ? b.state() : null;
    if (state && state.count > 0 && cardInput.value.trim()) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
      askFirst(cardInput.value.trim(), state);
    }
  }, true);

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

  // ---- the catcher: recognise a burst at scanner speed, wherever the focus is.
  // Keys are remembered with the value their box had before them. Three keys in a row at scanner speed
  // start a burst: from then on keys are held back. On Enter, the typed tail that has the shape of a
  // card or a known barcode and came at scanner speed on average is a scan even where the first keys
  // were slowed down (a busy PC): the box gets back the value it had before the scan began.
  var history = [], scanning = false, idleTimer = null, lastAt = -1e9;

  function isBox(el) { return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA"); }

  function clear() {
    history = []; scanning = false;
    if (idleTimer) { clearTimeout(idleTimer); idleTimer = null; }
  }

  function putBack(entry) {
    if (entry && isBox(entry.target) && entry.target.value !== entry.before) {
      entry.target.value = entry.before;
      entry.target.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function giveBack() {
    // A fast burst with no Enter was a person after all: put the held-back characters where they typed.
    var held = history.filter(function (h) { return h.held; });
    if (held.length && isBox(held[0].target)) {
      var box = held[0].target;
      try { box.value = held[0].before + held.map(function (h) { return h.key; }).join(""); } catch (e) { /* number box */ }
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }
    clear();
  }

  function scanIn(entries) {
    // The tail of the typed keys that is a scan: {from, code} or null.
    var text = entries.map(function (h) { return h.key; }).join("");
    var upper = text.toUpperCase();
    for (var i = upper.lastIndexOf("JF"); i >= 0; i = upper.lastIndexOf("JF", i - 1)) {
      var code = upper.slice(i).replace(/[^0-9A-Z]/g, "");
      if (CARD.test(code)) { return { from: i, code: code }; }
      if (i === 0) { break; }
    }
    var digits = /[0-9]{6,14}$/.exec(text);
    if (digits && itemByBarcode(digits[0])) { return { from: digits.index, code: digits[0] }; }
    return null;
  }

  function atScannerSpeed(entries) {
    if (entries.length < MIN_BURST) { return false; }
    var span = entries[entries.length - 1].t - entries[0].t;
    return span / (entries.length - 1) < FAST_MS;
  }

  window.addEventListener("keydown", function (evt) {
    if (evt.ctrlKey || evt.altKey || evt.metaKey || evt.isComposing) { return; }
    var now = evt.timeStamp;
    var gap = now - lastAt;
    if (evt.key === "Enter") {
      var found = gap < ENTER_MS ? scanIn(history) : null;
      var tail = found ? history.slice(found.from) : [];
      if (found && (scanning || atScannerSpeed(tail))) {
        evt.preventDefault();
        evt.stopPropagation();
        putBack(tail[0]);
        clear();
        lastAt = -1e9;
        codeScanned(found.code);
        return;
      }
      if (scanning && gap < ENTER_MS) {  // a burst that is no card nor barcode: say so, type nothing
        evt.preventDefault();
        evt.stopPropagation();
        putBack(history[0]);
        clear();
        codeScanned("");
        return;
      }
      clear();
      // Enter in a quantity box never confirms the basket: confirming is the explicit button.
      if (evt.target && evt.target.classList && evt.target.classList.contains("qty-input")) { evt.preventDefault(); }
      return;
    }
    if (!evt.key || evt.key.length !== 1) { return; }  // Shift, Tab, arrows: never part of a code
    if (gap > BURST_MS * 4 || (scanning && gap > BURST_MS)) {
      if (scanning) { giveBack(); }
      clear();
    }
    var entry = { key: evt.key, t: now, target: evt.target, before: isBox(evt.target) ? evt.target.value : null, held: false };
    history.push(entry);
    if (history.length > 64) { history.shift(); }
    lastAt = now;
    var n = history.length;
    if (!scanning && n >= MIN_BURST && history[n - 1].t - history[n - 3].t < 2 * FAST_MS &&
        history[n - 1].t - history[n - 2].t < FAST_MS) {
      scanning = true;
      putBack(history[n - 3]);  // the first keys of the burst already landed in the box: take them out
    }
    if (scanning) {
      entry.held = true;
      evt.preventDefault();
      evt.stopPropagation();
      if (idleTimer) { clearTimeout(idleTimer); }
      idleTimer = setTimeout(giveBack, ENTER_MS);
    }
  }, true);
})();
