"""Every route × every method × every role, generated from app.url_map and compared with the
table below (SPEC "People and their jobs", "Separation of duties"; API.md "who"). A route that
is not in the table FAILS the test: a new page or call cannot be forgotten.

Outcomes: ok (past the role check: 2xx, 3xx, 400/409/422 for the empty body), login (a page
sends the anonymous visitor to sign in), 401 (API without a token), 403, 404 (another person's
data), never 500. Row letters: A anonymous, R resident, L team lead (of the path's team),
K store keeper (of the path's store), U auditor, D admin. `ok` lists who gets through;
`nf` who is told "not found"; everyone else is refused (login/401 anonymously, else 403).
"""

import re

from tests.route_expect import modules as feature_modules
from tests.route_world import ROLES, Clients, build, outcome, value_for

LETTER = dict(zip("ARLKUD", ROLES, strict=True))
SIGNED_IN = "RLKUD"

# (method, path with <> for each parameter): (ok, nf). Auditor rows marked "reads" follow SPEC:
# the auditor reads everything, changes nothing (issue 11 finding 10).
EXPECT = {
    # --- public
    ("GET", "/healthz"): ("A" + SIGNED_IN, ""),
    ("GET", "/static/<>"): ("A" + SIGNED_IN, ""),
    ("GET", "/sign-in"): ("A" + SIGNED_IN, ""),
    ("POST", "/sign-in"): ("A" + SIGNED_IN, ""),
    ("GET", "/reports/honour"): ("A" + SIGNED_IN, ""),  # names masked (test_privacy elsewhere)
    ("GET", "/api/v1/openapi.json"): ("A" + SIGNED_IN, ""),
    ("POST", "/api/v1/tokens"): ("A" + SIGNED_IN, ""),
    ("GET", "/lang/<>"): (SIGNED_IN, ""),  # anonymous: switched, then sent to the sign-in page
    ("POST", "/sign-out"): ("", ""),  # everyone ends on the sign-in page
    # --- every signed-in person, their own things
    ("GET", "/"): (SIGNED_IN, ""),
    ("GET", "/card"): (SIGNED_IN, ""),
    ("POST", "/card/honour-roll"): (SIGNED_IN, ""),
    ("GET", "/history"): (SIGNED_IN, ""),
    ("GET", "/store/catalogue"): (SIGNED_IN, ""),
    ("GET", "/store/my"): (SIGNED_IN, ""),
    ("GET", "/store/photos/<>"): ("", SIGNED_IN),  # no item has that photo: not found for all
    ("GET", "/api/v1/me"): (SIGNED_IN, ""),
    ("GET", "/api/v1/rules"): (SIGNED_IN, ""),
    ("GET", "/api/v1/difficulty-levels"): (SIGNED_IN, ""),
    ("GET", "/api/v1/commendation-types"): (SIGNED_IN, ""),
    ("GET", "/api/v1/items"): (SIGNED_IN, ""),
    ("DELETE", "/api/v1/tokens/current"): (SIGNED_IN, ""),
    # --- another resident's data: self, admin, auditor; others are told "not found"
    ("GET", "/api/v1/accounts/<>"): ("UD", "RLK"),
    ("GET", "/api/v1/accounts/<>/entries"): ("UD", "RLK"),
    ("GET", "/api/v1/redemptions/<>"): ("KUD", "RL"),
    ("GET", "/store/redemptions/<>"): ("KUD", "RL"),
    # --- team lead (of the team), admin
    ("GET", "/lead"): ("LUD", ""),  # reads: an auditor sees no team of their own there
    ("GET", "/lead/activities/<>"): ("LD", "U"),  # a roster is a form for the team's leads
    ("POST", "/lead/activities"): ("LD", ""),
    ("POST", "/lead/activities/<>/csv"): ("LD", ""),
    ("POST", "/lead/activities/<>/log"): ("LD", ""),
    ("POST", "/lead/activities/<>/roster"): ("LD", ""),
    ("POST", "/api/v1/activities"): ("LD", ""),
    ("POST", "/api/v1/hours"): ("LD", ""),
    ("POST", "/api/v1/teams/<>/members"): ("LD", ""),
    ("GET", "/teams/<>"): ("LUD", ""),  # reads
    ("POST", "/teams/<>"): ("LD", ""),
    ("POST", "/teams/<>/members/<>/remove"): ("LD", "D"),  # the lead removed the member first
    ("GET", "/setup/people"): ("LUD", ""),  # reads
    # --- store keeper (of the store), admin; a keeper never credits points
    ("GET", "/store/counter"): ("K", ""),
    ("GET", "/store/counter/search"): ("K", ""),
    ("GET", "/store/counter/store"): ("K", ""),
    ("POST", "/store/counter/store"): ("K", ""),
    ("POST", "/store/counter/identify"): ("K", ""),
    ("POST", "/store/counter/redeem"): ("K", ""),
    ("POST", "/api/v1/redemptions"): ("K", ""),
    ("GET", "/store/stores"): ("KUD", ""),  # reads
    ("POST", "/store/stores"): ("KD", ""),
    ("GET", "/store/stores/<>"): ("KUD", ""),  # reads
    ("GET", "/store/stores/<>/donors"): ("KUD", ""),  # reads
    ("GET", "/store/stores/<>/items/new"): ("KD", ""),
    ("POST", "/store/stores/<>/items/new"): ("KD", ""),
    ("GET", "/store/items/<>"): ("KUD", ""),  # reads
    ("GET", "/store/items/<>/edit"): ("KD", ""),
    ("POST", "/store/items/<>/edit"): ("KD", ""),
    ("POST", "/store/items/<>/stock"): ("KD", ""),
    ("POST", "/store/redemptions/<>/void"): ("KD", ""),
    ("POST", "/api/v1/items"): ("KD", ""),
    ("POST", "/api/v1/items/<>/stock"): ("KD", ""),
    ("POST", "/api/v1/redemptions/<>/void"): ("KD", ""),
    ("GET", "/api/v1/residents/by-card/<>"): ("KD", ""),
    ("GET", "/api/v1/users"): ("KD", ""),
    # --- admin and auditor read
    ("GET", "/audit/"): ("UD", ""),
    ("GET", "/audit/export.csv"): ("UD", ""),
    ("POST", "/audit/verify"): ("UD", ""),  # checks, changes nothing
    ("GET", "/api/v1/audit"): ("UD", ""),
    ("GET", "/api/v1/audit/verify"): ("UD", ""),
    ("GET", "/reports/"): ("UD", ""),
    ("GET", "/reports/export/<>.csv"): ("UD", ""),
    ("GET", "/approvals"): ("UD", ""),  # reads
    ("GET", "/awards"): ("UD", ""),  # reads
    ("GET", "/awards/adjustments/<>"): ("UD", ""),  # reads
    ("GET", "/awards/commendations/<>"): ("UD", ""),  # reads
    ("GET", "/communities"): ("UD", ""),  # reads
    ("GET", "/people"): ("UD", ""),  # reads
    ("GET", "/rules"): ("UD", ""),  # reads
    ("GET", "/rules/commendation-types/<>"): ("D", ""),  # an edit form only; /rules lists them
    ("GET", "/rules/levels/<>"): ("D", ""),  # an edit form only; /rules lists them
    ("GET", "/teams"): ("UD", ""),  # reads
    ("GET", "/api/v1/users/<>"): ("UD", ""),
    # --- admin only: changes
    ("GET", "/awards/adjustments/new"): ("D", ""),
    ("POST", "/awards/adjustments/new"): ("D", ""),
    ("GET", "/awards/commendations/new"): ("D", ""),
    ("POST", "/awards/commendations/new"): ("D", ""),
    ("POST", "/approvals/<>/approve"): ("D", ""),
    ("POST", "/approvals/<>/reject"): ("D", ""),
    ("POST", "/approvals/<>/reverse"): ("D", ""),
    ("POST", "/approvals/approve"): ("D", ""),
    ("POST", "/communities"): ("D", ""),
    ("POST", "/communities/<>/grids"): ("D", ""),
    ("GET", "/people/new"): ("D", ""),
    ("POST", "/people/new"): ("D", ""),
    ("GET", "/people/<>/edit"): ("UD", ""),  # reads, the form hidden
    ("POST", "/people/<>/edit"): ("D", ""),
    ("GET", "/people/<>/card"): ("D", ""),  # prints a card code: not a reading page
    ("POST", "/people/<>/card/replace"): ("D", ""),
    ("POST", "/rules"): ("D", ""),
    ("POST", "/rules/commendation-types"): ("D", ""),
    ("POST", "/rules/commendation-types/<>"): ("D", ""),
    ("POST", "/rules/levels"): ("D", ""),
    ("POST", "/rules/levels/<>"): ("D", ""),
    ("POST", "/teams"): ("D", ""),
    ("POST", "/teams/<>/members/<>/lead"): ("D", ""),
    ("POST", "/api/v1/adjustments"): ("D", ""),
    ("POST", "/api/v1/commendations"): ("D", ""),
    ("POST", "/api/v1/communities"): ("D", ""),
    ("POST", "/api/v1/difficulty-levels"): ("D", ""),
    ("POST", "/api/v1/hours/<>/approve"): ("D", ""),
    ("POST", "/api/v1/hours/<>/reject"): ("D", ""),
    ("POST", "/api/v1/hours/<>/reverse"): ("D", ""),
    ("PUT", "/api/v1/rules"): ("D", ""),
    ("POST", "/api/v1/stores"): ("D", ""),
    ("POST", "/api/v1/teams"): ("D", ""),
    ("POST", "/api/v1/users"): ("D", ""),
    ("PATCH", "/api/v1/users/<>"): ("D", ""),
    # --- API.md calls that other branches add (no path object, so the empty body answers 422 to
    # whoever may call them, 403 to the rest); rows with a path object are added with the route.
    ("GET", "/api/v1/policy"): (SIGNED_IN, ""),
    ("PUT", "/api/v1/policy"): ("D", ""),
    ("GET", "/api/v1/deduction-types"): (SIGNED_IN, ""),
    ("POST", "/api/v1/deduction-types"): ("D", ""),
    ("POST", "/api/v1/deductions"): ("D", ""),
    ("POST", "/api/v1/nominations"): ("LD", ""),
    ("GET", "/api/v1/notices"): ("A" + SIGNED_IN, ""),
    ("GET", "/api/v1/reports/monthly"): ("UD", ""),
    ("POST", "/api/v1/attendance"): (SIGNED_IN, ""),
    ("POST", "/api/v1/certificates"): (SIGNED_IN, ""),
    ("GET", "/api/v1/wishes"): ("A" + SIGNED_IN, ""),
    ("POST", "/api/v1/wishes"): (SIGNED_IN, ""),
    ("POST", "/api/v1/units"): ("D", ""),
    ("GET", "/api/v1/needs"): (SIGNED_IN, ""),
    ("POST", "/api/v1/needs"): ("D", ""),
    ("POST", "/api/v1/suggestions"): (SIGNED_IN, ""),
    ("GET", "/api/v1/party-members/annual"): ("UD", ""),
    ("POST", "/api/v1/households"): ("D", ""),
    ("POST", "/api/v1/gifts"): (SIGNED_IN, ""),
    ("GET", "/api/v1/notifications"): (SIGNED_IN, ""),
    # --- the people's side (issue 9): one's own inbox, card and text size; admins' per-person pages
    ("GET", "/favicon.ico"): ("A" + SIGNED_IN, ""),
    ("GET", "/card/show"): (SIGNED_IN, ""),
    ("POST", "/care-mode"): (SIGNED_IN, ""),
    ("GET", "/notifications"): (SIGNED_IN, ""),
    ("POST", "/notifications/read-all"): (SIGNED_IN, ""),
    ("POST", "/notifications/<>/read"): ("", SIGNED_IN),  # the only message is another resident's
    ("POST", "/api/v1/notifications/<>/read"): ("", SIGNED_IN),
    ("GET", "/lead/teams/<>"): ("LUD", ""),  # reads
    ("GET", "/people/<>"): ("UD", ""),  # reads, phones masked for the auditor
    ("POST", "/people/<>/care-mode"): ("D", ""),
    ("GET", "/people/card-sheets"): ("D", ""),  # prints card codes: not a reading page
    ("GET", "/people/import"): ("D", ""),
    ("POST", "/people/import"): ("D", ""),
    ("GET", "/reports/exports/entries.csv"): ("UD", ""),
    ("GET", "/reports/exports/hours.csv"): ("UD", ""),
    ("GET", "/reports/exports/redemption-lines.csv"): ("UD", ""),
    ("GET", "/reports/exports/stock-movements.csv"): ("UD", ""),
    # --- the counter's reports and barcodes (issue 11 finding 4, issue 9 item 8)
    ("GET", "/store/shift"): ("KUD", ""),
    ("GET", "/store/found-by-search"): ("UD", ""),
    ("GET", "/store/found-by-search.csv"): ("UD", ""),
    ("POST", "/store/items/<>/barcode"): ("KD", ""),
}

