"""The OpenAPI 3.0.3 document of the whole JSON API (/work/shared/API.md), served at /api/v1/openapi.json."""

from functools import cache

ROLES = ["resident", "team_lead", "store_keeper", "admin", "auditor"]
ERROR_CODES = [
    "malformed_json", "not_signed_in", "invalid_credentials", "forbidden", "not_team_lead",
    "self_logging_forbidden", "void_window_closed", "not_found", "invalid_card", "validation_failed",
    "not_team_member", "duplicate_record", "daily_limit_exceeded", "already_decided", "already_reversed",
    "points_already_spent", "out_of_stock", "monthly_limit_exceeded", "insufficient_points",
    "already_voided", "idempotency_conflict", "rate_limited",
    "store_closed_today", "star_required", "quarter_limit_exceeded",
    # generic HTTP answers the server may also give
    "bad_request", "csrf_failed", "method_not_allowed", "payload_too_large", "unsupported_media_type",
    "internal_error",
]
ERROR_STATUSES = {"400": "Malformed JSON", "401": "Not signed in", "403": "Not allowed",
                  "404": "Not found (also for objects the caller may not see)",
                  "409": "Conflict with the current state", "422": "Invalid values; `fields` names each",
                  "429": "Rate limited"}
MAX_ID = 2**53 - 1


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: list[str] | None = None, **props) -> dict:
    schema = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return schema


def integer(minimum: int | None = None, maximum: int | None = None, **extra) -> dict:
    schema = {"type": "integer", **extra}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def text(max_length: int = 200, min_length: int = 1, **extra) -> dict:
    return {"type": "string", "minLength": min_length, "maxLength": max_length, **extra}


ID = integer(1, MAX_ID)
OPT_ID = {**integer(1, MAX_ID), "nullable": True}
TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 with offset"}
REASON = text(500)
IDS = {"type": "array", "items": ID, "maxItems": 200}


