// The resident's check-in page: scan the lead's QR with the phone camera (qr-scanner, as at the
// counter) and open the check-in link it holds; only links to this site's /attend are followed.
(function () {
  "use strict";
  var startBtn = document.getElementById("camera-start");
  var stopBtn = document.getElementById("camera-stop");
  var box = document.getElementById("camera-box");
  var video = document.getElementById("camera-video");
  var statusEl = document.getElementById("camera-status");
  var textNode = document.getElementById("camera-text");
  var text = textNode ? JSON.parse(textNode.textContent) : {};
  var scanner = null;
  var codeInput = document.getElementById("code");
  if (codeInput && !codeInput.value) { codeInput.focus(); }

  function say(message) { if (statusEl) { statusEl.textContent = message || ""; } }

  function stopCamera() {
    if (scanner) { scanner.stop(); scanner.destroy(); scanner = null; }
    if (box) { box.classList.add("is-hidden"); }
  }

  function onResult(result) {
    var data = (result && result.data) || "";
    var url;
    try { url = new URL(data, window.location.href); } catch (e) { url = null; }
    if (!url || url.origin !== window.location.origin || url.pathname !== "/attend") { say(text.not_ours); return; }
    stopCamera();
    window.location.assign(url.pathname + url.search);
  }

  if (!startBtn || !video || !box) { return; }
  if (typeof window.QrScanner === "undefined") { startBtn.disabled = true; return; }
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
  if (stopBtn) { stopBtn.addEventListener("click", stopCamera); }
})();
