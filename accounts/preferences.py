"""A person's own choices about how they appear to others."""

from accounts.models import User
from audit import service as audit
from core.db import run_write
from core.errors import NotFound
from extensions import db


def set_honour_roll_opt_out(user_id: int, opt_out: bool, actor) -> User:
    """Show or hide the person on the public honour roll (光荣榜); audited."""
    actor_id = getattr(actor, "id", actor)

    def work() -> User:
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound()
        if user.honour_roll_opt_out != opt_out:
            before = {"honour_roll_opt_out": user.honour_roll_opt_out}
            user.honour_roll_opt_out = opt_out
            audit.record("user.honour_roll_choice", actor=actor_id, subject=user,
                         before=before, after={"honour_roll_opt_out": opt_out})
        return user

    return run_write(work)


def set_care_mode(user_id: int, on: bool, actor) -> User:
    """Large text and big buttons (关怀模式) for this person, kept across sign-ins; audited."""
    actor_id = getattr(actor, "id", actor)

    def work() -> User:
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound()
        if user.care_mode != on:
            audit.record("user.care_mode", actor=actor_id, subject=user,
                         before={"care_mode": user.care_mode}, after={"care_mode": on})
            user.care_mode = on
        return user

    return run_write(work)
