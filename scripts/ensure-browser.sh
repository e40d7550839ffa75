#!/usr/bin/env bash
# The browser tests need Debian's Chromium and a CJK font (without one every Chinese character
# is an empty box in screenshots and PDFs). Install them with apt-get when missing.
set -euo pipefail
chromium="${JIFEN_CHROMIUM:-/usr/bin/chromium}"
font=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc

if [ -x "$chromium" ] && [ -f "$font" ]; then
  exit 0
fi
echo "Installing Chromium and the WenQuanYi Micro Hei font for the browser tests (about 30 s)…"
if [ "$(id -u)" = 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "error: $chromium or $font is missing and this user cannot install packages." >&2
  echo "       As root run: apt-get update && apt-get install -y chromium fonts-wqy-microhei" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: no apt-get here; install Chromium (at $chromium, or set JIFEN_CHROMIUM) and a CJK font yourself." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
if [ ! -x "$chromium" ]; then
  echo "error: apt-get installed chromium but $chromium is still missing." >&2
  exit 1
fi
echo "Chromium: $("$chromium" --version 2>/dev/null || echo installed)."
