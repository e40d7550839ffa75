"""Browser tests: a real gunicorn serving the app on a temp SQLite file, driven by Debian's Chromium.

Fixtures:
- `server` (session): SimpleNamespace(url, app, database_url, log_path). `server.app` is a
  create_app() on the SAME database for seeding with services and tests/factories.py
  (`make_user(server.app, ...)`); the browser talks to gunicorn at `server.url`.
- `page` (pytest-playwright): a phone-sized (390×844) zh-CN page whose base_url is `server.url`,
  so `page.goto("/sign-in")` works. `desktop_page`: the same at 1366×768, for counter pages.
- `shots`: the folder for screenshots (test-results/screens), created on demand.
- `ui_sign_in(page, user)`: signs a factory user in through the real form.

Chromium must be at /usr/bin/chromium (`apt-get install -y chromium fonts-wqy-microhei`);
if it is missing these tests FAIL, they never skip. Every test in this folder is marked `e2e`.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("JIFEN_CHROMIUM", "/usr/bin/chromium")
SECRET_KEY = "e2e-secret-key-not-for-production"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
START_TIMEOUT = 60  # seconds for gunicorn to answer /healthz
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--lang=zh-CN",  # the browser's own controls (file picker, date field) in Chinese too
]
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/e2e with `e2e` (select with -m e2e, leave out with -m 'not e2e')."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gunicorn_command() -> list[str]:
    """`.venv/bin/gunicorn` beside this interpreter, else `python -m gunicorn`."""
    beside = Path(sys.executable).with_name("gunicorn")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "gunicorn"]


def _supports_no_control_socket(command: list[str]) -> bool:
    """gunicorn ≥ 25 has a control socket in $HOME; turn it off where the option exists."""
    try:
        help_text = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--no-control-socket" in help_text


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_healthy(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with code {process.returncode} before answering:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer {url}/healthz within {START_TIMEOUT} s:\n{_tail(log_path)}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()  # gunicorn: graceful shutdown on SIGTERM
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """gunicorn (2 workers) serving app:create_app() on a fresh, migrated SQLite file."""
    from app import create_app
    from extensions import db

    folder = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{folder / 'e2e.sqlite3'}"
    log_path = folder / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "RATELIMIT_STORAGE_URI": "memory://",
        "FLASK_DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("TRUSTED_PROXIES", None)

    migrate = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "init-db"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    if migrate.returncode != 0:
        pytest.fail(f"init-db failed for the e2e database:\n{migrate.stdout}\n{migrate.stderr}")

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = _gunicorn_command()
    args = [*command, "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60",
            "--graceful-timeout", "5", "--access-logfile", "-", "--error-logfile", "-"]
    if _supports_no_control_socket(command):
        args.append("--no-control-socket")
    args.append("app:create_app()")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(url, process, log_path)
        app = create_app({
            "TESTING": True,
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
        })
        yield SimpleNamespace(url=url, app=app, database_url=database_url, log_path=log_path)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, headless, with background services off. Missing Chromium fails, never skips."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        where = "CI" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "this machine"
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM} on {where}; the browser tests need it. "
            "Install it with: apt-get update && apt-get install -y chromium fonts-wqy-microhei "
            "(or run `make test`, which does this).",
            pytrace=False,
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": browser_type_launch_args.get("headless", True),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, server):
    """Chinese locale, Shanghai time, a 390×844 phone viewport, and the server as base_url."""
    return {
        **browser_context_args,
        "base_url": server.url,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": PHONE,
    }


@pytest.fixture
def desktop_page(browser, browser_context_args):
    """A page on a counter PC's screen (1366×768), for store-keeper and admin pages."""
    context = browser.new_context(**{**browser_context_args, "viewport": DESKTOP})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shots(pytestconfig) -> Path:
    """Where screenshots go: test-results/screens (pytest-playwright empties test-results at start)."""
    folder = Path(pytestconfig.getoption("--output")).absolute() / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def ui_sign_in():
    """Sign a factory user in through the real sign-in form (CSRF on, as in production)."""

    def sign_in(page, user, next_path: str | None = None) -> None:
        page.goto("/sign-in" + (f"?next={next_path}" if next_path else ""))
        page.locator("input[name=username]").fill(user.username)
        page.locator("input[name=password]").fill(user.password)
        with page.expect_navigation():
            page.locator("form:has(input[name=password]) [type=submit]").first.click()

    return sign_in

