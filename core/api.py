"""JSON API plumbing shared by every feature's api.py: auth, bodies, errors, lists, replays."""

import functools
import hashlib
import json
from typing import NamedTuple

import sqlalchemy as sa
from flask import Response, g, has_request_context, jsonify, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from core.errors import DomainError, Forbidden, IdempotencyConflict, NotSignedIn, ValidationFailed
from core.models import IdempotentResponse
from core.timeutil import utcnow
from extensions import db

MAX_LIMIT = 200
MAX_CURSOR = 2**31 - 1  # ids are 32-bit on PostgreSQL; a bigger bound parameter is a database error


class MalformedJson(DomainError):
    code = "malformed_json"
    status = 400


def error_response(error: DomainError) -> Response:
    """{"error": {"code", "message", "fields"?}} with the error's status."""
    body = {"code": error.code, "message": str(error.message)}
    if error.fields:
        body["fields"] = {name: str(msg) for name, msg in error.fields.items()}
    response = jsonify({"error": body})
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token_hash() -> str:
    """The SHA-256 of the request's bearer token; NotSignedIn without one (or with an absurd one)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 200:
        raise NotSignedIn()
    return token_hash(token.strip())


_token_statements: dict[bool, sa.Select] = {}


class StoredAnswer(NamedTuple):
    """The remembered answer read with the token (the columns of IdempotentResponse that a replay needs)."""

    request_hash: str
    status: int
    body: str


def _token_user_statement(with_answer: bool) -> sa.Select:
    """Built once: constructing the select each request cost more than running it (bound parameters)."""
    stmt = _token_statements.get(with_answer)
    if stmt is None:
        from accounts.models import ApiToken, User

        stmt = (sa.select(User)
                .join(ApiToken, ApiToken.user_id == User.id)
                .where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.expires_at > sa.bindparam("now"))
                .options(joinedload(User.role_rows)))
        if with_answer:
            answers = IdempotentResponse.__table__  # columns, not an ORM entity: nothing to load into the session
            stmt = stmt.add_columns(answers.c.request_hash, answers.c.status, answers.c.body).outerjoin(answers, sa.and_(
                IdempotentResponse.user_id == User.id, IdempotentResponse.path == sa.bindparam("answer_path"),
                IdempotentResponse.key == sa.bindparam("answer_key")))
        stmt = _token_statements[with_answer] = stmt
    return stmt


def api_user(answer_key: str | None = None):
    """The user behind the bearer token, or NotSignedIn. Session cookies are not accepted.

    One statement: the token, its user and the user's roles; with answer_key, also the answer
    remembered for that Idempotency-Key on this path (kept in g.stored_answer).
    """
    if "api_user" in g:
        return g.api_user
    params = {"token_hash": bearer_token_hash(), "now": utcnow()}
    if answer_key is not None:
        params.update(answer_path=request.path, answer_key=answer_key)
    found = db.session.execute(_token_user_statement(answer_key is not None), params).unique().first()
    row = found[0] if found is not None else None
    if row is None or not row.active:
        raise NotSignedIn()
    g.api_user = row
    g.stored_answer = StoredAnswer(*found[1:4]) if answer_key is not None and found[1] is not None else None
    return row


def require_roles(*roles: str):
    """The signed-in API user if they hold one of roles, else Forbidden."""
    user = api_user()
    if not user.has_role(*roles):
        raise Forbidden()
    return user


def json_body() -> dict:
    """The request's JSON object, or MalformedJson (400)."""
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        raise MalformedJson(message=_malformed()) from None
    if not isinstance(data, dict):
        raise MalformedJson(message=_malformed())
    return data


def _malformed():
    from flask_babel import gettext

    return gettext("The request body must be a JSON object.")


def created(payload: dict) -> tuple[Response, int]:
    return jsonify(payload), 201


def list_args() -> tuple[int, int | None]:
    """limit (1–200, default 50) and cursor (an id) from the query string."""
    errors = {}
    from flask_babel import gettext

    limit_raw = request.args.get("limit", "50")
    cursor_raw = request.args.get("cursor")
    limit = cursor = None
    if not _ascii_digits(limit_raw, 10) or not 1 <= int(limit_raw) <= MAX_LIMIT:
        errors["limit"] = gettext("Must be a whole number from 1 to %(max)s.", max=MAX_LIMIT)
    else:
        limit = int(limit_raw)
    if cursor_raw not in (None, ""):
        if not _ascii_digits(cursor_raw, 10) or int(cursor_raw) > MAX_CURSOR:
            errors["cursor"] = gettext("Invalid cursor.")
        else:
            cursor = int(cursor_raw)
    if errors:
        raise ValidationFailed(errors)
    return limit, cursor


def _ascii_digits(raw: str, max_digits: int) -> bool:
    """Plain 0-9 digits only: str.isdigit() also accepts "²" or "١", which int() refuses or reads."""
    return raw.isascii() and raw.isdigit() and len(raw) <= max_digits


def keyset_page(stmt, id_column, render, *, descending: bool = True) -> dict:
    """Run stmt one page at a time by id: {"items": [...], "next": cursor or None}."""
    limit, cursor = list_args()
    if cursor is not None:
        stmt = stmt.where(id_column < cursor if descending else id_column > cursor)
    stmt = stmt.order_by(id_column.desc() if descending else id_column.asc()).limit(limit + 1)
    rows = db.session.execute(stmt).scalars().all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = str(rows[-1].id) if more and rows else None
    return {"items": [render(row) for row in rows], "next": next_cursor}


