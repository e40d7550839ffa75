"""The audit trail in words: each event as a sentence in the reader's language, with its links.

Built only from the event itself (its action, subject and before/after payload) and people's
names, so audit stays independent of the feature packages. An action without a sentence here
falls back to its label and the raw values, which stay one click away for every event.
"""

import json
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "auth.signed_in": _l("Signed in"),
    "auth.sign_in_failed": _l("Failed sign-in"),
    "user.created": _l("Person added"),
    "user.updated": _l("Person changed"),
    "user.roles_changed": _l("Roles changed"),
    "user.role_granted": _l("Role granted"),
    "user.card_replaced": _l("Card replaced"),
    "user.honour_roll_choice": _l("Honour roll choice"),
    "user.care_mode": _l("Large text switched"),
    "community.created": _l("Community added"),
    "grid.created": _l("Grid added"),
    "team.created": _l("Team added"),
    "team.member_added": _l("Team member added"),
    "team.member_removed": _l("Team member removed"),
    "team.lead_changed": _l("Team lead changed"),
    "activity.created": _l("Activity created"),
    "hours.logged": _l("Hours logged"),
    "hours.approved": _l("Hours approved"),
    "hours.rejected": _l("Hours rejected"),
    "hours.reversed": _l("Hours reversed"),
    "hours.withdrawn": _l("Hours withdrawn"),
    "hours.corrected": _l("Hours corrected"),
    "rules.changed": _l("Points rule changed"),
    "difficulty_level.created": _l("Difficulty level added"),
    "difficulty_level.updated": _l("Difficulty level changed"),
    "commendation_type.created": _l("Commendation type added"),
    "commendation_type.updated": _l("Commendation type changed"),
    "commendation.granted": _l("Commendation granted"),
    "points.adjusted": _l("Points adjusted"),
    "store.created": _l("Store added"),
    "item.created": _l("Goods added"),
    "item.updated": _l("Goods changed"),
    "stock.moved": _l("Stock moved"),
    "redemption.created": _l("Redemption"),
    "redemption.voided": _l("Redemption voided"),
    "auth.signed_out": _l("Signed out"),
    "auth.token_revoked": _l("API token ended"),
    "item.barcode_set": _l("Barcode set"),
    "policy.changed": _l("Points policy changed"),
    "deduction_type.created": _l("Deduction type added"),
    "points.deducted": _l("Points deducted"),
    "points.expired": _l("Points expired (run)"),
    "points.carried_over": _l("Points carried over from paper"),
    "nomination.created": _l("Nominated"),
    "nomination.reviewed": _l("Nomination reviewed"),
    "nomination.objected": _l("Objection to a nomination"),
    "nomination.resolved": _l("Objection resolved"),
    "nomination.granted": _l("Nomination granted after notice"),
    "signup.created": _l("Signed up for an activity"),
    "signup.cancelled": _l("Sign-up cancelled"),
    "attendance.checked_in": _l("Checked in"),
    "attendance.checked_out": _l("Checked out"),
    "certificate.issued": _l("Service certificate issued"),
    "wish.submitted": _l("Micro-wish posted"),
    "wish.published": _l("Micro-wish published"),
    "wish.claimed": _l("Micro-wish claimed"),
    "wish.fulfilled": _l("Micro-wish fulfilled"),
    "wish.confirmed": _l("Micro-wish confirmed"),
    "need.created": _l("Need added to the list"),
    "need.claimed": _l("Need claimed by a unit"),
    "need.completed": _l("Need completed"),
    "need.confirmed": _l("Need confirmed"),
    "unit.created": _l("Co-building unit added"),
    "unit.contacts_set": _l("Unit contacts changed"),
    "suggestion.made": _l("Suggestion made"),
    "household.created": _l("Household added"),
    "household.member_added": _l("Household member added"),
    "household.member_removed": _l("Household member removed"),
    "gift.given": _l("Points given"),
    "proxy.named": _l("Proxy named"),
    "proxy.ended": _l("Proxy ended"),
}
# Where an event's subject has a page: subject_type → (endpoint, its id argument).
SUBJECT_PAGES = {
    "users": ("people_overview.person", "user_id"),
    "redemptions": ("redemption.receipt", "redemption_id"),
    "items": ("redemption.item", "item_id"),
    "stores": ("redemption.store", "store_id"),
}
USER_KEYS = ("user_id", "volunteer_id", "resident_id", "proxy_id", "wisher_id", "claimer_id", "to_user_id")


def label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def payload(text: str | None) -> dict:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def people_in(event) -> set[int]:
    """Every person an event names, to look their names up in one query for a page of events."""
    ids = {event.actor_id} if event.actor_id else set()
    if event.subject_type == "users" and event.subject_id:
        ids.add(event.subject_id)
    for data in (payload(event.before), payload(event.after)):
        ids |= {v for k in USER_KEYS if isinstance(v := data.get(k), int)}
    return ids