for _feature in feature_modules():  # each feature package's own rows (tests/route_expect/)
    EXPECT.update(_feature.EXPECT)


def shape(rule: str) -> str:
    return re.sub(r"<[^>]+>", "<>", rule)


def expected(method: str, rule: str, role: str) -> set[str]:
    ok, nf = EXPECT[(method, shape(rule))]
    letter = next(k for k, v in LETTER.items() if v == role)
    if letter in ok and letter in nf:
        return {"ok", "404"}
    if letter in ok:
        return {"ok"}
    if letter in nf:
        return {"404"}
    if rule == "/sign-out" or role == "anonymous":
        return {"401"} if rule.startswith("/api/") else {"login"}
    return {"403"}


def all_rules(app) -> list[tuple[str, str]]:
    """Every (rule, method) the app serves; reads first, so a change cannot hide a page."""
    pairs = {(r.rule, m) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}
    # Token revocation last: it ends every role's API token for the calls after it.
    return sorted(pairs, key=lambda pair: (pair == ("/api/v1/tokens/current", "DELETE"), pair[1] != "GET",
                                           pair[0], pair[1]))


def test_every_route_is_in_the_expectations_table(app):
    missing = [f"{method} {rule}" for rule, method in all_rules(app) if (method, shape(rule)) not in EXPECT]
    assert missing == [], "add these routes to EXPECT in tests/test_route_matrix.py: " + ", ".join(missing)


