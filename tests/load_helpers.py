"""Real servers and real clients for the proofs: gunicorn on a free loopback port, the flask CLI
in a subprocess, and a thread-safe JSON client that never raises on an answer.

- `GunicornServer(database_url, folder)`: `.start()` (4 sync workers, `--timeout`, its own process
  group), `.url`, `.stop()` (SIGTERM, then SIGKILL), `.kill9()` (SIGKILL to master and workers at once).
- `servers` fixture: a factory `servers(database_url, folder, second=False)`; every server it made is
  killed in teardown, whatever the test did.
- `flask_cli(database_url, *args)`: `flask --app app ARGS` against that database → CompletedProcess.
- `Api(url, token)`: `.call(method, path, json=None, key=None)` → `Answer(status, body)`; status None
  when no answer came (connection refused or reset, timeout): the outcome is then unknown.
"""

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "proofs-load-test-secret-key-0123456789abcdef"  # ≥ 32 bytes, as production demands
FIRST_PORTS = range(5800, 5850)  # this area's ports; a second app server takes the upper half
SECOND_PORTS = range(5850, 5900)
START_TIMEOUT = 90  # seconds for gunicorn to answer /healthz on a busy machine
WORKER_TIMEOUT = 60  # gunicorn --timeout: a stuck worker is killed, never the whole run
REQUEST_TIMEOUT = 60


def server_env(database_url: str) -> dict:
    """The environment a production-like server runs with (no debug, no test mode)."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY, "FLASK_DEBUG": "0",
           "RATELIMIT_STORAGE_URI": "memory://", "PYTHONUNBUFFERED": "1"}
    env.pop("TRUSTED_PROXIES", None)
    return env


def flask_cli(database_url: str, *args: str, timeout: float = 300, env: dict | None = None
              ) -> subprocess.CompletedProcess:
    """`flask --app app ARGS` in a fresh process against database_url (env: extra variables)."""
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env={**server_env(database_url), **(env or {})}, capture_output=True, text=True,
                          timeout=timeout)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds: TIME_WAIT is no obstacle
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _gunicorn_command() -> list[str]:
    beside = Path(sys.executable).with_name("gunicorn")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "gunicorn"]


_HAS_NO_CONTROL_SOCKET: list[bool] = []


def _no_control_socket_flag() -> list[str]:
    """gunicorn ≥ 25 opens a control socket in $HOME; turn it off where the option exists."""
    if not _HAS_NO_CONTROL_SOCKET:
        help_text = subprocess.run([*_gunicorn_command(), "--help"], capture_output=True, text=True,
                                   timeout=60).stdout
        _HAS_NO_CONTROL_SOCKET.append("--no-control-socket" in help_text)
    return ["--no-control-socket"] if _HAS_NO_CONTROL_SOCKET[0] else []


class GunicornServer:
    """One gunicorn master with its workers, in its own process group, on a loopback port."""

    def __init__(self, database_url: str, folder: Path, *, ports: range = FIRST_PORTS, workers: int = 4):
        self.database_url, self.folder, self.ports, self.workers = database_url, folder, ports, workers
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.folder / f"gunicorn-{self.ports.start}.log"

    def start(self) -> "GunicornServer":
        """Start on the port it had before (a restart), else on a free port of its range."""
        candidates = [self.port] if self.port else random.sample(list(self.ports), len(self.ports))
        for port in candidates:
            if self.port is None and not port_is_free(port):
                continue
            if self._try_start(port):
                return self
        pytest.fail(f"gunicorn could not start on any port of {self.ports}:\n{self.tail()}")

    def _try_start(self, port: int) -> bool:
        self.port = port
        self.starts += 1
        args = [*_gunicorn_command(), "--bind", f"127.0.0.1:{port}", "--workers", str(self.workers),
                "--timeout", str(WORKER_TIMEOUT), "--graceful-timeout", "5", "--error-logfile", "-",
                *_no_control_socket_flag(), "app:create_app()"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(args, cwd=ROOT, env=server_env(self.database_url), stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "in use" in self.tail():  # another process took the port between check and bind
                    return False
                pytest.fail(f"gunicorn exited with code {self.process.returncode}:\n{self.tail()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.25)
        self.kill9()
        pytest.fail(f"gunicorn did not answer {self.url}/healthz within {START_TIMEOUT} s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def wait_until(self, condition, seconds: float, what: str) -> None:
        """Poll condition() up to seconds; fail naming what did not happen."""
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"{what} did not happen within {seconds} s:\n{self.tail()}")
            time.sleep(0.1)

    def kill9(self) -> None:
        """SIGKILL the master and every worker at once: a crash, not a shutdown."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self._wait_port_released()

    def stop(self) -> None:
        """Graceful stop (SIGTERM), then SIGKILL to the whole group if it lingers."""
        if self.process is None or self.process.poll() is not None:
            self.kill9()  # reap any orphaned worker of a dead master
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        self.kill9()

    def _wait_port_released(self) -> None:
        deadline = time.monotonic() + 30
        while self.port and not port_is_free(self.port) and time.monotonic() < deadline:
            time.sleep(0.2)


@pytest.fixture
def servers():
    """servers(database_url, folder, second=False) → a started GunicornServer; all killed at teardown."""
    started: list[GunicornServer] = []

    def start(database_url: str, folder: Path, second: bool = False, workers: int = 4) -> GunicornServer:
        server = GunicornServer(database_url, folder, ports=SECOND_PORTS if second else FIRST_PORTS,
                                workers=workers)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@dataclass
class Answer:
    status: int | None  # None: no answer (the request may or may not have been applied)
    body: dict | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def code(self) -> str | None:
        return ((self.body or {}).get("error") or {}).get("code")


class Api:
    """A JSON client for one bearer token; one requests.Session per thread."""

    def __init__(self, url_of, token: str):
        self.url_of = url_of if callable(url_of) else (lambda: url_of)
        self.token = token
        self.local = threading.local()

    def _session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def call(self, method: str, path: str, json: dict | None = None, key: str | None = None) -> Answer:
        headers = {"Authorization": f"Bearer {self.token}", "Accept-Language": "en"}
        if key is not None:
            headers["Idempotency-Key"] = key
        try:
            response = self._session().request(method, self.url_of() + path, json=json, headers=headers,
                                               timeout=REQUEST_TIMEOUT)
        except requests.RequestException:
            self.local.__dict__.pop("session", None)  # a broken keep-alive connection is not reused
            return Answer(None, None)
        try:
            body = response.json()
        except ValueError:
            body = {"raw": response.text[:500]}
        return Answer(response.status_code, body)