def schemas() -> dict:
    """Every request and response body."""
    user = obj(["id", "username", "name", "roles"], id=ID, username=text(40, 2), name=text(100),
               roles={"type": "array", "items": ref("Role")}, community_id=OPT_ID,
               phone={"type": "string", "nullable": True})
    return {
        "Role": {"type": "string", "enum": ROLES},
        "ErrorCode": {"type": "string", "enum": ERROR_CODES},
        "Error": obj(["error"], error=obj(
            ["code", "message"], code=ref("ErrorCode"), message={"type": "string"},
            fields={"type": "object", "additionalProperties": {"type": "string"},
                    "description": "each bad field and what is wrong with it (422)"})),
        "Health": obj(["status"], status={"type": "string", "enum": ["ok"]}),
        "TokenRequest": obj(["username", "password"], username=text(40, 2), password=text(200)),
        "Token": obj(["token", "expires_at"], token={"type": "string"}, expires_at=TIME),
        "Me": obj(["id", "username", "name", "roles", "balance", "card_code"], id=ID, username=text(40, 2),
                  name=text(100), roles={"type": "array", "items": ref("Role")}, balance=integer(0),
                  card_code={"type": "string", "nullable": True}),
        "NewUser": obj(["username", "name", "password", "roles"],
                       username=text(40, 2, pattern=r"^[A-Za-z0-9._-]{2,40}$"), name=text(100),
                       password=text(200, 8),
                       roles={"type": "array", "items": ref("Role"), "minItems": 1}, community_id=OPT_ID),
        "User": user,
        "Person": {**user, "properties": {**user["properties"], "active": {"type": "boolean"},
                                          "balance": integer(0), "service_minutes": integer(0),
                                          "party_member": {"type": "boolean"}, "in_need": {"type": "boolean"}}},
        "UserChanges": obj(None, name=text(100), phone={**text(30, 0), "nullable": True},
                           roles={"type": "array", "items": ref("Role"), "minItems": 1},
                           active={"type": "boolean"}, password=text(200, 8), community_id=OPT_ID,
                           grid_id=OPT_ID, party_member={"type": "boolean"}, in_need={"type": "boolean"},
                           unit_id={"nullable": True, "description": "units come later: only null for now"}),
        "NewCommunity": obj(["name"], name=text(100)),
        "Community": obj(["id", "name"], id=ID, name=text(100)),
        "NewTeam": obj(["name"], name=text(100), community_id=OPT_ID, lead_ids=IDS),
        "Team": obj(["id", "name", "community_id", "lead_ids"], id=ID, name=text(100),
                    community_id=OPT_ID, lead_ids=IDS),
        "NewMember": obj(["user_id"], user_id=ID),
        "Member": obj(["team_id", "user_id"], team_id=ID, user_id=ID, is_lead={"type": "boolean"}),
        "NewLevel": obj(["code", "name", "multiplier"], code=text(40), name=text(60), multiplier={
            "oneOf": [{"type": "string", "pattern": r"^\d{1,2}(\.\d{1,2})?$"},
                      {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 10}],
            "description": "a decimal in (0, 10] with at most two places, e.g. \"1.5\""}),
        "Level": obj(["code", "name", "multiplier"], id=ID, code=text(40), name=text(60),
                     multiplier={"type": "string", "example": "1.5"}, active={"type": "boolean"}),
        "RulesUpdate": obj(["points_per_hour"], points_per_hour=integer(1, 1000)),
        "Rules": obj(["points_per_hour", "version"], points_per_hour=integer(1, 1000), version=ID),
        "NewActivity": obj(["team_id", "title", "date", "difficulty"], team_id=ID, title=text(200),
                           date={"type": "string", "format": "date"},
                           difficulty={**text(40), "description": "a difficulty level code"},
                           category=text(40, 0), place=text(200, 0)),
        "Activity": obj(["id", "team_id", "title", "date"], id=ID, team_id=ID, title=text(200),
                        date={"type": "string", "format": "date"}, difficulty=text(40), category=text(40, 0)),
        "NewHours": obj(["activity_id", "volunteer_id", "minutes"], activity_id=ID, volunteer_id=ID,
                        minutes=integer(1, 1440), note=text(200, 0),
                        honour={"type": "boolean", "description": "补录, admins only; earns points only if the "
                                                                  "policy's honour_hours_earn_points"}),
        "HourRecord": obj(["id", "status", "points"], id=ID, points=integer(0), minutes=integer(1, 1440),
                          honour={"type": "boolean"},
                          status={"type": "string", "enum": ["pending", "approved", "rejected", "reversed"]}),
        "Reason": obj(["reason"], reason=REASON),
        "NewCommendation": obj(["user_id", "type", "reason"], user_id=ID,
                               type={**text(60), "description": "a commendation type code or name"},
                               reason=REASON),
        "Commendation": obj(["id", "user_id", "points"], id=ID, user_id=ID, type=text(60),
                            points=integer(1), reason=REASON, balance_after=integer(0)),
        "NewAdjustment": obj(["user_id", "points", "reason"], user_id=ID,
                             points={**integer(), "description": "± whole points, not 0"}, reason=REASON),
        "Adjustment": obj(["id", "user_id", "points"], id=ID, user_id=ID, points=integer(),
                          reason=REASON, balance_after=integer(0)),
        "Account": obj(["user_id", "balance", "service_minutes", "points_earned", "star"], user_id=ID,
                       balance=integer(0), service_minutes=integer(0), points_earned=integer(),
                       star={**integer(0), "description": "0 when no level of the policy is reached"}),
        "Entry": obj(["id", "at", "points", "kind", "balance_after", "memo"], id=ID, at=TIME,
                     points={**integer(), "description": "+ credit, − debit"},
                     kind={"type": "string", "enum": ["hours_award", "commendation", "adjustment",
                                                      "redemption", "reversal", "deduction"]},
                     balance_after=integer(0), memo={"type": "string"}),
        "Resident": obj(["id", "name", "balance"], id=ID, name=text(100), balance=integer(0)),
        "NewStore": obj(["name"], name=text(100), community_id=OPT_ID, keeper_ids=IDS),
        "Store": obj(["id", "name"], id=ID, name=text(100), community_id=OPT_ID, keeper_ids=IDS),
        "NewItem": obj(["store_id", "name", "price", "stock"], store_id=ID, name=text(100),
                       price=integer(1, 1000000), stock=integer(0, 1000000),
                       monthly_limit={**integer(1, 1000000), "nullable": True}, category=text(40, 0)),
        "Item": obj(["id", "store_id", "name", "price", "stock"], id=ID, store_id=ID, name=text(100),
                    category={"type": "string"}, price=integer(1), stock=integer(0),
                    active={"type": "boolean"}, monthly_limit={**integer(1), "nullable": True}),
        "StockChange": obj(["delta", "kind"], delta={**integer(-1000000, 1000000), "description": "not 0"},
                           kind={"type": "string", "enum": ["donation", "purchase", "adjustment"]},
                           reason=text(500, 0), donor=text(100, 0)),
        "StockMovement": obj(["id", "item_id", "delta", "kind"], id=ID, item_id=ID, delta=integer(),
                             kind={"type": "string"}, stock_after=integer(0)),
        "NewRedemption": obj(["store_id", "resident_id", "lines"], store_id=ID, resident_id=ID, lines={
            "type": "array", "minItems": 1, "maxItems": 100,
            "items": obj(["item_id", "quantity"], item_id=ID, quantity=integer(1, 999))}),
        "RedemptionCreated": obj(["id", "number", "total_points", "balance_after"], id=ID,
                                 number={"type": "string"}, total_points=integer(1), balance_after=integer(0)),
        "Redemption": obj(["id", "status", "lines"], id=ID, number={"type": "string"}, store_id=ID,
                          resident_id=ID, total_points=integer(1), created_at=TIME,
                          status={"type": "string", "enum": ["completed", "voided"]},
                          lines={"type": "array", "items": obj(
                              ["item_id", "quantity"], item_id=ID, item_name={"type": "string"},
                              quantity=integer(1, 999), unit_price=integer(1), line_points=integer(1))}),
        "AuditEvent": obj(
            ["id", "at", "actor_id", "address", "action", "subject_type", "subject_id", "before", "after",
             "hash", "prev_hash"], id=ID, at=TIME, actor_id=OPT_ID,
            address={"type": "string", "nullable": True}, action={"type": "string"},
            subject_type={"type": "string", "nullable": True}, subject_id={**integer(), "nullable": True},
            before={"type": "object", "nullable": True}, after={"type": "object", "nullable": True},
            hash={"type": "string"}, prev_hash={"type": "string"}),
        **policy_schemas(),
        "AuditVerify": obj(["ok", "checked"], ok={"type": "boolean"}, checked=integer(0),
                           broken=obj(["id", "reason"], id=ID, reason={"type": "string"})),
    }