def test_every_route_answers_each_role_as_the_spec_says(app):
    world = build(app)
    clients = Clients(app, world)
    wrong = []
    for rule, method in all_rules(app):
        if (method, shape(rule)) not in EXPECT:
            continue  # the test above names it
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m, rule=rule: str(value_for(world, rule, m.group(1))), rule)
        for role in ROLES:  # the admin last: a refused role changes nothing, the admin may
            got = outcome(clients.request(role, method, path), path)
            if got not in expected(method, rule, role):
                wrong.append(f"{method} {path} as {role}: {got}, expected {'/'.join(sorted(expected(method, rule, role)))}")
    assert wrong == [], f"{len(wrong)} answers differ from the table:\n" + "\n".join(wrong)


# ------------------------------------------------------------------ separation of duties (SPEC)
# Nobody moves points to themselves: each refusal is 403 forbidden and changes nothing. Expected to
# fail until the separation-of-duties branch lands, except the self-logging refusal (already on main).

def duty_world(app):
    from tests.factories import bearer, make_user
    from tests.factories_points import make_activity, make_team
    from tests.factories_store import give_points, make_item, make_store

    admin, other_admin = make_user(app, "admin", "resident"), make_user(app, "admin")
    lead, keeper, colleague = make_user(app, "team_lead", "resident"), make_user(app, "store_keeper"), \
        make_user(app, "store_keeper")
    team_id = make_team(app, leads=[lead], members=[admin])
    store = make_store(app, keeper.id, colleague.id)
    give_points(app, keeper.id, 100)
    return {
        "admin": admin, "admin_h": bearer(app, admin), "other_admin_h": bearer(app, other_admin),
        "lead": lead, "lead_h": bearer(app, lead), "keeper": keeper, "keeper_h": bearer(app, keeper),
        "colleague_h": bearer(app, colleague), "store_id": store.id,
        "item_id": make_item(app, store.id, price=10, stock=5), "activity_id": make_activity(app, team_id, lead),
        "team_id": team_id,
    }


