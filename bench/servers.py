"""gunicorn servers on loopback for the benchmark, and signing in to them (bearer token, form cookie)."""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT_RANGE = range(5500, 5600)  # the benchmark's own ports
SECRET_KEY = "bench-secret-key-not-for-production"


def free_port(taken: set[int]) -> int:
    import socket

    for port in PORT_RANGE:
        if port in taken:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port
    raise SystemExit("no free port in 5500-5599")


class Server:
    """One gunicorn master; stop() ends it and its workers (only these processes)."""

    def __init__(self, app: str, port: int, workers: int, env: dict, log_path: Path):
        self.port, self.log_path = port, log_path
        args = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                "--no-control-socket", "--timeout", "120", "--graceful-timeout", "10", "--backlog", "2048",
                "--config", str(ROOT / "bench" / "gunicorn_conf.py"), app]
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn for {app} exited; see {log_path}")
            try:
                if get(port, "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"gunicorn for {app} did not answer within 90 s; see {log_path}")

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def memory_mb(self) -> list[dict]:
        """Each worker's resident set now and at its peak (VmRSS, VmHWM)."""
        out = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            fields = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
            out.append({"pid": pid, "rss_mb": int(fields.get("VmRSS", 0)) / 1024,
                        "peak_mb": int(fields.get("VmHWM", 0)) / 1024})
        return out

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def get(port: int, path: str, headers: dict | None = None, timeout: float = 30) -> tuple[int, bytes, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


def post(port: int, path: str, body: bytes, headers: dict, timeout: float = 600) -> tuple[int, bytes, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, body, headers)
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


def token(port: int, username: str, password: str) -> str:
    status, body, _ = post(port, "/api/v1/tokens", json.dumps({"username": username, "password": password}).encode(),
                           {"Content-Type": "application/json"})
    if status != 201:
        raise SystemExit(f"could not get a token for {username}: {status} {body[:200]!r}")
    return json.loads(body)["token"]


def _session_cookie(headers: dict) -> str | None:
    raw = headers.get("Set-Cookie") or headers.get("set-cookie") or ""
    found = re.search(r"(session=[^;]+)", raw)
    return found.group(1) if found else None


def csrf_token(html: bytes) -> str:
    found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        rb'value="([^"]+)"[^>]*name="csrf_token"', html)
    if not found:
        raise SystemExit("no csrf_token on the page")
    return found.group(1).decode()


def sign_in_cookie(port: int, username: str, password: str) -> str:
    """Sign in once through the real form (CSRF included); the session cookie to reuse."""
    status, html, headers = get(port, "/sign-in", {"Accept-Language": "en"})
    cookie = _session_cookie(headers)
    form = urllib.parse.urlencode({"csrf_token": csrf_token(html), "username": username, "password": password})
    status, _body, headers = post(port, "/sign-in", form.encode(), {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie or ""})
    signed_in = _session_cookie(headers)
    if status not in (302, 303) or not signed_in:
        raise SystemExit(f"form sign-in for {username} failed: {status}")
    return signed_in


def environment(database_url: str, **extra: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
           "RATELIMIT_STORAGE_URI": "memory://", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("FLASK_DEBUG", None)
    env.update(extra)
    return env