def policy_schemas() -> dict:
    """The street office's rulebook and deductions (API.md "Points policy")."""
    level = obj(["star", "hours", "points_earned"], star=integer(1, 10), hours=integer(1, 100000),
                points_earned=integer(0))
    fields = dict(
        expiry_months={**integer(1, 120), "nullable": True, "description": "null: points never expire"},
        star_levels={"type": "array", "items": level, "minItems": 1, "maxItems": 10},
        redeem_min_star=integer(0, 10),
        redemptions_per_quarter={**integer(1, 1000), "nullable": True, "description": "null: no cap"},
        exchange_days={"type": "array", "items": integer(1, 31), "minItems": 1, "maxItems": 31, "nullable": True,
                       "description": "null: every day"},
        honour_hours_earn_points={"type": "boolean"}, notice_days=integer(1, 60))
    return {
        "Policy": obj(["version", *fields], version=integer(0), **fields),
        "PolicyChanges": {**obj(**fields), "description": "any subset of the policy's fields"},
        "DeductionType": obj(["id", "code", "name", "points"], id=ID, code=text(40), name=text(60),
                             points=integer(1, 10000), active={"type": "boolean"}),
        "NewDeductionType": obj(["code", "name", "points"], code=text(40), name=text(60), points=integer(1, 10000)),
        "NewDeduction": obj(["user_id", "type", "reason"], user_id=ID,
                            type={**text(60), "description": "a deduction type code or name"}, reason=REASON),
        "Deduction": obj(["id", "points_deducted", "balance_after"], id=ID, user_id=ID, type=text(60),
                         points_deducted=integer(1), reason=REASON, balance_after=integer(0)),
    }


def list_of(name: str) -> dict:
    """The list envelope {"items": [...], "next": cursor or null}."""
    return obj(["items", "next"], items={"type": "array", "items": ref(name)},
               next={"type": "string", "nullable": True, "description": "pass as `cursor` for the next page"})


def query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID}


