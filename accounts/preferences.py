"""A person's own choices: how they appear to others and how their pages read."""

from accounts.models import User
from audit import service as audit
from core.db import run_write
from core.errors import NotFound
from extensions import db


def _set_choice(user_id: int, field: str, value: bool, action: str, actor) -> User:
    """Change one boolean choice of a person, audited with before and after; a no-op changes nothing."""
    actor_id = getattr(actor, "id", actor)

    def work() -> User:
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound()
        if getattr(user, field) != value:
            audit.record(action, actor=actor_id, subject=user,
                         before={field: getattr(user, field)}, after={field: value})
            setattr(user, field, value)
        return user

    return run_write(work)


def set_honour_roll_opt_out(user_id: int, opt_out: bool, actor) -> User:
    """Show or hide the person on the public honour roll (光荣榜); audited."""
    return _set_choice(user_id, "honour_roll_opt_out", opt_out, "user.honour_roll_choice", actor)


def set_care_mode(user_id: int, on: bool, actor) -> User:
    """Large text and big buttons (关怀模式) for this person, kept across sign-ins; audited."""
    return _set_choice(user_id, "care_mode", on, "user.care_mode", actor)
