"""The light request floor: machine callers skip the session, every answer keeps its security headers,
and pages get a CSP nonce exactly when they use one."""

import re

import sqlalchemy as sa

from extensions import db
from tests.factories import bearer, make_user, sign_in
from tests.factories_store import counter_setup

SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                    "Referrer-Policy", "Permissions-Policy")


def statements_during(app, call) -> list[str]:
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731 (conn, cursor, statement, ...)
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return seen


def test_healthz_answers_with_one_query_no_cookie_and_all_security_headers(app, client):
    client.get("/healthz")  # the pool's first connection runs its pragmas
    response = None

    def probe():
        nonlocal response
        response = client.get("/healthz")

    statements = statements_during(app, probe)
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert [s for s in statements if s.strip().upper() != "BEGIN"] == ["SELECT 1"]
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", "")
    for name in SECURITY_HEADERS:
        assert response.headers.get(name), name
    assert "nonce-" not in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_api_call_ignores_a_session_cookie_and_never_sets_one(app, client):
    resident = make_user(app)
    sign_in(client, resident)  # the client now carries a signed-in session cookie
    without_token = client.get("/api/v1/me")
    assert without_token.status_code == 401
    assert without_token.get_json()["error"]["code"] == "not_signed_in"
    answer = client.get("/api/v1/me", headers=bearer(app, resident))
    assert answer.status_code == 200 and answer.get_json()["id"] == resident.id
    for response in (without_token, answer):
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")
        for name in SECURITY_HEADERS:
            assert response.headers.get(name), name
    assert client.get("/").status_code == 200  # the page session survived the API calls


def test_api_errors_speak_the_browser_language_without_a_session(app):
    client = app.test_client()
    english = client.get("/api/v1/me", headers={"Accept-Language": "en"})
    chinese = client.get("/api/v1/me", headers={"Accept-Language": "zh-CN"})
    assert english.status_code == chinese.status_code == 401
    assert english.get_json()["error"]["message"] != chinese.get_json()["error"]["message"]


def test_page_with_scripts_gets_a_fresh_nonce_in_its_csp_and_its_script_tags(app, client):
    setup = counter_setup(app)
    sign_in(client, setup.keeper)
    nonces = []
    for _ in range(2):
        response = client.get("/store/counter")
        assert response.status_code == 200
        csp = response.headers["Content-Security-Policy"]
        found = re.search(r"script-src 'self' 'nonce-([^']+)'", csp)
        assert found, csp
        assert f"style-src 'self' 'nonce-{found.group(1)}'" in csp
        assert f'nonce="{found.group(1)}"' in response.get_data(as_text=True)
        nonces.append(found.group(1))
    assert nonces[0] != nonces[1]


def test_signed_in_page_keeps_its_session_and_headers(app, client):
    resident = make_user(app)
    sign_in(client, resident)
    response = client.get("/")
    assert response.status_code == 200
    assert "Cookie" in response.headers.get("Vary", "")
    for name in SECURITY_HEADERS:
        assert response.headers.get(name), name
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert client.get("/api/v1/me").status_code == 401  # a page session never opens the API


def test_a_route_with_a_limit_still_counts_and_says_so(app):
    from extensions import limiter

    @limiter.limit("2/minute")
    def limited():
        return {"ok": True}

    app.add_url_rule("/api/v1/floor-test-limited", "floor_test_limited", limited)
    client = app.test_client()
    first, second, third = (client.get("/api/v1/floor-test-limited") for _ in range(3))
    assert first.status_code == second.status_code == 200
    assert first.headers["X-RateLimit-Limit"] == "2" and second.headers["X-RateLimit-Remaining"] == "0"
    assert third.status_code == 429
    assert "X-RateLimit-Limit" not in client.get("/healthz").headers  # unlimited routes pay nothing


def test_me_is_one_statement_outside_a_transaction_with_roles_in_their_canonical_order(app, client):
    lead = make_user(app, "team_lead", "resident")
    headers = bearer(app, lead)
    client.get("/api/v1/me", headers=headers)  # the pool's first connection runs its pragmas
    response = None

    def call():
        nonlocal response
        response = client.get("/api/v1/me", headers=headers)

    statements = statements_during(app, call)
    assert response.status_code == 200
    assert response.get_json()["roles"] == ["resident", "team_lead"]
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("SELECT")


def test_me_of_a_person_whose_roles_were_all_taken_away_lists_none(app, client):
    person = make_user(app, "resident")
    headers = bearer(app, person)
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM user_roles WHERE user_id = :id"), {"id": person.id})
        db.session.commit()
    answer = client.get("/api/v1/me", headers=headers)
    assert answer.status_code == 200 and answer.get_json()["roles"] == []