def idempotency_header() -> str | None:
    """The Idempotency-Key header (1–100 printable characters), or None when absent."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 1 <= len(key) <= 100 or not key.isprintable():
        from flask_babel import gettext

        raise ValidationFailed({"Idempotency-Key": gettext("Must be 1 to 100 printable characters.")})
    return key


def body_fingerprint() -> str:
    """Hash of the parsed JSON body (key order and spacing do not matter)."""
    from audit.service import canonical_json

    try:
        parsed = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        parsed = request.get_data(cache=True).hex()
    # surrogatepass: a lone "\ud800" in the body is valid JSON but not encodable UTF-8
    return hashlib.sha256(canonical_json(parsed).encode("utf-8", "surrogatepass")).hexdigest()


def idempotent(view):
    """Replay the first successful answer for the same caller, path, key and body.

    The service also keys its transfer or movement on the same header, so even two
    concurrent twins post once; this table only remembers the exact answer.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            key = idempotency_header()
        except ValidationFailed as bad_header:
            # Reported when the view asks for its key, i.e. after its 401/403/404 checks.
            api_user()
            g.idempotency_error = bad_header
            return view(*args, **kwargs)
        prefetched = "api_user" not in g and key is not None
        user = api_user(answer_key=key if prefetched else None)
        if key is None:
            return view(*args, **kwargs)
        fingerprint = body_fingerprint()
        stored = g.stored_answer if prefetched else _stored_response(user.id, key)
        if stored is not None:
            if stored.request_hash != fingerprint:
                # 409 comes last (API.md): the view's 403/404/400/422 checks answer first,
                # and service_key raises the conflict before anything is written.
                g.idempotency_error = IdempotencyConflict()
                return view(*args, **kwargs)
            return Response(stored.body, status=stored.status, mimetype="application/json")
        g.idempotency_key = key
        g.idempotency_scope = (user.id, key, fingerprint)
        try:
            response = view(*args, **kwargs)
        finally:
            from core.db import remember_answer_with

            remember_answer_with(None)  # an answer the view registered but never wrote dies here
        if g.get("remembered_answer") is not None:  # written in the use case's own transaction
            status, body = g.remembered_answer
            return Response(body, status=status, mimetype="application/json")
        response = _as_response(response)
        if 200 <= response.status_code < 300:
            _remember(user.id, key, fingerprint, response)
        return response

    return wrapper


_answer_inserts: dict[str, sa.Insert] = {}


def answer_in_write(render, status: int) -> None:
    """Remember the answer to this Idempotency-Key inside the use case's transaction.

    render(result) turns what the service's work() returned into the JSON payload; it runs
    inside run_write, after work() and before the audit append and COMMIT, so the answer
    exists exactly when the change does (no second commit). Without a key this does nothing.
    """
    scope = g.get("idempotency_scope")
    if scope is None or g.get("idempotency_error") is not None:
        return
    user_id, key, fingerprint = scope
    path = request.path

    def remember(result) -> None:
        from flask import current_app

        from core.db import dialect_insert

        body = current_app.json.dumps(render(result)) + "\n"
        connection = db.session.connection()
        stmt = _answer_inserts.get(connection.dialect.name)
        if stmt is None:  # built once per database: a twin that lost the race keeps the first answer
            stmt = _answer_inserts[connection.dialect.name] = dialect_insert(
                IdempotentResponse.__table__).on_conflict_do_nothing()
        connection.execute(stmt, {"user_id": user_id, "path": path, "key": key, "request_hash": fingerprint,
                                  "status": status, "body": body, "created_at": utcnow()})
        g.remembered_answer = (status, body)

    from core.db import remember_answer_with

    g.pop("remembered_answer", None)
    g.answer_in_write = True
    remember_answer_with(remember)


def replay_already_checked(service_key_value: str) -> bool:
    """True when the idempotent decorator found no answer for this very key and the answer is written in-transaction.

    Then no earlier call under this key committed anything, so the service may skip its own
    replay lookup (a concurrent twin still loses on the transfer's unique key and replays).
    """
    scope = g.get("idempotency_scope") if has_request_context() else None
    if scope is None or not g.get("answer_in_write"):
        return False
    user = g.get("api_user")
    return service_key_value == f"api:{getattr(user, 'id', 0)}:{request.path}:{scope[1]}"


def service_key(kind: str, natural: str) -> str:
    """The key a service posts under: the caller's header when given, else a natural key."""
    if g.get("idempotency_error") is not None:
        raise g.idempotency_error
    header = g.get("idempotency_key")
    if header is not None:
        user = g.get("api_user")
        return f"api:{getattr(user, 'id', 0)}:{request.path}:{header}"
    return f"{kind}:{natural}"


def _stored_response(user_id: int, key: str) -> IdempotentResponse | None:
    return db.session.execute(
        sa.select(IdempotentResponse).where(
            IdempotentResponse.user_id == user_id,
            IdempotentResponse.path == request.path,
            IdempotentResponse.key == key,
        )
    ).scalar_one_or_none()


def _as_response(result) -> Response:
    from flask import current_app

    return current_app.make_response(result)


def _remember(user_id: int, key: str, fingerprint: str, response: Response) -> None:
    from core.db import run_write

    def work() -> None:
        db.session.add(IdempotentResponse(
            user_id=user_id, path=request.path, key=key, request_hash=fingerprint,
            status=response.status_code, body=response.get_data(as_text=True),
        ))
        db.session.flush()

    try:
        run_write(work, audited=False)  # an API-level cache: no audit event, no other locks
    except IntegrityError:
        db.session.rollback()  # a concurrent twin remembered it first; same answer