def balance(client, headers, user_id) -> int:
    return client.get(f"/api/v1/accounts/{user_id}", headers=headers).get_json()["balance"]


def assert_refused(response, code="forbidden"):
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["error"]["code"] == code


def test_nobody_logs_their_own_hours_not_even_a_lead(app, client):
    w = duty_world(app)
    refused = client.post("/api/v1/hours", headers=w["lead_h"], json={
        "activity_id": w["activity_id"], "volunteer_id": w["lead"].id, "minutes": 60})
    assert_refused(refused, "self_logging_forbidden")


def test_an_admin_cannot_approve_or_reverse_their_own_hours(app, client):
    w = duty_world(app)
    record = client.post("/api/v1/hours", headers=w["lead_h"], json={
        "activity_id": w["activity_id"], "volunteer_id": w["admin"].id, "minutes": 60}).get_json()

    assert_refused(client.post(f"/api/v1/hours/{record['id']}/approve", headers=w["admin_h"]))
    assert balance(client, w["admin_h"], w["admin"].id) == 0
    assert client.post(f"/api/v1/hours/{record['id']}/approve", headers=w["other_admin_h"]).status_code == 200
    assert_refused(client.post(f"/api/v1/hours/{record['id']}/reverse", headers=w["admin_h"],
                               json={"reason": "自己撤销"}))
    assert balance(client, w["admin_h"], w["admin"].id) == record["points"]


