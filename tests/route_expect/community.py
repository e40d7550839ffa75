"""Route-matrix rows for the community package: wishes, needs, units, party members, suggestions."""

SIGNED_IN = "RLKUD"

EXPECT = {
    # API (the rows without a path object are in the shared table)
    ("POST", "/api/v1/wishes/<>/publish"): ("D", ""),
    ("POST", "/api/v1/wishes/<>/claim"): (SIGNED_IN, ""),  # the wish is another resident's
    ("POST", "/api/v1/wishes/<>/fulfil"): ("R", ""),  # only its claimer: the resident claimed it just before
    ("POST", "/api/v1/wishes/<>/confirm"): ("D", ""),
    ("POST", "/api/v1/needs/<>/claim"): ("", ""),  # only a contact of a unit
    ("POST", "/api/v1/needs/<>/complete"): ("", ""),
    ("POST", "/api/v1/needs/<>/confirm"): ("D", ""),
    # pages
    ("GET", "/wishes"): ("A" + SIGNED_IN, ""),  # PUBLIC, masked names
    ("POST", "/wishes"): (SIGNED_IN, ""),
    ("POST", "/wishes/<>/claim"): (SIGNED_IN, ""),
    ("POST", "/wishes/<>/fulfil"): (SIGNED_IN, ""),  # refused with a message unless the claimer
    ("GET", "/community/wishes"): ("UD", ""),  # reads
    ("POST", "/community/wishes"): ("D", ""),
    ("POST", "/community/wishes/<>/publish"): ("D", ""),
    ("POST", "/community/wishes/<>/confirm"): ("D", ""),
    ("GET", "/community/needs"): (SIGNED_IN, ""),
    ("POST", "/community/needs"): ("D", ""),
    ("POST", "/community/needs/<>/claim"): (SIGNED_IN, ""),  # refused with a message unless a contact
    ("POST", "/community/needs/<>/complete"): (SIGNED_IN, ""),
    ("POST", "/community/needs/<>/confirm"): ("D", ""),
    ("GET", "/community/units"): ("UD", ""),  # reads
    ("POST", "/community/units"): ("D", ""),
    ("GET", "/community/units/<>"): ("UD", "RLK"),  # admins, auditors and the unit's contacts
    ("POST", "/community/units/<>/contacts"): ("D", ""),
    ("GET", "/community/party"): ("UD", ""),
    ("GET", "/community/party.csv"): ("UD", ""),
    ("GET", "/community/export/<>.csv"): ("UD", ""),
    ("GET", "/community/suggestions"): (SIGNED_IN, ""),
    ("POST", "/community/suggestions"): (SIGNED_IN, ""),
}


def extend(app, w) -> None:
    """A published wish of another resident, an open need and a unit without matrix contacts."""
    from tests.factories_community import make_need, make_unit, make_wish

    w.wish_id = make_wish(app, w.other, state="published")
    w.unit_id = make_unit(app, "矩阵共建单位")
    w.need_id = make_need(app, w.community_id)


def value_for(w, rule: str, name: str):
    return {"wish_id": getattr(w, "wish_id", None), "need_id": getattr(w, "need_id", None),
            "unit_id": getattr(w, "unit_id", None)}.get(name) or ("wishes" if "/community/export/" in rule else None)
