"""The OpenAPI document describes every call of the API contract (API.md) and is valid OpenAPI 3.0.3."""


from core.openapi import build_document

# Every call listed in /work/shared/API.md.
API_CALLS = [
    ("get", "/healthz"), ("post", "/api/v1/tokens"), ("get", "/api/v1/me"), ("post", "/api/v1/users"),
    ("get", "/api/v1/users"), ("post", "/api/v1/communities"), ("post", "/api/v1/teams"),
    ("post", "/api/v1/teams/{id}/members"), ("get", "/api/v1/difficulty-levels"),
    ("post", "/api/v1/difficulty-levels"), ("get", "/api/v1/rules"), ("put", "/api/v1/rules"),
    ("post", "/api/v1/activities"), ("post", "/api/v1/hours"), ("post", "/api/v1/hours/{id}/approve"),
    ("post", "/api/v1/hours/{id}/reject"), ("post", "/api/v1/hours/{id}/reverse"),
    ("post", "/api/v1/commendations"), ("post", "/api/v1/adjustments"), ("get", "/api/v1/accounts/{user_id}"),
    ("get", "/api/v1/accounts/{user_id}/entries"), ("get", "/api/v1/residents/by-card/{code}"),
    ("post", "/api/v1/stores"), ("post", "/api/v1/items"), ("get", "/api/v1/items"),
    ("post", "/api/v1/items/{id}/stock"), ("post", "/api/v1/redemptions"),
    ("post", "/api/v1/redemptions/{id}/void"), ("get", "/api/v1/redemptions/{id}"),
    ("get", "/api/v1/audit"), ("get", "/api/v1/audit/verify"),
    ("get", "/api/v1/users/{id}"), ("patch", "/api/v1/users/{id}"), ("delete", "/api/v1/tokens/current"),
]
API_CALLS += [("get", "/api/v1/notifications"), ("post", "/api/v1/notifications/{id}/read")]  # API.md "People"
API_CALLS += [  # households, gifts and proxies
    ("post", "/api/v1/households"), ("get", "/api/v1/households/{id}"), ("post", "/api/v1/households/{id}/members"),
    ("delete", "/api/v1/households/{id}/members/{user_id}"), ("post", "/api/v1/gifts"),
    ("post", "/api/v1/users/{id}/proxies"), ("get", "/api/v1/users/{id}/proxies"),
    ("delete", "/api/v1/users/{id}/proxies/{proxy_id}"),
]
API_CALLS += [  # API.md "Volunteering" (the volunteering branch)
    ("get", "/api/v1/activities"), ("post", "/api/v1/activities/{id}/signups"),
    ("get", "/api/v1/activities/{id}/signups"), ("delete", "/api/v1/activities/{id}/signups/me"),
    ("get", "/api/v1/activities/{id}/attendance-code"), ("post", "/api/v1/attendance"),
    ("post", "/api/v1/certificates"), ("get", "/api/v1/certificates/{number}"),
]
API_CALLS += [  # API.md "Points policy": nominations, notices, the monthly notice
    ("post", "/api/v1/nominations"), ("get", "/api/v1/nominations"), ("get", "/api/v1/nominations/{id}"),
    ("post", "/api/v1/nominations/{id}/review"), ("post", "/api/v1/nominations/{id}/objections"),
    ("post", "/api/v1/nominations/{id}/resolve"), ("get", "/api/v1/notices"), ("get", "/api/v1/reports/monthly"),
]
API_CALLS += [  # API.md "Community"
    ("post", "/api/v1/wishes"), ("get", "/api/v1/wishes"), ("post", "/api/v1/wishes/{id}/publish"),
    ("post", "/api/v1/wishes/{id}/claim"), ("post", "/api/v1/wishes/{id}/fulfil"),
    ("post", "/api/v1/wishes/{id}/confirm"), ("post", "/api/v1/units"), ("post", "/api/v1/needs"),
    ("get", "/api/v1/needs"), ("post", "/api/v1/needs/{id}/claim"), ("post", "/api/v1/needs/{id}/complete"),
    ("post", "/api/v1/needs/{id}/confirm"), ("post", "/api/v1/suggestions"),
    ("get", "/api/v1/party-members/annual"),
]
API_CALLS += [("post", "/api/v1/hours/{id}/withdraw"), ("patch", "/api/v1/hours/{id}")]  # a lead's amendments
API_CALLS += [  # API.md "Points policy" (the policy branch)
    ("get", "/api/v1/policy"), ("put", "/api/v1/policy"), ("get", "/api/v1/deduction-types"),
    ("post", "/api/v1/deduction-types"), ("post", "/api/v1/deductions"),
]
MOVES_POINTS_OR_STOCK = [
    ("post", "/api/v1/hours/{id}/approve"), ("post", "/api/v1/hours/{id}/reverse"),
    ("post", "/api/v1/commendations"), ("post", "/api/v1/adjustments"), ("post", "/api/v1/items"),
    ("post", "/api/v1/items/{id}/stock"), ("post", "/api/v1/redemptions"),
    ("post", "/api/v1/redemptions/{id}/void"),
    ("post", "/api/v1/wishes/{id}/confirm"),  # with a commendation type it credits the claimer
    ("post", "/api/v1/deductions"),
]
MOVES_POINTS_OR_STOCK += [("post", "/api/v1/gifts")]
ERROR_CODES = {
    "not_signed_in", "invalid_credentials", "forbidden", "not_team_lead", "self_logging_forbidden",
    "void_window_closed", "not_found", "invalid_card", "validation_failed", "not_team_member",
    "duplicate_record", "daily_limit_exceeded", "already_decided", "already_reversed", "points_already_spent",
    "out_of_stock", "monthly_limit_exceeded", "insufficient_points", "already_voided", "idempotency_conflict",
    "rate_limited", "malformed_json",
}


