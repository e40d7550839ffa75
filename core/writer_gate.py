"""SQLite: writers take turns at a file lock of their own before BEGIN IMMEDIATE.

SQLite's busy handler makes a blocked writer sleep 1, 2, 5 … 25, 50, 100 ms between tries, so a
counter that finds the database busy wakes up to 100 ms after it is free again and often loses to
the next chunk of a bulk approval, which never sleeps. Here a blocked writer polls a lock on
`<database>-writer` every 0.2–1 ms instead: it starts within a millisecond of the write before it.

The gate only orders writers; it guards nothing. BEGIN IMMEDIATE, conditional updates and the
database's own constraints keep every guarantee, with or without it: writes that do not come through
run_write (CLI tools, migrations) ignore it, and a writer that waited GATE_PATIENCE seconds goes on to
BEGIN IMMEDIATE and SQLite's own busy timeout, exactly as without a gate. The kernel drops a flock
when its process dies, so a killed worker never leaves it held.
"""

import os
import time
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: SQLite's busy handler alone
    fcntl = None

GATE_PATIENCE = 10.0  # seconds; the same as the connections' busy_timeout
FIRST_PAUSE, LONGEST_PAUSE = 0.0002, 0.001
_open_gates: dict[tuple[int, str], int] = {}  # (pid, lock file) → descriptor; a forked child opens its own
_held: set[int] = set()
KEEP_OPEN = 8  # a process serves one database; tests make thousands, and each open gate is a descriptor


def gate_path(database: str | None) -> str | None:
    """The lock file beside a file database; None for in-memory ones (one connection, nobody to queue)."""
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return f"{os.path.abspath(database)}-writer"


def _descriptor(path: str) -> int:
    key = (os.getpid(), path)  # flock belongs to the open file: a descriptor inherited over fork is shared
    descriptor = _open_gates.get(key)
    if descriptor is None:
        _close_idle_gates()
        descriptor = _open_gates[key] = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    return descriptor


def _close_idle_gates() -> None:
    """Close the descriptors beyond KEEP_OPEN that hold no turn (closing a held one would end its turn)."""
    if len(_open_gates) < KEEP_OPEN:
        return
    for key, descriptor in list(_open_gates.items()):
        if descriptor not in _held:
            del _open_gates[key]
            if key[0] == os.getpid():  # a parent's descriptor in a forked child is the parent's open file too
                os.close(descriptor)


def take_turn(path: str, patience: float | None = None) -> int | None:
    """Hold the gate at path; its descriptor, or None if it stayed shut for patience (GATE_PATIENCE) seconds."""
    descriptor = _descriptor(path)
    deadline = time.monotonic() + (GATE_PATIENCE if patience is None else patience)
    pause = FIRST_PAUSE
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _held.add(descriptor)
            return descriptor
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return None
        time.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)


def end_turn(descriptor: int | None) -> None:
    if descriptor is not None:
        _held.discard(descriptor)
        fcntl.flock(descriptor, fcntl.LOCK_UN)


@contextmanager
def writer_turn(engine):
    """Around one write transaction on engine (a no-op on PostgreSQL and in-memory SQLite)."""
    path = gate_path(engine.url.database) if engine.dialect.name == "sqlite" and fcntl else None
    held = take_turn(path) if path else None
    try:
        yield
    finally:
        end_turn(held)
