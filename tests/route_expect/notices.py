"""Route-matrix rows of the notices feature: nominations, the public notice and the monthly notice.

The world's nomination names the matrix's other resident and is in public notice, so an empty
objection answers 422 (past the role check) and the nominee's own rows say "not found" to the rest.
"""

SIGNED_IN = "RLKUD"

EXPECT = {
    # --- API
    ("POST", "/api/v1/nominations"): ("LD", ""),
    ("GET", "/api/v1/nominations"): ("UD", ""),
    ("GET", "/api/v1/nominations/<>"): ("UD", "RLK"),  # the nominee (not in the matrix's roles) reads it too
    ("POST", "/api/v1/nominations/<>/review"): ("D", ""),
    ("POST", "/api/v1/nominations/<>/objections"): (SIGNED_IN, ""),
    ("POST", "/api/v1/nominations/<>/resolve"): ("D", ""),
    ("GET", "/api/v1/notices"): ("A" + SIGNED_IN, ""),
    ("GET", "/api/v1/reports/monthly"): ("UD", ""),
    # --- pages
    ("GET", "/notices"): ("A" + SIGNED_IN, ""),  # public, names masked
    ("POST", "/notices/<>/objections"): (SIGNED_IN, ""),
    ("GET", "/notices/monthly"): ("UD", ""),
    ("GET", "/notices/monthly.csv"): ("UD", ""),
    ("GET", "/nominations"): ("UD", ""),  # reads
    ("GET", "/nominations/new"): ("LD", ""),  # a form only
    ("POST", "/nominations/new"): ("LD", ""),
    ("GET", "/nominations/<>"): ("UD", ""),  # reads
    ("POST", "/nominations/<>/review"): ("D", ""),
    ("POST", "/nominations/<>/resolve"): ("D", ""),
}


def extend(app, w) -> None:
    """A nomination of the other resident, approved by the admin: in public notice."""
    from tests.factories_notices import nominate, review

    w.nomination_id = nominate(app, w.other, w.people["admin"])
    review(app, w.nomination_id, w.people["admin"])


def value_for(w, rule: str, name: str):
    if name == "nomination_id":
        return w.nomination_id
    return None
