"""Route-matrix rows of the policy branch: the settings page, deductions (pages; the API rows are shared)."""

EXPECT = {
    ("GET", "/policy"): ("UD", ""),  # reads
    ("POST", "/policy"): ("D", ""),
    ("GET", "/deductions"): ("UD", ""),  # reads
    ("POST", "/deductions/types"): ("D", ""),
    ("GET", "/deductions/new"): ("D", ""),  # a form only
    ("POST", "/deductions/new"): ("D", ""),
    ("GET", "/deductions/<>"): ("UD", ""),  # reads
}


def extend(app, w) -> None:
    """A deduction from the other resident, for /deductions/<record_id>."""
    from accounts.models import User
    from extensions import db
    from points import deductions

    with app.test_request_context():
        admin = db.session.get(User, w.people["admin"].id)
        w.deduction_id = deductions.deduct(w.other.id, "no_show", "爽约未到", admin, key="matrix:deduction").id
        db.session.remove()


def value_for(w, rule: str, name: str):
    if rule.startswith("/deductions/") and name == "record_id":
        return w.deduction_id
    return None
