"""`flask checkpoint PATH`: anchor the audit chain outside the database it protects.

The hash chain proves no event was edited *unless* someone rewrites every later hash and the
head as well (possible for whoever can switch the append-only triggers off). A checkpoint
records the chain's head (count, last id, last hash, time) signed with HMAC-SHA256 under a key
that lives only in the environment (AUDIT_SIGNING_KEY), so it is kept off the server;
`verify --checkpoint PATH` then proves the chain still extends it.
"""

import hashlib
import hmac
import json
import os
from pathlib import Path

import click
from flask.cli import with_appcontext

KEY_ENV = "AUDIT_SIGNING_KEY"
MIN_KEY_BYTES = 32
FORMAT = "jifen-audit-checkpoint/1"
MAX_FILE_BYTES = 64 * 1024
SIGNED_FIELDS = ("format", "event_count", "last_id", "last_hash", "taken_at")


class CheckpointError(Exception):
    """A checkpoint that cannot be made or trusted; the message says why, for the operator."""


def signing_key() -> bytes:
    """The key from the environment; refuses a missing or short one (a short HMAC key is guessable)."""
    raw = os.environ.get(KEY_ENV, "")
    if not raw:
        raise CheckpointError(f"{KEY_ENV} is not set: checkpoints are signed with a key kept outside the "
                              "database (e.g. `export AUDIT_SIGNING_KEY=$(python -c 'import secrets; "
                              "print(secrets.token_hex(32))')`).")
    key = raw.encode()
    if len(key) < MIN_KEY_BYTES:
        raise CheckpointError(f"{KEY_ENV} must be at least {MIN_KEY_BYTES} bytes long.")
    return key


def _canonical(body: dict) -> bytes:
    return json.dumps({k: body[k] for k in SIGNED_FIELDS}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def sign(body: dict, key: bytes) -> str:
    """HMAC-SHA256 over the canonical JSON of the signed fields, as hex."""
    return hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def current_head() -> dict:
    """The chain's head as stored now: count of events, last id and hash (read only)."""
    import sqlalchemy as sa

    from audit.models import GENESIS_HASH, AuditEvent, AuditHead
    from extensions import db

    head = db.session.get(AuditHead, 1)
    count = db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()
    return {"event_count": int(count), "last_id": int(head.last_id) if head else 0,
            "last_hash": head.last_hash if head else GENESIS_HASH}


def make_checkpoint(key: bytes) -> dict:
    """A signed checkpoint of the chain's current head."""
    from core.timeutil import to_iso, utcnow

    body = {"format": FORMAT, **current_head(), "taken_at": to_iso(utcnow())}
    return {**body, "signature": "hmac-sha256:" + sign(body, key)}


def read_checkpoint(path: str, key: bytes) -> dict:
    """The checkpoint at path, its shape and signature checked; CheckpointError otherwise."""
    file = Path(path)
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise CheckpointError(f"{path} is too large to be a checkpoint.")
        body = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise CheckpointError(f"cannot read the checkpoint {path}: {error.strerror or error}.") from None
    except (ValueError, UnicodeDecodeError):
        raise CheckpointError(f"{path} is not a checkpoint (not JSON).") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a checkpoint of this format ({FORMAT}).")
    counts_ok = all(isinstance(body.get(k), int) and not isinstance(body.get(k), bool) and body[k] >= 0
                    for k in ("event_count", "last_id"))
    if not counts_ok or not isinstance(body.get("last_hash"), str) or not isinstance(body.get("taken_at"), str):
        raise CheckpointError(f"{path} is missing fields or has fields of the wrong type.")
    signature = body.get("signature")
    expected = "hmac-sha256:" + sign(body, key)
    if not isinstance(signature, str) or not hmac.compare_digest(signature.encode(), expected.encode()):
        raise CheckpointError(f"the checkpoint's signature does not match (a wrong {KEY_ENV}, or the file "
                              "was altered).")
    return body


def chain_extends(checkpoint: dict) -> list[str]:
    """Problems where the chain no longer extends the checkpoint (empty list: it does)."""
    import sqlalchemy as sa

    from audit.models import AuditEvent
    from extensions import db

    problems = []
    now = current_head()
    if now["event_count"] < checkpoint["event_count"]:
        problems.append(f"the chain has {now['event_count']} events, fewer than the {checkpoint['event_count']} "
                        f"of the checkpoint taken {checkpoint['taken_at']}")
    if checkpoint["last_id"] == 0:
        return problems
    stored = db.session.execute(
        sa.select(AuditEvent.hash).where(AuditEvent.id == checkpoint["last_id"])).scalar_one_or_none()
    if stored is None:
        problems.append(f"event {checkpoint['last_id']} of the checkpoint taken {checkpoint['taken_at']} is gone")
    elif stored != checkpoint["last_hash"]:
        problems.append(f"event {checkpoint['last_id']} no longer has the hash of the checkpoint taken "
                        f"{checkpoint['taken_at']}: the events up to it were rewritten")
    before = db.session.execute(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.id <= checkpoint["last_id"])).scalar_one()
    if stored is not None and before != checkpoint["event_count"]:
        problems.append(f"{before} events up to id {checkpoint['last_id']}, where the checkpoint counted "
                        f"{checkpoint['event_count']}")
    return problems


def check_checkpoint(path: str) -> tuple[str, list[str]]:
    """verify --checkpoint: (the summary when the chain still extends the checkpoint, the problems)."""
    try:
        checkpoint = read_checkpoint(path, signing_key())
    except CheckpointError as error:
        return "", [f"checkpoint: {error}"]
    problems = [f"checkpoint: {problem}" for problem in chain_extends(checkpoint)]
    return (f"the chain extends the checkpoint of {checkpoint['taken_at']} "
            f"({checkpoint['event_count']} events, last id {checkpoint['last_id']})", problems)


@click.command("checkpoint")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace an existing file at PATH.")
def checkpoint_command(path: str, force: bool):
    """Write a signed checkpoint of the audit chain (count, last id, last hash, time) to PATH."""
    from extensions import db

    try:
        key = signing_key()
    except CheckpointError as error:
        click.echo(f"Error: {error}", err=True)
        raise SystemExit(1) from None
    target = Path(path)
    if target.exists() and not force:
        click.echo(f"Error: {path} exists; pass --force to replace it.", err=True)
        raise SystemExit(1)
    checkpoint = make_checkpoint(key)
    db.session.rollback()
    text = json.dumps(checkpoint, indent=2, ensure_ascii=False) + "\n"
    try:
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)  # never a half-written checkpoint at PATH
    except OSError as error:
        click.echo(f"Error: cannot write {path}: {error.strerror or error}.", err=True)
        raise SystemExit(1) from None
    click.echo(f"Checkpoint written to {path}: {checkpoint['event_count']} events, last id "
               f"{checkpoint['last_id']}, hash {checkpoint['last_hash'][:16]}…; keep it off this server.")
