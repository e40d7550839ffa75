"""A notification's text in the reader's language, from its kind and parameters."""

import json

from flask_babel import gettext as _
from flask_babel import ngettext

from core.timeutil import shanghai_date


def _hours(minutes) -> str:
    """"3 hours" / "1.5 hours" / "45 minutes", the way residents say it."""
    minutes = int(minutes or 0)
    if minutes < 60:
        return _("%(n)s minutes", n=minutes)
    whole, rest = divmod(minutes, 60)
    if rest == 0:
        return ngettext("%(num)s hour", "%(num)s hours", whole)
    return _("%(n)s hours", n=f"{minutes / 60:.1f}".rstrip("0").rstrip("."))


def render_text(kind: str, raw_params: str | dict) -> str:
    """The sentence a resident reads; unknown kinds fall back to a neutral line."""
    p = json.loads(raw_params) if isinstance(raw_params, str) else dict(raw_params)
    if kind == "hours_approved":
        return _("Your %(hours)s at %(activity)s were approved: +%(points)s points.",
                 hours=_hours(p.get("minutes")), activity=p.get("activity", ""), points=p.get("points", 0))
    if kind == "hours_rejected":
        return _("Your %(hours)s at %(activity)s were not approved. Reason: %(reason)s",
                 hours=_hours(p.get("minutes")), activity=p.get("activity", ""), reason=p.get("reason", ""))
    if kind == "hours_reversed":
        return _("Your approved %(hours)s at %(activity)s were withdrawn: −%(points)s points. Reason: %(reason)s",
                 hours=_hours(p.get("minutes")), activity=p.get("activity", ""), points=p.get("points", 0),
                 reason=p.get("reason", ""))
    if kind == "redemption":
        return _("You exchanged %(points)s points at %(store)s (receipt %(number)s). Balance: %(balance)s.",
                 points=p.get("points", 0), store=p.get("store", ""), number=p.get("number", ""),
                 balance=p.get("balance", 0))
    if kind == "void":
        return _("Redemption %(number)s was cancelled and %(points)s points returned. Reason: %(reason)s",
                 number=p.get("number", ""), points=p.get("points", 0), reason=p.get("reason", ""))
    if kind == "commendation":
        return _("You were commended as %(type)s: +%(points)s points. %(reason)s",
                 type=p.get("type", ""), points=p.get("points", 0), reason=p.get("reason", ""))
    if kind == "adjustment":
        return _("The street office adjusted your points by %(points)s. Reason: %(reason)s",
                 points=_signed(p.get("points", 0)), reason=p.get("reason", ""))
    if kind == "deduction":
        return _("%(points)s points were deducted (%(type)s). Reason: %(reason)s",
                 points=p.get("points", 0), type=p.get("type", ""), reason=p.get("reason", ""))
    if kind == "expiry_soon":
        return _("%(points)s of your points expire on %(day)s. Spend them before then.",
                 points=p.get("points", 0), day=p.get("on", ""))
    if kind == "nomination":
        return _nomination_text(p)
    if kind == "gift_sent":
        return _("You gave %(points)s points to %(name)s. Balance: %(balance)s.",
                 points=p.get("points", 0), name=p.get("name", ""), balance=p.get("balance", 0))
    if kind == "gift_received":
        return _("%(name)s gave you %(points)s points. %(note)s",
                 name=p.get("name", ""), points=p.get("points", 0), note=p.get("note", ""))
    if kind == "wish":
        return _wish_text(p)
    return _("You have a new message.")


def _nomination_text(p: dict) -> str:
    """Each step of a nomination (notices): what happened and what comes next."""
    status, kind = p.get("status", ""), p.get("type", "")
    if status == "nominated":
        return _("You were nominated as %(type)s. An admin will review the nomination.", type=kind)
    if status == "in_notice":
        return _("Your nomination as %(type)s is on public notice until %(day)s.", type=kind,
                 day=p.get("notice_ends", ""))
    if status == "objected":
        return _("Someone objected to your nomination as %(type)s; an admin will look into it.", type=kind)
    if status == "rejected":
        return _("Your nomination as %(type)s was not accepted. %(reason)s", type=kind, reason=p.get("reason", ""))
    if status == "granted":
        return _("Your nomination as %(type)s was granted after its public notice: +%(points)s points.",
                 type=kind, points=p.get("points", 0))
    return _("You were nominated as %(type)s. Status: %(status)s.", type=kind, status=status)


def _wish_text(p: dict) -> str:
    """A micro-wish's news for its wisher (claimed, fulfilled) or its claimer (closed)."""
    event, title = p.get("event"), p.get("title", "")
    if event == "claimed":
        return _("Good news: a volunteer claimed your wish \"%(title)s\".", title=title)
    if event == "fulfilled":
        return _("Your wish \"%(title)s\" was fulfilled: %(note)s", title=title, note=p.get("note", ""))
    return _("The community confirmed the wish \"%(title)s\" you fulfilled. Thank you!", title=title)


def _signed(points) -> str:
    points = int(points or 0)
    return f"+{points}" if points > 0 else f"−{abs(points)}"


def day_label(moment) -> str:
    return shanghai_date(moment).isoformat() if moment is not None else ""
