"""Route-matrix rows for volunteering (sign-ups, attendance codes, certificates) and their world objects.

The path's activity is an open one of the matrix's team, today, with room for everyone; the path's
certificate belongs to the matrix's "other" resident.
"""

from tests.factories_volunteering import make_certificate, make_open_activity

S = "RLKUD"  # every signed-in role

EXPECT = {
    # residents: find, sign up (HTML cancel runs before sign-up, so nobody has one to cancel yet)
    ("GET", "/activities"): (S, ""),
    ("POST", "/activities/<>/signup"): (S, ""),
    ("POST", "/activities/<>/cancel"): ("", S),
    ("GET", "/attend"): (S, ""),
    ("POST", "/attend"): (S, ""),  # the empty form answers 422
    ("GET", "/certificates"): (S, ""),
    ("POST", "/certificates"): (S, ""),
    ("GET", "/certificates/<>"): ("A" + S, ""),  # public: the name masked (tests/test_volunteering_certificates.py)
    ("GET", "/api/v1/activities"): (S, ""),
    ("POST", "/api/v1/activities/<>/signups"): (S, ""),  # signed up on the page already: 409 is past the check
    ("DELETE", "/api/v1/activities/<>/signups/me"): (S, ""),
    ("GET", "/api/v1/certificates/<>"): ("UD", "RLK"),  # another resident's certificate
    # the team's lead and admins; auditors read the sign-ups
    ("GET", "/lead/activities/<>/signups"): ("LUD", ""),
    ("POST", "/lead/activities/<>/attendance"): ("LD", ""),
    ("GET", "/lead/activities/<>/code"): ("LD", ""),
    ("GET", "/lead/activities/<>/code.json"): ("LD", ""),
    ("GET", "/api/v1/activities/<>/signups"): ("LUD", ""),
    ("GET", "/api/v1/activities/<>/attendance-code"): ("LD", ""),
    ("POST", "/api/v1/attendance"): (S, ""),
    ("POST", "/api/v1/certificates"): (S, ""),
}


def extend(app, w) -> None:
    w.open_activity_id = make_open_activity(app, w.team_id, w.people["team_lead"], capacity=100)
    w.certificate_number = make_certificate(app, w.other, w.people["admin"])


def value_for(w, rule: str, name: str):
    if name == "activity_id" and ("/signup" in rule or "/cancel" in rule or "/attendance" in rule
                                  or "/code" in rule):
        return w.open_activity_id
    if name == "number" and "/certificates/" in rule:
        return w.certificate_number
    return None