def test_document_is_valid_openapi_3():
    import openapi_spec_validator as validator

    document = build_document()
    assert document["openapi"] == "3.0.3"
    validator.validate(document)


def test_every_api_call_is_described_with_a_success_answer():
    paths = build_document()["paths"]
    for method, path in API_CALLS:
        assert method in paths.get(path, {}), f"{method.upper()} {path} missing"
        responses = paths[path][method]["responses"]
        assert any(code.startswith("2") for code in responses), f"{method} {path} has no success answer"
    described = {(m, p) for p, ops in paths.items() for m in ops}
    assert described == set(API_CALLS)


def test_bearer_security_and_public_calls():
    document = build_document()
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "a token from POST /api/v1/tokens"}
    assert document["security"] == [{"bearerAuth": []}]
    assert document["paths"]["/api/v1/tokens"]["post"]["security"] == []
    assert document["paths"]["/healthz"]["get"]["security"] == []
    assert "401" in document["paths"]["/api/v1/me"]["get"]["responses"]


def test_error_envelope_lists_every_contract_code():
    schemas = build_document()["components"]["schemas"]
    assert ERROR_CODES <= set(schemas["ErrorCode"]["enum"])
    error = schemas["Error"]["properties"]["error"]
    assert error["required"] == ["code", "message"] and "fields" in error["properties"]


def test_request_bodies_name_their_required_fields():
    document = build_document()
    schemas = document["components"]["schemas"]
    body = document["paths"]["/api/v1/redemptions"]["post"]["requestBody"]["content"]["application/json"]
    name = body["schema"]["$ref"].rsplit("/", 1)[1]
    assert schemas[name]["required"] == ["store_id", "resident_id", "lines"]
    assert schemas["NewHours"]["required"] == ["activity_id", "volunteer_id", "minutes"]


def test_idempotency_key_on_calls_that_move_points_or_stock_and_lists_take_limit_and_cursor():
    paths = build_document()["paths"]
    for method, path in API_CALLS:
        refs = {p.get("$ref", "").rsplit("/", 1)[-1] for p in paths[path][method].get("parameters", [])}
        assert ("IdempotencyKey" in refs) == ((method, path) in MOVES_POINTS_OR_STOCK), path
    for path in ("/api/v1/audit", "/api/v1/items", "/api/v1/accounts/{user_id}/entries"):
        refs = {p.get("$ref", "").rsplit("/", 1)[-1] for p in paths[path]["get"]["parameters"]}
        assert {"Limit", "Cursor"} <= refs
        schema = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["required"] == ["items", "next"]


def test_document_is_served_at_its_url(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["paths"].keys() == build_document()["paths"].keys()
