// The lead's code screen: fetch the current code and QR a moment after the shown one expires.
// Loaded as a file (strict CSP); its settings come from the #code-data JSON block.
(function () {
  "use strict";
  var node = document.getElementById("code-data");
  if (!node) { return; }
  var data = JSON.parse(node.textContent);
  var digits = document.getElementById("code-digits");
  var qr = document.getElementById("code-qr");
  var note = document.getElementById("code-expires");
  var expiresAt = Date.parse(data.expires_at);

  function show(payload) {
    digits.textContent = payload.code;
    qr.src = payload.qr;
    qr.setAttribute("data-url", payload.url);
    expiresAt = Date.parse(payload.expires_at);
    note.classList.remove("text-danger");
  }

  function refresh() {
    fetch(data.refresh, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(show)
      .catch(function () { note.textContent = data.offline; note.classList.add("text-danger"); });
  }

  // Keep the lead's screen on while the code is shown, and go full screen on a tap (both where supported).
  function keepAwake() {
    if (navigator.wakeLock && document.visibilityState === "visible") {
      navigator.wakeLock.request("screen").catch(function () { /* not allowed here: the screen may dim */ });
    }
  }
  keepAwake();
  document.addEventListener("visibilitychange", keepAwake);
  var full = document.getElementById("code-fullscreen");
  if (full && document.documentElement.requestFullscreen) {
    full.addEventListener("click", function () {
      document.documentElement.requestFullscreen().catch(function () { /* refused: stay as is */ });
    });
  } else if (full) {
    full.classList.add("is-hidden");
  }

  // Check every second; the clock of the phone may differ from the server's, so also refresh every 20 s.
  var last = Date.now();
  setInterval(function () {
    var now = Date.now();
    if (now >= expiresAt + 500 || now - last > 20000) { last = now; refresh(); }
  }, 1000);
})();
