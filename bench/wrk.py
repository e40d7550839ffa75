"""Run wrk with bench/lua/jifen.lua and read back its one JSON line."""

import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua" / "jifen.lua"


def ensure_wrk() -> str:
    """wrk from Debian's packages, installed with apt-get when missing (as scripts/ensure-browser.sh does)."""
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, timeout=600)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True, timeout=600)
    return shutil.which("wrk") or "wrk"


@dataclass
class Load:
    """What one wrk run sends: a mode of jifen.lua, headers and the entries it works through."""

    mode: str = "get"
    path: str = "/healthz"
    headers: dict = field(default_factory=dict)
    entries: list = field(default_factory=list)
    env: dict = field(default_factory=dict)


class Running:
    """A wrk run in the background: stop() ends it early (SIGINT: wrk still reports) and returns its result."""

    def __init__(self, port: int, load: Load, *, connections: int, seconds: float, timeout_s: float = 10):
        threads = max(1, min(2, connections))
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as data:
            data.write("\n".join(str(e) for e in load.entries))
        self.data, self.seconds, self.timeout_s, self.connections = data.name, seconds, timeout_s, connections
        env = {
            **os.environ, **load.env, "WRK_MODE": load.mode, "WRK_DATA": data.name if load.entries else "",
            "WRK_HEADERS": "\n".join(f"{k}: {v}" for k, v in load.headers.items()),
            "WRK_THREADS": str(threads), "WRK_KEY": uuid.uuid4().hex[:12],
        }
        args = [ensure_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
                "--timeout", f"{timeout_s:g}s", "--latency", "-s", str(LUA), f"http://127.0.0.1:{port}{load.path}"]
        self.process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def result(self, stop: bool = False) -> dict:
        if stop and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            out, err = self.process.communicate(timeout=self.seconds + self.timeout_s + 30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
        finally:
            os.unlink(self.data)
        line = next((ln for ln in out.splitlines() if ln.startswith("JSON ")), None)
        if line is None:
            raise RuntimeError(f"wrk gave no result: {out[-500:]} {err[-500:]}")
        return _figures(json.loads(line[5:]), self.connections)


def run(port: int, load: Load, *, connections: int, seconds: float, timeout_s: float = 10) -> dict:
    """One bounded wrk run against 127.0.0.1:port; throughput and latency in ms."""
    return Running(port, load, connections=connections, seconds=seconds, timeout_s=timeout_s).result()


def _figures(raw: dict, connections: int) -> dict:
    seconds_taken = max(raw["duration_us"] / 1e6, 1e-9)
    ok = sum(n for status, n in raw["statuses"].items() if status.startswith("2"))
    return {
        "connections": connections, "seconds": round(seconds_taken, 3), "requests": raw["requests"],
        "ok": ok, "per_second": round(ok / seconds_taken, 1),
        "p50_ms": raw["p50_us"] / 1000, "p95_ms": raw["p95_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000, "statuses": raw["statuses"],
        "socket_errors": raw["socket_errors"], "timeouts": raw["timeouts"],
    }


def median_of(runs: list[dict]) -> dict:
    """The median of each figure over the runs (statuses summed), with the runs kept."""
    keys = ("per_second", "p50_ms", "p95_ms", "p99_ms", "max_ms")
    merged = {k: round(statistics.median(r[k] for r in runs), 2) for k in keys}
    statuses: dict = {}
    for r in runs:
        for status, n in r["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    merged.update(connections=runs[0]["connections"], statuses=statuses, runs=runs,
                  ok=sum(r["ok"] for r in runs), requests=sum(r["requests"] for r in runs),
                  socket_errors=sum(r["socket_errors"] for r in runs), timeouts=sum(r["timeouts"] for r in runs))
    return merged


def measure(port: int, load: Load, *, connections: int, seconds: float, repeats: int = 3,
            warmup: float = 1.0) -> dict:
    """A short warm-up, then the median of `repeats` runs."""
    if warmup > 0 and load.mode == "get":
        run(port, load, connections=connections, seconds=warmup)
    return median_of([run(port, load, connections=connections, seconds=seconds) for _ in range(repeats)])
