"""Route-matrix rows of the people branch: a lead's withdraw and correct steps (page and API)."""

from tests.factories_points import log

EXPECT = {
    ("GET", "/lead/hours/<>/withdraw"): ("LD", ""),  # the confirm step
    ("POST", "/lead/hours/<>/withdraw"): ("LD", ""),  # empty body: 422, nothing withdrawn
    ("GET", "/lead/hours/<>/correct"): ("LD", ""),
    ("POST", "/lead/hours/<>/correct"): ("LD", ""),
    ("POST", "/api/v1/hours/<>/withdraw"): ("LD", ""),
    ("PATCH", "/api/v1/hours/<>"): ("LD", ""),
}


def extend(app, w) -> None:
    """A pending record of the resident's, logged by the team's lead, for the amend routes."""
    w.people_pending_id = log(app, w.activity_id, w.people["resident"], 30, w.people["team_lead"])


def value_for(w, rule: str, name: str):
    if name == "record_id" and (rule.startswith("/lead/hours/") or rule in (
            "/api/v1/hours/<int:record_id>/withdraw", "/api/v1/hours/<int:record_id>")):
        return w.people_pending_id
    return None