def test_an_admin_cannot_adjust_or_commend_their_own_account(app, client):
    w = duty_world(app)
    me = w["admin"].id
    assert_refused(client.post("/api/v1/adjustments", headers=w["admin_h"],
                               json={"user_id": me, "points": 50, "reason": "给自己"}))
    assert_refused(client.post("/api/v1/commendations", headers=w["admin_h"],
                               json={"user_id": me, "type": "excellent_volunteer", "reason": "给自己"}))
    assert balance(client, w["admin_h"], me) == 0
    assert client.post("/api/v1/adjustments", headers=w["other_admin_h"],
                       json={"user_id": me, "points": 50, "reason": "另一位管理员"}).status_code == 201


def test_a_keeper_cannot_redeem_for_themselves_but_a_colleague_can_serve_them(app, client):
    w = duty_world(app)
    basket = {"store_id": w["store_id"], "resident_id": w["keeper"].id,
              "lines": [{"item_id": w["item_id"], "quantity": 1}]}
    assert_refused(client.post("/api/v1/redemptions", headers=w["keeper_h"], json=basket))
    assert balance(client, w["keeper_h"], w["keeper"].id) == 100
    assert client.post("/api/v1/redemptions", headers=w["colleague_h"], json=basket).status_code == 201


def test_a_lead_whose_role_is_taken_away_can_no_longer_log_hours(app, client):
    """Expected to fail until PATCH /api/v1/users/{id} (API.md "People") lands."""
    w = duty_world(app)
    demoted = client.patch(f"/api/v1/users/{w['lead'].id}", headers=w["other_admin_h"], json={"roles": ["resident"]})
    assert demoted.status_code == 200, demoted.get_data(as_text=True)[:300]
    refused = client.post("/api/v1/activities", headers=w["lead_h"], json={
        "team_id": w["team_id"], "title": "还想组织", "date": "2026-01-01", "difficulty": "normal"})
    assert refused.status_code in (401, 403)  # roles changed: the token ended, or the power did