# (method, path, summary, who, request body, success status, response schema, errors, flags)
# flags: "public" (no token), "idem" (Idempotency-Key), "list" (limit/cursor)
CALLS = [
    ("get", "/healthz", "Health check", "anyone", None, 200, "Health", [], {"public"}),
    ("post", "/api/v1/tokens", "Sign in, get a bearer token", "anyone", "TokenRequest", 201, "Token",
     ["400", "401", "422", "429"], {"public"}),
    ("get", "/api/v1/me", "The signed-in person", "signed in", None, 200, "Me", [], set()),
    ("post", "/api/v1/users", "Add a person", "admin", "NewUser", 201, "User", ["400", "422"], set()),
    ("get", "/api/v1/users", "Search people by name, username or phone", "admin, store keeper", None, 200,
     list_of("User"), ["422"], {"list", "q"}),
    ("get", "/api/v1/users/{id}", "A person (phones masked for auditors)", "admin, auditor", None, 200,
     "Person", ["404"], set()),
    ("patch", "/api/v1/users/{id}", "Change a person; password, roles or active end their sessions", "admin",
     "UserChanges", 200, "Person", ["404", "400", "422"], set()),
    ("delete", "/api/v1/tokens/current", "Sign out: this token stops working at once", "signed in", None, 204,
     None, [], set()),
    ("post", "/api/v1/communities", "Add a community", "admin", "NewCommunity", 201, "Community",
     ["400", "422"], set()),
    ("post", "/api/v1/teams", "Add a volunteer team", "admin", "NewTeam", 201, "Team", ["400", "422"], set()),
    ("post", "/api/v1/teams/{id}/members", "Add a member to a team", "admin, lead of team", "NewMember", 201,
     "Member", ["404", "400", "422"], set()),
    ("get", "/api/v1/difficulty-levels", "Difficulty levels", "signed in", None, 200, list_of("Level"),
     ["422"], {"list"}),
    ("post", "/api/v1/difficulty-levels", "Add a difficulty level", "admin", "NewLevel", 201, "Level",
     ["400", "422"], set()),
    ("get", "/api/v1/rules", "The points rule in force", "signed in", None, 200, "Rules", [], set()),
    ("put", "/api/v1/rules", "Change points per hour (old records keep theirs)", "admin", "RulesUpdate", 200,
     "Rules", ["400", "422"], set()),
    ("post", "/api/v1/activities", "Add an activity", "lead of team, admin", "NewActivity", 201, "Activity",
     ["400", "422"], set()),
    ("post", "/api/v1/hours", "Log a volunteer's minutes (pending)", "lead of team, admin", "NewHours", 201,
     "HourRecord", ["400", "422", "409"], set()),
    ("post", "/api/v1/hours/{id}/approve", "Approve hours; credits the points", "admin", None, 200,
     "HourRecord", ["404", "409"], {"idem"}),
    ("post", "/api/v1/hours/{id}/reject", "Reject hours with a reason", "admin", "Reason", 200, "HourRecord",
     ["404", "400", "422", "409"], set()),
    ("post", "/api/v1/hours/{id}/reverse", "Reverse approved hours; posts the reversal", "admin", "Reason", 200,
     "HourRecord", ["404", "400", "422", "409"], {"idem"}),
    ("post", "/api/v1/commendations", "Grant a commendation", "admin", "NewCommendation", 201, "Commendation",
     ["400", "422", "409"], {"idem"}),
    ("post", "/api/v1/adjustments", "Adjust a balance by hand", "admin", "NewAdjustment", 201, "Adjustment",
     ["400", "422", "409"], {"idem"}),
    ("get", "/api/v1/accounts/{user_id}", "A person's balance", "self, admin, auditor", None, 200, "Account",
     ["404"], set()),
    ("get", "/api/v1/accounts/{user_id}/entries", "A person's ledger entries, newest first",
     "self, admin, auditor", None, 200, list_of("Entry"), ["404", "422"], {"list"}),
    ("get", "/api/v1/residents/by-card/{code}", "Find a resident by member card", "store keeper, admin", None,
     200, "Resident", ["404"], set()),
    ("post", "/api/v1/stores", "Add a store", "admin", "NewStore", 201, "Store", ["400", "422"], set()),
    ("post", "/api/v1/items", "Add an item (its stock is an opening movement)", "admin, keeper of store",
     "NewItem", 201, "Item", ["400", "422", "409"], {"idem"}),
    ("get", "/api/v1/items", "The catalogue with stock", "signed in", None, 200, list_of("Item"), ["422"],
     {"list", "store_id"}),
    ("post", "/api/v1/items/{id}/stock", "Book stock in or adjust it", "admin, keeper of store",
     "StockChange", 201, "StockMovement", ["404", "400", "422", "409"], {"idem"}),
    ("post", "/api/v1/redemptions", "Redeem goods for points", "keeper of store", "NewRedemption", 201,
     "RedemptionCreated", ["400", "422", "409"], {"idem"}),
    ("post", "/api/v1/redemptions/{id}/void", "Void a redemption; returns points and stock",
     "its keeper (same day), admin", "Reason", 200, "Redemption", ["404", "400", "422", "409"], {"idem"}),
    ("get", "/api/v1/redemptions/{id}", "A redemption with its lines",
     "keeper of store, admin, auditor, the resident", None, 200, "Redemption", ["404"], set()),
    ("get", "/api/v1/policy", "The points policy in force (defaults until an admin sets one)", "signed in", None,
     200, "Policy", [], set()),
    ("put", "/api/v1/policy", "Change any subset of the policy: a new, audited version", "admin", "PolicyChanges",
     200, "Policy", ["400", "422"], set()),
    ("get", "/api/v1/deduction-types", "Deduction types", "signed in", None, 200, list_of("DeductionType"),
     ["422"], {"list"}),
    ("post", "/api/v1/deduction-types", "Add a deduction type", "admin", "NewDeductionType", 201, "DeductionType",
     ["400", "422"], set()),
    ("post", "/api/v1/deductions", "Deduct a type's points (or the whole balance if less, never below zero)",
     "admin", "NewDeduction", 201, "Deduction", ["400", "422", "409"], {"idem"}),
    ("get", "/api/v1/audit", "Audit events, newest first", "admin, auditor", None, 200, list_of("AuditEvent"),
     ["422"], {"list", "audit"}),
    ("get", "/api/v1/audit/verify", "Verify the audit hash chain", "admin, auditor", None, 200, "AuditVerify",
     [], set()),
]

