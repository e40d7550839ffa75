"""The SQLite writers' gate (core.writer_gate): writers take turns across real processes; a killed
holder frees it; a gate that stays shut delays a write, never refuses it."""

import multiprocessing
import os
import shutil
import signal
import time

import pytest
import sqlalchemy as sa

from accounts.models import Community
from core import writer_gate
from core.db import run_write
from extensions import db

fork = multiprocessing.get_context("fork")


def _hold(path: str, held, release) -> None:
    descriptor = writer_gate.take_turn(path, patience=5)
    held.set()
    release.wait(10)
    writer_gate.end_turn(descriptor)


@pytest.fixture
def holder(tmp_path):
    """Another process holding the gate of a database file until released (or killed)."""
    path = writer_gate.gate_path(str(tmp_path / "city.sqlite3"))
    held, release = fork.Event(), fork.Event()
    process = fork.Process(target=_hold, args=(path, held, release))
    process.start()
    assert held.wait(10)
    yield path, process, release
    if process.is_alive():  # a killed waiter may have died holding the event's lock: never set it then
        release.set()
    process.join(10)


def test_a_writer_waits_its_turn_behind_another_process_and_gets_it_when_that_one_ends(holder):
    path, process, release = holder

    assert writer_gate.take_turn(path, patience=0.05) is None  # shut while the other process writes
    release.set()
    started = time.monotonic()
    descriptor = writer_gate.take_turn(path, patience=5)

    assert descriptor is not None
    assert time.monotonic() - started < 2
    writer_gate.end_turn(descriptor)


def test_a_killed_writer_leaves_the_gate_open(holder):
    path, process, _ = holder

    os.kill(process.pid, signal.SIGKILL)
    process.join(10)

    descriptor = writer_gate.take_turn(path, patience=2)
    assert descriptor is not None
    writer_gate.end_turn(descriptor)


def test_a_forked_child_does_not_share_its_parents_turn(tmp_path):
    path = writer_gate.gate_path(str(tmp_path / "city.sqlite3"))
    mine = writer_gate.take_turn(path, patience=1)
    answer = fork.Queue()
    child = fork.Process(target=lambda: answer.put(writer_gate.take_turn(path, patience=0.05) is None))
    child.start()
    try:
        assert answer.get(timeout=10) is True  # the child had to wait: the parent's turn is not its own
    finally:
        child.join(10)
        writer_gate.end_turn(mine)


def test_in_memory_databases_have_no_gate():
    assert writer_gate.gate_path(":memory:") is None
    assert writer_gate.gate_path(None) is None
    assert writer_gate.gate_path("/srv/jifen/jifen.sqlite3") == "/srv/jifen/jifen.sqlite3-writer"


def test_a_write_goes_ahead_when_the_gate_stays_shut_and_still_commits_once(sqlite_template, monkeypatch,
                                                                              tmp_path):
    """The gate orders writers and guards nothing: a writer that gave up waiting still writes, through
    BEGIN IMMEDIATE as before (a stuck or foreign holder of the gate cannot stop writes). On a file SQLite
    of its own, whatever database the suite runs on: PostgreSQL has no gate."""
    from app import create_app

    database = tmp_path / "gate.sqlite3"
    shutil.copy(sqlite_template, database)
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    path = writer_gate.gate_path(str(database))
    held, release = fork.Event(), fork.Event()
    other = fork.Process(target=_hold, args=(path, held, release))
    other.start()
    assert held.wait(10)
    monkeypatch.setattr(writer_gate, "GATE_PATIENCE", 0.1)
    try:
        with app.app_context():
            started = time.monotonic()
            run_write(lambda: db.session.add(Community(name="东风社区")))
            waited = time.monotonic() - started
            names = db.session.execute(sa.select(Community.name)).scalars().all()
            db.session.remove()
            db.engine.dispose()
        assert names == ["东风社区"]
        assert 0.1 <= waited < 5
    finally:
        release.set()
        other.join(10)


def test_a_process_that_meets_many_databases_keeps_few_descriptors_open_and_its_turn(tmp_path):
    """The test suite alone makes thousands of databases; a process must not run out of descriptors."""
    held_path = writer_gate.gate_path(str(tmp_path / "held.sqlite3"))
    held = writer_gate.take_turn(held_path, patience=1)
    for n in range(3 * writer_gate.KEEP_OPEN):
        writer_gate.end_turn(writer_gate.take_turn(writer_gate.gate_path(str(tmp_path / f"db{n}.sqlite3"))))

    mine = [key for key in writer_gate._open_gates if key[0] == os.getpid()]
    assert len(mine) <= writer_gate.KEEP_OPEN + 1
    answer = fork.Queue()
    child = fork.Process(target=lambda: answer.put(writer_gate.take_turn(held_path, patience=0.05) is None))
    child.start()
    try:
        assert answer.get(timeout=10) is True  # the turn held all along is still held
    finally:
        child.join(10)
        writer_gate.end_turn(held)
