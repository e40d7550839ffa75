"""The OpenAPI 3.0.3 document of the whole JSON API (/work/shared/API.md), served at /api/v1/openapi.json."""

from functools import cache

ROLES = ["resident", "team_lead", "store_keeper", "admin", "auditor"]
ERROR_CODES = [
    "malformed_json", "not_signed_in", "invalid_credentials", "forbidden", "not_team_lead",
    "self_logging_forbidden", "void_window_closed", "not_found", "invalid_card", "validation_failed",
    "not_team_member", "duplicate_record", "daily_limit_exceeded", "already_decided", "already_reversed",
    "points_already_spent", "out_of_stock", "monthly_limit_exceeded", "insufficient_points",
    "already_voided", "idempotency_conflict", "rate_limited",
    "gift_not_allowed", "already_in_household", "already_proxy",  # households, gifts and proxies
    "invalid_code", "activity_full", "already_signed_up", "not_checked_in", "already_checked_in",
    "already_checked_out",
    "already_claimed", "invalid_state",  # community: a claim lost to another; a transition from the wrong state
    "record_changed",
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
                           unit_id={**OPT_ID, "description": "their employer, a co-building unit (must exist)"}),
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
        "HoursCorrection": obj(["minutes"], minutes=integer(1, 1440)),
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
                       star={**integer(0), "description": "0 when no level of the policy is reached"},
                       next_expiry={**obj(["on", "points"], on={"type": "string", "format": "date"},
                                          points=integer(1)), "nullable": True,
                                    "description": "the soonest date some points expire, and how many; null: none"}),
        "Entry": obj(["id", "at", "points", "kind", "balance_after", "memo"], id=ID, at=TIME,
                     points={**integer(), "description": "+ credit, − debit"},
                     kind={"type": "string", "enum": ["hours_award", "commendation", "adjustment",
                                                      "redemption", "reversal", "gift", "expiry", "deduction"]},
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
            "items": obj(["item_id", "quantity"], item_id=ID, quantity=integer(1, 999))},
            proxy_id={**ID, "description": "the resident's proxy (代办人) who presented the card"}),
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
        **volunteering_schemas(),
        **community_schemas(),
        **policy_schemas(),
        "Notification": obj(["id", "at", "kind", "text", "read"], id=ID, at=TIME,
                            kind={"type": "string", "description": "hours_approved, hours_rejected, redemption, "
                                  "void, commendation, deduction, expiry_soon, nomination, …"},
                            text={"type": "string", "description": "in the person's language"},
                            read={"type": "boolean"}),
        "AuditVerify": obj(["ok", "checked"], ok={"type": "boolean"}, checked=integer(0),
                           broken=obj(["id", "reason"], id=ID, reason={"type": "string"})),
        **household_schemas(),
    }


def household_schemas() -> dict:
    """Households, gifts and proxies (API.md "Households, gifts and proxies")."""
    member = obj(["user_id", "name", "balance", "service_minutes", "star"], user_id=ID, name=text(100),
                 balance=integer(0), service_minutes=integer(0), star=integer(0, 10))
    return {
        "NewHousehold": obj(["name"], name=text(100), member_ids={**IDS, "maxItems": 30}, community_id=OPT_ID),
        "Household": obj(["id", "name", "members", "totals"], id=ID, name=text(100), community_id=OPT_ID,
                         members={"type": "array", "items": member},
                         totals=obj(["members", "balance", "service_minutes"], members=integer(0),
                                    balance=integer(0), service_minutes=integer(0))),
        "NewHouseholdMember": obj(["user_id"], user_id=ID),
        "NewGift": obj(["to_user_id", "points"], to_user_id=ID, points=integer(1, 100000), note=text(200, 0)),
        "GiftCreated": obj(["id", "balance_after"], id=ID, to_user_id=ID, points=integer(1),
                           balance_after=integer(0)),
        "NewProxy": obj(["proxy_id"], proxy_id=ID),
        "Proxy": obj(["id", "user_id", "proxy_id"], id=ID, user_id=ID, proxy_id=ID, proxy_name=text(100)),
    }


