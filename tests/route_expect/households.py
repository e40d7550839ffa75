"""Route-matrix rows of the households package: households, gifts, proxies and the family pages."""

from tests.factories import make_user
from tests.factories_households import make_household, make_proxy, mark_in_need

SIGNED_IN = "RLKUD"

EXPECT = {
    # --- the family pages: one's own household, gifts and the people one acts for
    ("GET", "/family"): (SIGNED_IN, ""),
    ("GET", "/family/gift"): (SIGNED_IN, ""),
    ("POST", "/family/gift"): (SIGNED_IN, ""),  # an empty form: 422, with a resident in need to give to
    ("GET", "/family/acting-for/<>"): ("L", "RKUD"),  # only the elder's proxy (the team lead here)
    ("POST", "/family/acting-for/<>/care-mode"): ("L", "RKUD"),  # the proxy switches the elder's large text
    # --- households: its members, admin, auditor read; only admins change them
    ("GET", "/api/v1/households/<>"): ("UD", "RLK"),
    ("POST", "/api/v1/households/<>/members"): ("D", ""),
    ("DELETE", "/api/v1/households/<>/members/<>"): ("D", ""),
    ("GET", "/households"): ("UD", ""),  # reads
    ("POST", "/households"): ("D", ""),
    ("GET", "/households/<>"): ("UD", "RLK"),
    ("POST", "/households/<>/members"): ("D", ""),
    ("POST", "/households/<>/members/<>/remove"): ("D", ""),
    # --- proxies: named and ended by an admin; the relation the path names is not open: not found
    ("POST", "/api/v1/users/<>/proxies"): ("D", ""),
    ("GET", "/api/v1/users/<>/proxies"): ("KUD", "RL"),  # keepers: to note the proxy at the counter
    ("DELETE", "/api/v1/users/<>/proxies/<>"): ("", "D"),
    ("GET", "/proxies/<>"): ("UD", ""),  # reads
    ("POST", "/proxies/<>"): ("D", ""),
    ("POST", "/proxies/<>/<>/end"): ("", "D"),
}


def extend(app, w) -> None:
    """A household of the other resident and one more member; an elder whose proxy is the team lead."""
    w.hh_second = make_user(app)
    w.household_id = make_household(app, "矩阵之家", w.other.id, w.hh_second.id)
    w.elder = make_user(app)
    make_proxy(app, w.elder.id, w.people["team_lead"].id, w.people["admin"])
    mark_in_need(app, make_user(app).id)


def value_for(w, rule: str, name: str):
    if not hasattr(w, "household_id"):
        return None
    if name == "household_id":
        return w.household_id
    if rule.startswith("/family/acting-for/") and name == "user_id":
        return w.elder.id
    if rule == "/households/<int:household_id>/members/<int:user_id>/remove" and name == "user_id":
        return w.hh_second.id
    return None
