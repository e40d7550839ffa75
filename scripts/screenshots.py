#!/usr/bin/env python3
"""Regenerate docs/screenshots/: the main pages of every role, in Chinese, on a phone and a counter PC.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--lang zh-CN]

Builds a demo street in a temporary SQLite file, serves it with gunicorn on a free loopback port,
signs each demo person in through the real form and photographs their pages with Debian's Chromium.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "jifen-demo-2024"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
# (file name, role, path, viewport, full page)
SHOTS = [
    ("resident-home-phone", "resident", "/", PHONE, True),
    ("resident-history-phone", "resident", "/history", PHONE, True),
    ("resident-card-phone", "resident", "/card/show", PHONE, False),
    ("resident-messages-phone", "resident", "/notifications", PHONE, True),
    ("resident-catalogue-phone", "resident", "/store/catalogue", PHONE, True),
    ("lead-home-phone", "team lead", "/lead", PHONE, True),
    ("keeper-counter-desktop", "store keeper", "/store/counter", DESKTOP, False),
    ("admin-dashboard-desktop", "admin", "/reports/", DESKTOP, True),
    ("admin-approvals-desktop", "admin", "/approvals", DESKTOP, True),
    ("admin-people-desktop", "admin", "/people", DESKTOP, True),
    ("admin-card-sheets-desktop", "admin", "/people/card-sheets", DESKTOP, False),
    ("auditor-audit-desktop", "auditor", "/audit/", DESKTOP, True),
    ("public-honour-roll-phone", None, "/reports/honour", PHONE, True),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flask(env, *args) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _sign_ins(demo_output: str) -> dict[str, str]:
    """role → username from demo-data's table (the first resident is the volunteer)."""
    found = {}
    for line in demo_output.splitlines():
        m = re.match(r"\s+(admin|auditor|team lead|store keeper|resident)\s+(\S+)", line)
        if m and m.group(1) not in found:
            found[m.group(1)] = m.group(2)
    return found


def _wait(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--lang", default="zh-CN")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/shots.sqlite3", "SECRET_KEY": "s" * 64,
               "FLASK_DEBUG": "0", "RATELIMIT_STORAGE_URI": "memory://"}
        _flask(env, "init-db")
        people = _sign_ins(_flask(env, "demo-data", "--seed", "7"))
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                                   "--no-control-socket", "app:create_app()"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait(url)
            _photograph(url, people, out, args.lang)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"screenshots written to {out}")


def _photograph(url: str, people: dict[str, str], out: Path, lang: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("JIFEN_CHROMIUM", "/usr/bin/chromium"),
                                    headless=True, args=CHROMIUM_ARGS)
        contexts = {}
        try:
            for name, role, path, viewport, full in SHOTS:
                key = (role, viewport["width"])
                if key not in contexts:
                    context = browser.new_context(base_url=url, locale=lang, timezone_id="Asia/Shanghai",
                                                  viewport=viewport, device_scale_factor=1)
                    if role:
                        page = context.new_page()
                        page.goto("/sign-in")
                        page.fill("input[name=username]", people[role])
                        page.fill("input[name=password]", PASSWORD)
                        with page.expect_navigation():
                            page.click("form:has(input[name=password]) [type=submit]")
                        page.close()
                    contexts[key] = context
                page = contexts[key].new_page()
                page.goto(path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(out / f"{name}.png"), full_page=full)
                page.close()
                print(f"  {name}.png  ({role or 'public'}, {path})")
        finally:
            for context in contexts.values():
                context.close()
            browser.close()


if __name__ == "__main__":
    main()