def volunteering_schemas() -> dict:
    """Sign-ups, attendance and certificates (API.md "Volunteering")."""
    day = {"type": "string", "format": "date"}
    activity_ref = {"type": "array", "items": obj(["id", "title", "date", "minutes"], id=ID, title=text(200),
                                                   date=day, minutes=integer(1))}
    return {
        "OpenActivity": obj(["id", "title", "date", "open", "capacity", "signed_up"], id=ID, team_id=ID,
                            title=text(200), date=day, place=text(200, 0), open={"type": "boolean"},
                            capacity={**integer(1, 10000), "nullable": True}, signed_up=integer(0),
                            full={"type": "boolean"}, me={"type": "boolean", "description": "the caller signed up"},
                            starts_at={**TIME, "nullable": True}, ends_at={**TIME, "nullable": True}),
        "Signup": obj(["activity_id", "user_id"], id=ID, activity_id=ID, user_id=ID, signed_up_at=TIME,
                      capacity={**integer(1, 10000), "nullable": True}, signed_up=integer(0)),
        "SignupRoster": obj(["items"], items={"type": "array", "items": obj(
            ["user_id", "name"], user_id=ID, name=text(100), signed_up_at={**TIME, "nullable": True},
            checked_in_at={**TIME, "nullable": True}, checked_out_at={**TIME, "nullable": True},
            minutes={**integer(0), "nullable": True}, hours_id=OPT_ID)}, next={"type": "string", "nullable": True},
            capacity={**integer(1, 10000), "nullable": True}, signed_up=integer(0)),
        "AttendanceCode": obj(["code", "expires_at"], code={"type": "string", "pattern": "^[0-9]{6}$"},
                              expires_at=TIME, activity_id=ID),
        "NewAttendance": obj(["activity_id", "action"], activity_id=ID,
                             code={"type": "string", "pattern": "^[0-9]{6}$",
                                   "description": "the lead's code; not needed when a lead names user_id"},
                             action={"type": "string", "enum": ["in", "out"]},
                             user_id={**ID, "description": "a lead of the team or an admin, checking in by hand"}),
        "Attendance": obj(["activity_id", "user_id"], activity_id=ID, user_id=ID, checked_in_at=TIME,
                          checked_out_at=TIME, minutes=integer(1, 1440), hours_id=ID),
        "NewCertificate": obj(["user_id", "from", "to"], user_id=ID, **{"from": day, "to": day}),
        "Certificate": obj(["number", "user_id", "service_minutes", "activities", "issued_at"],
                           number={"type": "string", "pattern": "^JF-[0-9]{4}-[0-9]{6}$"}, user_id=ID,
                           service_minutes=integer(0), activities=activity_ref, issuer={"type": "string"},
                           issued_at=TIME, **{"from": day, "to": day}),
    }


WISH_STATUS = {"type": "string", "enum": ["submitted", "published", "claimed", "fulfilled", "closed"]}
NEED_STATUS = {"type": "string", "enum": ["open", "claimed", "completed", "confirmed"]}