EXTRA_QUERY = {
    "q": [query("q", text(100), "name (contains), username or phone")],
    "store_id": [query("store_id", ID, "only this store's items")],
    "audit": [
        query("actor_id", ID, "events by this user"),
        query("action", text(60, pattern=r"^[A-Za-z0-9_.\-]{1,60}$"),
              "an exact action (hours.approved) or a prefix ending with '.' (hours.)"),
        query("since", {"type": "string"},
              "a date (2026-05-01, Asia/Shanghai) or an ISO 8601 date-time with offset"),
    ],
}


def _operation(method, path, summary, who, body, status, response, errors, flags) -> dict:
    op = {
        "summary": summary, "description": f"Who: {who}.",
        "operationId": (method + path.replace("/api/v1", "").replace("/", "_").replace("{", "").replace("}", "")
                        .replace("-", "_")),
        "tags": [path.split("/")[3] if path.startswith("/api/v1/") else "meta"],
        "responses": {str(status): {"description": "Success", "content": {"application/json": {
            "schema": ref(response) if isinstance(response, str) else response}}}} if response is not None
        else {str(status): {"description": "Success, no content"}},
    }
    if "public" in flags:
        op["security"] = []
    else:
        errors = ["401", "403"] + errors
    params = [path_id(name) for name in ("id", "user_id") if "{" + name + "}" in path]
    if "{code}" in path:
        params.append({"name": "code", "in": "path", "required": True, "schema": text(40)})
    if "list" in flags:
        params += [{"$ref": "#/components/parameters/Limit"}, {"$ref": "#/components/parameters/Cursor"}]
    for flag in ("q", "store_id", "audit"):
        if flag in flags:
            params += EXTRA_QUERY[flag]
    if "idem" in flags:
        params.append({"$ref": "#/components/parameters/IdempotencyKey"})
        errors = errors + (["409"] if "409" not in errors else [])
    if params:
        op["parameters"] = params
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(body)}}}
    for code in dict.fromkeys(errors):
        op["responses"][code] = {"$ref": f"#/components/responses/E{code}"}
    return op


@cache
def _document() -> dict:
    paths: dict = {}
    for call in CALLS:
        paths.setdefault(call[1], {})[call[0]] = _operation(*call)
    return {
        "openapi": "3.0.3",
        "info": {"title": "Jifen API", "version": "1.0.0",
                 "description": "Community points supermarket (积分超市). Errors answer "
                                "{\"error\": {\"code\", \"message\", \"fields\"?}}; lists answer "
                                "{\"items\", \"next\"}; times are ISO 8601 with offset."},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "a token from POST /api/v1/tokens"}},
            "schemas": schemas(),
            "parameters": {
                "Limit": {"name": "limit", "in": "query", "required": False,
                          "schema": {**integer(1, 200), "default": 50}},
                "Cursor": {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"},
                           "description": "`next` from the previous page"},
                "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": False,
                                   "schema": text(100),
                                   "description": "same key and body answer the first answer again; "
                                                  "another body answers 409 idempotency_conflict"},
            },
            "responses": {f"E{code}": {"description": label, "content": {"application/json": {
                "schema": ref("Error")}}} for code, label in ERROR_STATUSES.items()},
        },
    }


def build_document() -> dict:
    """The whole API's OpenAPI 3.0.3 document (built once; a fresh copy of the top level)."""
    return dict(_document())
