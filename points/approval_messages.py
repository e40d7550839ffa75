"""What the approvals page says after a decision: the person and the activity, never a record id."""

import sqlalchemy as sa
from flask_babel import gettext

from accounts.models import User
from extensions import db
from points.hours_bulk import BulkOutcome
from points.models import Activity, HourRecord
from points.rules import format_hours

SHOWN = 10  # names in one flash at most (the session cookie is small)


def hours_text(minutes: int) -> str:
    text = format_hours(minutes)
    return text[:-2] if text.endswith(".0") else text


def record_words(record_id: int) -> dict:
    """{person, activity, hours} of a record, for a message; empty strings if it is unknown."""
    found = db.session.execute(
        sa.select(HourRecord.minutes, HourRecord.volunteer_id, Activity.title)
        .join(Activity, Activity.id == HourRecord.activity_id).where(HourRecord.id == record_id)).first()
    if found is None:
        return {"person": "", "activity": "", "hours": ""}
    name = db.session.execute(sa.select(User.name).where(User.id == found.volunteer_id)).scalar_one()
    return {"person": name, "activity": found.title, "hours": hours_text(found.minutes)}


def approved_message(record_id: int) -> str:
    return gettext("Approved %(person)s's %(hours)s-hour record on “%(activity)s”; the points are credited.",
                   **record_words(record_id))


def rejected_message(record_id: int) -> str:
    return gettext("Rejected %(person)s's %(hours)s-hour record on “%(activity)s”.", **record_words(record_id))


def reversed_message(record_id: int) -> str:
    return gettext("Reversed %(person)s's %(hours)s-hour record on “%(activity)s”; its points were taken back.",
                   **record_words(record_id))


def named(record_ids: list[int]) -> str:
    """"王萍（社区环境清洁）、李强（…）" for the first few records, then how many more."""
    shown = record_ids[:SHOWN]
    rows = {r.id: r for r in db.session.execute(
        sa.select(HourRecord.id, User.name, Activity.title)
        .join(User, User.id == HourRecord.volunteer_id).join(Activity, Activity.id == HourRecord.activity_id)
        .where(HourRecord.id.in_(shown))).all()} if shown else {}
    parts = [gettext("%(person)s (%(activity)s)", person=rows[i].name, activity=rows[i].title)
             for i in shown if i in rows]
    unknown = len([i for i in shown if i not in rows])
    if unknown:
        parts.append(gettext("%(num)s unknown records", num=unknown))
    text = gettext(", ").join(parts)
    if len(record_ids) > SHOWN:
        text += " " + gettext("and %(num)s more", num=len(record_ids) - SHOWN)
    return text


def bulk_messages(outcome: BulkOutcome) -> list[tuple[str, str]]:
    """What a bulk approval did: approved N of M (and whose), each refusal with its people, where it stopped."""
    head = gettext("%(done)s of %(total)s records approved.", done=len(outcome.approved), total=outcome.wanted)
    if outcome.approved:
        head += " " + named(outcome.approved)
    messages = [("success" if outcome.approved else "info", head)]
    by_reason: dict[str, list[int]] = {}
    for record_id, why in outcome.refused.items():
        by_reason.setdefault(why, []).append(record_id)
    for why, record_ids in by_reason.items():
        messages.append(("warning", gettext("Not approved: %(why)s Records: %(ids)s", why=why,
                                            ids=named(sorted(record_ids)))))
    if outcome.stopped:
        messages.append(("danger", gettext(
            "Stopped before the end: %(why)s %(num)s records are still pending (%(ids)s); approve them again.",
            why=outcome.stopped, num=len(outcome.left), ids=named(outcome.left))))
    return messages