def community_schemas() -> dict:
    """Micro-wishes, needs, units, suggestions and the party members' annual record (API.md "Community")."""
    return {
        "NewWish": obj(["title"], title=text(100), details=text(1000, 0), for_user_id=ID),
        "Wish": obj(["id", "title", "status"], id=ID, title=text(100), status=WISH_STATUS, wisher_id=ID,
                    claimer_id=OPT_ID, details={"type": "string"}, fulfil_note={"type": "string", "nullable": True},
                    commendation_id=OPT_ID, created_at=TIME),
        "BoardWish": obj(["id", "title", "name", "status"], id=ID, title=text(100),
                         name={"type": "string", "description": "masked (张*伟)"}, status=WISH_STATUS),
        "Note": obj(["note"], note=text(1000)),
        "WishConfirm": obj(None, commendation_type={**text(60), "description": "a commendation type code or name"}),
        "NewUnit": obj(["name"], name=text(100), contact_ids=IDS),
        "Unit": obj(["id", "name", "contact_ids"], id=ID, name=text(100), contact_ids=IDS),
        "NewNeed": obj(["title", "community_id"], title=text(100), community_id=ID, details=text(1000, 0)),
        "Need": obj(["id", "title", "community_id", "status"], id=ID, title=text(100), community_id=ID,
                    details={"type": "string"}, status=NEED_STATUS, unit_id=OPT_ID,
                    completion_note={"type": "string", "nullable": True}, created_at=TIME),
        "NeedClaim": obj(["unit_id"], unit_id=ID),
        "NewSuggestion": obj(["text"], text=text(2000)),
        "Suggestion": obj(["id", "user_id", "text"], id=ID, user_id=ID, text=text(2000), created_at=TIME),
        "PartyMemberYear": obj(
            ["user_id", "name", "unit", "suggestions", "wishes_claimed", "needs_completed", "service_minutes"],
            user_id=ID, name=text(100), unit={"type": "string", "nullable": True}, unit_id=OPT_ID,
            suggestions=integer(0), wishes_claimed=integer(0), needs_completed=integer(0),
            service_minutes=integer(0), done={**integer(0, 4), "description": "how many of the four are done"}),
        "PartyAnnual": obj(["year", "items", "next"], year=integer(2000, 2100),
                           items={"type": "array", "items": ref("PartyMemberYear")},
                           next={"type": "string", "nullable": True}),
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
    ("get", "/api/v1/notifications", "The caller's own notifications, newest first (with the unread count)",
     "signed in (their own)", None, 200, list_of("Notification"), ["422"], {"list"}),
    ("post", "/api/v1/notifications/{id}/read", "Mark one of one's notifications read", "the owner", None, 200,
     "Notification", ["404"], set()),
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
    ("post", "/api/v1/hours/{id}/withdraw", "Withdraw a pending record (the lead who manages it)",
     "lead of team, admin", "Reason", 200, "HourRecord", ["404", "400", "422", "409"], set()),
    ("patch", "/api/v1/hours/{id}", "Correct a pending record's minutes (points at its logged rate)",
     "lead of team, admin", "HoursCorrection", 200, "HourRecord", ["404", "400", "422", "409"], set()),
    ("post", "/api/v1/commendations", "Grant a commendation", "admin", "NewCommendation", 201, "Commendation",
     ["400", "422", "409"], {"idem"}),
    ("post", "/api/v1/adjustments", "Adjust a balance by hand", "admin", "NewAdjustment", 201, "Adjustment",
     ["400", "422", "409"], {"idem"}),
    ("get", "/api/v1/accounts/{user_id}", "A person's balance", "self, admin, auditor, proxy", None, 200, "Account",
     ["404"], set()),
    ("get", "/api/v1/accounts/{user_id}/entries", "A person's ledger entries, newest first",
     "self, admin, auditor, proxy", None, 200, list_of("Entry"), ["404", "422"], {"list"}),
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
    ("get", "/api/v1/activities", "Activities from today on that the caller may sign up for", "signed in", None,
     200, list_of("OpenActivity"), [], set()),
    ("post", "/api/v1/activities/{id}/signups", "Sign up for an activity", "signed in (for themselves)", None,
     201, "Signup", ["404", "422", "409"], set()),
    ("get", "/api/v1/activities/{id}/signups", "Who signed up, with their attendance",
     "lead of team, admin, auditor", None, 200, "SignupRoster", ["404"], set()),
    ("delete", "/api/v1/activities/{id}/signups/me", "Cancel one's sign-up; frees the place",
     "the signed-up person", None, 204, None, ["404", "409"], set()),
    ("get", "/api/v1/activities/{id}/attendance-code", "The attendance code now (changes every 60 s)",
     "lead of team, admin", None, 200, "AttendanceCode", ["404"], set()),
    ("post", "/api/v1/attendance", "Check in or out; checking out proposes a pending hour record",
     "a signed-up person or team member; a lead by hand", "NewAttendance", 201, "Attendance",
     ["400", "422", "409"], set()),
    ("post", "/api/v1/certificates", "Issue a numbered service certificate for a period", "the person, admin",
     "NewCertificate", 201, "Certificate", ["400", "422"], set()),
    ("get", "/api/v1/certificates/{number}", "A registered certificate", "the person, admin, auditor", None,
     200, "Certificate", ["404"], set()),
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

CALLS += [  # households, gifts and proxies
    ("post", "/api/v1/households", "Group people into a household", "admin", "NewHousehold", 201, "Household",
     ["400", "422", "409"], set()),
    ("get", "/api/v1/households/{id}", "A household: members' balance, hours and star, and totals",
     "its members, admin, auditor", None, 200, "Household", ["404"], set()),
    ("post", "/api/v1/households/{id}/members", "Add a person to a household", "admin", "NewHouseholdMember",
     201, "Household", ["404", "400", "422", "409"], set()),
    ("delete", "/api/v1/households/{id}/members/{user_id}", "Take a person out of a household", "admin", None,
     204, None, ["404"], set()),
    ("post", "/api/v1/gifts", "Give points to a household member or a resident in need (二次公益)",
     "signed in", "NewGift", 201, "GiftCreated", ["400", "422", "409"], {"idem"}),
    ("post", "/api/v1/users/{id}/proxies", "Name a proxy (代办人) for a resident", "admin", "NewProxy", 201,
     "Proxy", ["404", "400", "422", "409"], set()),
    ("get", "/api/v1/users/{id}/proxies", "A resident's open proxies", "admin, auditor, store keeper, the resident", None,
     200, list_of("Proxy"), ["404"], set()),
    ("delete", "/api/v1/users/{id}/proxies/{proxy_id}", "End a proxy relation", "admin", None, 204, None,
     ["404"], set()),
]

# --- nominations with public notice (公示) and the monthly public notice (API.md "Points policy")
ERROR_CODES.append("notice_closed")
NOMINATION_STATUSES = ["nominated", "in_notice", "objected", "rejected", "granted"]
CALLS += [
    ("post", "/api/v1/nominations", "Nominate a person for a commendation", "admin; lead (for a member of a "
     "team they lead)", "NewNomination", 201, "NominationCreated", ["400", "422"], set()),
    ("get", "/api/v1/nominations", "Nominations, newest first", "admin, auditor", None, 200,
     list_of("Nomination"), ["422"], {"list", "nomination_status"}),
    ("get", "/api/v1/nominations/{id}", "A nomination with its objections", "admin, auditor, the nominee", None,
     200, "Nomination", ["404"], set()),
    ("post", "/api/v1/nominations/{id}/review", "Approve (post the notice) or reject", "admin (not the nominee)",
     "NominationReview", 200, "NominationDecision", ["404", "400", "422", "409"], set()),
    ("post", "/api/v1/nominations/{id}/objections", "Object while the notice runs", "signed in",
     "Reason", 201, "ObjectionCreated", ["404", "400", "422", "409"], set()),
    ("post", "/api/v1/nominations/{id}/resolve", "Uphold (reject) or dismiss (back in notice) the objections",
     "admin (not the nominee)", "NominationResolve", 200, "NominationDecision", ["404", "400", "422", "409"],
     set()),
    ("get", "/api/v1/notices", "Nominations in public notice, names masked", "anyone", None, 200,
     list_of("Notice"), ["422"], {"public", "list"}),
    ("get", "/api/v1/reports/monthly", "A community's monthly public notice", "admin, auditor", None, 200,
     "MonthlyNotice", ["422"], {"monthly"}),
]


def notices_schemas() -> dict:
    """Bodies of the nomination and monthly-notice calls."""
    day = {"type": "string", "format": "date"}
    return {
        "NewNomination": obj(["user_id", "type", "reason"], user_id=ID, type=text(60), reason=REASON),
        "NominationCreated": obj(["id", "status"], id=ID, status={"type": "string", "enum": ["nominated"]}),
        "NominationReview": obj(["decision"], decision={"type": "string", "enum": ["approve", "reject"]},
                                reason={**REASON, "description": "required to reject"}),
        "NominationResolve": obj(["decision"], decision={"type": "string", "enum": ["uphold", "dismiss"]},
                                 reason={**REASON, "description": "required to uphold"}),
        "NominationDecision": obj(["status"], id=ID, status={"type": "string", "enum": NOMINATION_STATUSES},
                                  notice_ends={**day, "nullable": True,
                                               "description": "the last day objections are accepted"}),
        "ObjectionCreated": obj(["id", "nomination_id", "status"], id=ID, nomination_id=ID,
                                status={"type": "string"}),
        "Nomination": obj(["id", "user_id", "type", "status", "objections"], id=ID, user_id=ID, type=text(60),
                          status={"type": "string", "enum": NOMINATION_STATUSES},
                          notice_ends={**day, "nullable": True}, points=integer(0), reason=REASON,
                          objections={"type": "array", "items": obj(["id", "at", "reason"], id=ID, at=TIME,
                                                                    reason=REASON)}),
        "Notice": obj(["id", "name", "type", "reason", "notice_ends"], id=ID, name={"type": "string"},
                      type={"type": "string"}, reason=REASON, notice_ends=day, points=integer(0)),
        "MonthlyNotice": obj(["items"], community_id=ID, month={"type": "string", "pattern": r"^\d{4}-\d{2}$"},
                             items={"type": "array", "items": obj(
                                 ["name", "service_minutes", "points_earned", "points_redeemed"],
                                 name={"type": "string"}, service_minutes=integer(), points_earned=integer(),
                                 points_redeemed=integer())}),
    }


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
    "nomination_status": [query("status", {"type": "string", "enum": NOMINATION_STATUSES}, "only this status")],
    "monthly": [{**query("community_id", ID, "the community"), "required": True},
                {**query("month", {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "YYYY-MM"), "required": True}],
    "status": [query("status", NEED_STATUS, "only needs in this state"),
               query("community_id", ID, "only this community's needs list")],
    "year": [query("year", integer(2000, 2100), "the calendar year (default: this year, Asia/Shanghai)")],
}


CALLS += [  # API.md "Community"
    ("post", "/api/v1/wishes", "Post a micro-wish (an admin may post for someone)", "signed in", "NewWish", 201,
     "Wish", ["400", "403", "422"], set()),
    ("get", "/api/v1/wishes", "The public wish board: published and claimed, names masked", "anyone", None, 200,
     list_of("BoardWish"), ["422"], {"public", "list"}),
    ("post", "/api/v1/wishes/{id}/publish", "Publish a checked wish", "admin", None, 200, "Wish",
     ["404", "409"], set()),
    ("post", "/api/v1/wishes/{id}/claim", "Claim a published wish (not one's own)", "signed in, not the wisher",
     None, 200, "Wish", ["404", "409"], set()),
    ("post", "/api/v1/wishes/{id}/fulfil", "Report a claimed wish fulfilled", "the claimer", "Note", 200, "Wish",
     ["404", "400", "422", "409"], set()),
    ("post", "/api/v1/wishes/{id}/confirm", "Close a fulfilled wish, optionally crediting a commendation",
     "admin", "WishConfirm", 200, "Wish", ["404", "400", "422", "409"], {"idem"}),
    ("post", "/api/v1/units", "Register a co-building unit with its contacts", "admin", "NewUnit", 201, "Unit",
     ["400", "422"], set()),
    ("post", "/api/v1/needs", "Add an item to a community's needs list", "admin", "NewNeed", 201, "Need",
     ["400", "422"], set()),
    ("get", "/api/v1/needs", "The needs list", "signed in", None, 200, list_of("Need"), ["422"], {"list", "status"}),
    ("post", "/api/v1/needs/{id}/claim", "Claim an open need for a unit", "a contact of the unit", "NeedClaim",
     200, "Need", ["404", "400", "422", "409"], set()),
    ("post", "/api/v1/needs/{id}/complete", "Report a claimed need completed", "a contact of the claiming unit",
     "Note", 200, "Need", ["404", "400", "422", "409"], set()),
    ("post", "/api/v1/needs/{id}/confirm", "Confirm a completed need", "admin", None, 200, "Need",
     ["404", "409"], set()),
    ("post", "/api/v1/suggestions", "Make a suggestion (合理化建议)", "signed in", "NewSuggestion", 201,
     "Suggestion", ["400", "422"], set()),
    ("get", "/api/v1/party-members/annual", "Each party member's \"四个一\" of a year", "admin, auditor", None,
     200, "PartyAnnual", ["422"], {"list", "year"}),
]


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
    params = [path_id(name) for name in ("id", "user_id", "proxy_id") if "{" + name + "}" in path]
    if "{number}" in path:
        params.append({"name": "number", "in": "path", "required": True, "schema": text(20)})
    if "{code}" in path:
        params.append({"name": "code", "in": "path", "required": True, "schema": text(40)})
    if "list" in flags:
        params += [{"$ref": "#/components/parameters/Limit"}, {"$ref": "#/components/parameters/Cursor"}]
    for flag in EXTRA_QUERY:
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
            "schemas": {**schemas(), **notices_schemas()},
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