def _hours(minutes) -> str:
    try:
        value = Decimal(int(minutes)) / 60
    except (TypeError, ValueError, InvalidOperation):
        return "?"
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def describe(event, names: dict[int, str]) -> str:
    """"刘主任 approved 3 hours of 王萍 (+30 points)" — in the reader's language."""
    actor = names.get(event.actor_id) or (_("The system") if not event.actor_id else f"#{event.actor_id}")
    before, after = payload(event.before), payload(event.after)
    data = {**before, **after}

    def who(key: str) -> str:
        uid = data.get(key)
        return names.get(uid, f"#{uid}") if uid is not None else "?"

    subject_person = names.get(event.subject_id, f"#{event.subject_id}") if event.subject_type == "users" else ""
    action = event.action
    if action == "auth.signed_in":
        return _("%(actor)s signed in.", actor=actor)
    if action == "auth.sign_in_failed":
        return _("A sign-in as %(username)s failed.", username=data.get("username", "?"))
    if action == "hours.corrected":
        return _("%(actor)s corrected the hours of %(person)s from %(old)s to %(new)s hours (%(points)s points).",
                 actor=actor, person=who("volunteer_id"), old=_hours(before.get("minutes")),
                 new=_hours(after.get("minutes")), points=after.get("points", 0))
    if action in ("hours.logged", "hours.approved", "hours.rejected", "hours.reversed", "hours.withdrawn"):
        values = {"actor": actor, "person": who("volunteer_id"), "hours": _hours(data.get("minutes")),
                  "points": data.get("points", 0), "day": data.get("service_date", ""),
                  "reason": data.get("reason") or ""}
        return {
            "hours.logged": _("%(actor)s logged %(hours)s hours of %(person)s served on %(day)s (%(points)s points).",
                              **values),
            "hours.approved": _("%(actor)s approved %(hours)s hours of %(person)s (+%(points)s points).", **values),
            "hours.rejected": _("%(actor)s rejected %(hours)s hours of %(person)s: %(reason)s", **values),
            "hours.withdrawn": _("%(actor)s withdrew %(hours)s hours of %(person)s before approval: %(reason)s",
                                 **values),
            "hours.reversed": _("%(actor)s reversed %(hours)s hours of %(person)s (−%(points)s points): %(reason)s",
                                **values),
        }[action]
    if action == "commendation.granted":
        return _("%(actor)s commended %(person)s (%(type)s, +%(points)s points): %(reason)s", actor=actor,
                 person=who("user_id"), type=data.get("type", ""), points=data.get("points", 0),
                 reason=data.get("reason", ""))
    if action == "points.adjusted":
        points = data.get("points", 0)
        signed = f"+{points}" if isinstance(points, int) and points > 0 else f"{points}".replace("-", "−")
        return _("%(actor)s adjusted the points of %(person)s by %(points)s: %(reason)s", actor=actor,
                 person=who("user_id"), points=signed, reason=data.get("reason", ""))
    if action == "redemption.created":
        return _("%(actor)s redeemed %(points)s points of %(person)s (receipt %(number)s).", actor=actor,
                 person=who("resident_id"), points=data.get("total_points", 0), number=data.get("number", ""))
    if action == "redemption.voided":
        return _("%(actor)s voided redemption #%(id)s: %(reason)s", actor=actor, id=event.subject_id,
                 reason=data.get("reason", ""))
    if action == "stock.moved":
        return _("%(actor)s moved stock of goods #%(id)s by %(delta)s (%(kind)s), now %(after)s.", actor=actor,
                 id=event.subject_id, delta=data.get("delta", "?"), kind=data.get("kind", ""),
                 after=data.get("stock_after", "?"))
    if action == "user.created":
        return _("%(actor)s added %(person)s.", actor=actor, person=after.get("name") or subject_person)
    if action.startswith("user."):
        return _("%(actor)s: %(what)s — %(person)s.", actor=actor, what=label(action), person=subject_person)
    if action == "rules.changed":
        return _("%(actor)s changed the points per hour to %(value)s.", actor=actor,
                 value=after.get("points_per_hour", "?"))
    return _("%(actor)s: %(what)s.", actor=actor, what=label(action))


def subject_page(event) -> tuple[str, dict] | None:
    """(endpoint, arguments) of the page of the event's subject, if it has one."""
    page = SUBJECT_PAGES.get(event.subject_type or "")
    if page is None or not event.subject_id:
        return None
    endpoint, argument = page
    return endpoint, {argument: event.subject_id}
