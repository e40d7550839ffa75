"""The world the route × role matrix runs in: one person per role, and one of every object a path
names, owned so that each role's answer says something (the resident asks for ANOTHER resident's
account, the keeper keeps the store, the lead leads the team)."""

from types import SimpleNamespace

import sqlalchemy as sa

from extensions import db
from tests.factories import bearer, make_user, sign_in
from tests.factories_accounts import make_community
from tests.factories_points import approve, log, make_activity, make_team
from tests.factories_store import give_points, make_item, make_store
from tests.route_expect import modules as feature_modules

ROLES = ("anonymous", "resident", "team_lead", "store_keeper", "auditor", "admin")


def build(app) -> SimpleNamespace:
    from accounts.models import User
    from points import awards
    from points.models import CommendationType, DifficultyLevel
    from redemption import services

    w = SimpleNamespace()
    w.people = {role: make_user(app, role) for role in ROLES if role != "anonymous"}
    w.other = make_user(app)  # a second resident: the one whose data the path names
    lead, keeper, admin = w.people["team_lead"], w.people["store_keeper"], w.people["admin"]
    w.team_id = make_team(app, leads=[lead], members=[w.people["resident"], w.other])
    w.activity_id = make_activity(app, w.team_id, lead)
    w.pending_id = log(app, w.activity_id, w.other, 60, lead)
    second = make_activity(app, w.team_id, lead)
    w.approved_id = log(app, second, w.other, 60, lead)
    approve(app, w.approved_id, admin)
    store = make_store(app, keeper.id)
    w.store_id = store.id
    w.item_id = make_item(app, store.id, price=5, stock=50)
    give_points(app, w.other.id, 500)
    w.community_id = make_community(app, "和平社区")["id"]
    with app.test_request_context():
        keeper_user = db.session.get(User, keeper.id)
        admin_user = db.session.get(User, admin.id)
        w.redemption_id = services.redeem(services.RedeemRequest(
            store.id, w.other.id, (services.Line(w.item_id, 1),), key="matrix:redemption"), keeper_user).id
        w.commendation_id = awards.grant_commendation(w.other.id, "excellent_volunteer", "照顾老人",
                                                      admin_user, key="matrix:commendation").id
        w.adjustment_id = awards.adjust_points(w.other.id, 5, "补发", admin_user, key="matrix:adjustment").id
        w.type_id = db.session.execute(sa.select(sa.func.min(CommendationType.id))).scalar()
        w.level_id = db.session.execute(sa.select(sa.func.min(DifficultyLevel.id))).scalar()
        db.session.remove()
    for feature in feature_modules():  # objects that feature packages' paths name
        if hasattr(feature, "extend"):
            feature.extend(app, w)
    w.tokens = {role: bearer(app, person) for role, person in w.people.items()}
    return w


def value_for(w, rule: str, name: str):
    """What to put in a path's <name>: the object that makes the role check meaningful."""
    for feature in feature_modules():
        found = feature.value_for(w, rule, name) if hasattr(feature, "value_for") else None
        if found is not None:
            return found
    if name == "record_id":
        if "/awards/adjustments/" in rule:
            return w.adjustment_id
        if "/awards/commendations/" in rule:
            return w.commendation_id
        return w.approved_id if rule.endswith("/reverse") else w.pending_id
    values = {
        "user_id": w.other.id, "team_id": w.team_id, "activity_id": w.activity_id, "item_id": w.item_id,
        "store_id": w.store_id, "redemption_id": w.redemption_id, "type_id": w.type_id, "level_id": w.level_id,
        "community_id": w.community_id, "code": w.other.card_code, "name": "team", "lang": "en",
        "filename": "css/app.css",
    }
    return values.get(name, 1)


class Clients:
    """One client per role: signed in through the real form (HTML) and a bearer token (API)."""

    def __init__(self, app, w):
        self.app, self.w, self.clients = app, w, {}

    def client(self, role: str):
        if role not in self.clients:
            client = self.app.test_client()
            if role != "anonymous":
                sign_in(client, self.w.people[role])
            self.clients[role] = client
        return self.clients[role]

    def body(self, path: str) -> dict:
        """An empty form, except where the route checks its object from the form (the counter's store)."""
        if path == "/store/counter/redeem":
            return {"store_id": str(self.w.store_id), "resident_id": str(self.w.other.id)}
        return {}

    def request(self, role: str, method: str, path: str):
        """The request a role's browser (HTML) or script (API) would send, with an empty body."""
        client = self.client(role)
        if path.startswith("/api/"):
            headers = dict(self.w.tokens.get(role, {}))
            body = {} if method in ("POST", "PUT", "PATCH") else None
            response = client.open(path, method=method, json=body, headers=headers)
        else:
            response = client.open(path, method=method, data=self.body(path) if method != "GET" else None)
        response.get_data()
        response.close()  # a file or streamed response (static) holds its file open until closed
        if path == "/sign-out" and role != "anonymous":
            del self.clients[role]  # signed out: the next request signs in again
        return response


def outcome(response, path: str) -> str:
    """ok (past the role check), login (sent to sign in), 401, 403, 404, 405 or 500."""
    status = response.status_code
    if status >= 500:
        return "500"
    if status in (401, 403, 404, 405):
        return str(status)
    if status in (301, 302, 303) and "/sign-in" in response.headers.get("Location", ""):
        return "login" if path != "/sign-in" else "ok"
    return "ok"
