"""Configuration refuses weak secrets: short keys, and debug keys anywhere but loopback."""

import sys

import pytest

from app import create_app
from extensions import db


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    """A clean environment: no SECRET_KEY, no debug, and a throwaway database."""
    for name in ("SECRET_KEY", "FLASK_DEBUG", "FLASK_RUN_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "argv", ["gunicorn"])
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.sqlite3'}"}


def build(config: dict):
    app = create_app(config)
    with app.app_context():
        db.engine.dispose()
    return app


def test_a_short_secret_key_is_refused_at_start(production_env):
    with pytest.raises(RuntimeError, match="too short"):
        build({**production_env, "SECRET_KEY": "short"})
    with pytest.raises(RuntimeError, match="too short"):
        build({**production_env, "SECRET_KEY": "x" * 31})


def test_a_long_secret_key_starts(production_env):
    app = build({**production_env, "SECRET_KEY": "k" * 32})
    assert app.config["SECRET_KEY"] == "k" * 32


def test_no_secret_key_outside_debug_is_refused(production_env):
    with pytest.raises(RuntimeError, match="not set"):
        build(production_env)


def test_debug_on_loopback_gets_a_random_key_per_process(production_env, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    first, second = build(production_env), build(production_env)
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]
    assert first.config["SECRET_KEY"] != "dev-only-not-secret"


@pytest.mark.parametrize("how", ["env", "argv", "argv="])
def test_debug_without_a_key_on_a_public_address_is_refused(production_env, monkeypatch, how):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    if how == "env":
        monkeypatch.setenv("FLASK_RUN_HOST", "0.0.0.0")
    elif how == "argv":
        monkeypatch.setattr(sys, "argv", ["flask", "run", "--host", "0.0.0.0"])
    else:
        monkeypatch.setattr(sys, "argv", ["flask", "run", "--host=192.168.1.5"])
    with pytest.raises(RuntimeError, match="only made for 127.0.0.1"):
        build(production_env)


def test_the_debug_key_serves_only_loopback_clients(production_env, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = build(production_env)
    client = app.test_client()
    assert client.get("/sign-in", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/sign-in", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
