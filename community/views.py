"""Pages for micro-wishes: the public wish board (phone-first) and the admins' checking desk.

The needs list, units and party members' pages register on the same blueprint (views_*.py).
"""

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from accounts.decorators import role_required
from accounts.models import User
from community import views_needs, views_party, wishes  # noqa: F401  (their routes join the blueprint)
from community.models import WISH_STATES, Wish
from community.pages import act, back_to, bp, form_data
from core.errors import ValidationFailed
from extensions import db
from points.models import CommendationType

BOARD_SIZE = 100


@bp.get("/wishes")
def wish_board():
    """PUBLIC: published and claimed wishes, masked names, never a phone or an address."""
    board = wishes.board_views(list(db.session.execute(
        wishes.board_stmt().order_by(Wish.id.desc()).limit(BOARD_SIZE)).scalars()))
    mine = claimed = []
    if current_user.is_authenticated:
        mine = list(db.session.execute(sa.select(Wish).where(Wish.wisher_id == current_user.id)
                                       .order_by(Wish.id.desc()).limit(50)).scalars())
        claimed = list(db.session.execute(sa.select(Wish).where(Wish.claimer_id == current_user.id)
                                          .order_by(Wish.id.desc()).limit(50)).scalars())
    own_ids = {w.id for w in mine}
    response = render_template("community/wish_board.html", board=board, mine=mine, claimed=claimed,
                               own_ids=own_ids)
    return response, 200, {"Vary": "Cookie, Accept-Language"}


@bp.post("/wishes")
@login_required
def post_wish():
    """A signed-in resident posts a wish from their phone (an admin checks it before it shows)."""
    return act(lambda: wishes.post_wish(form_data("title", "details"), current_user),
               _("Thank you. Your wish was sent; it shows on the board once the community has checked it."),
               back_to("community.wish_board"))


@bp.post("/wishes/<int:wish_id>/claim")
@login_required
def claim_wish(wish_id: int):
    """Claim a published wish (never one's own)."""
    return act(lambda: wishes.claim_wish(wish_id, current_user),
               _("You claimed this wish. Thank you!"), back_to("community.wish_board"))


@bp.post("/wishes/<int:wish_id>/fulfil")
@login_required
def fulfil_wish(wish_id: int):
    """The claimer says how the wish was fulfilled."""
    return act(lambda: wishes.fulfil_wish(wish_id, form_data("note"), current_user),
               _("Thank you. The community will confirm it."), back_to("community.wish_board"))


def _wisher_id() -> int | str | None:
    """The resident an admin posts for, named by username or id."""
    ref = (request.form.get("for_user") or "").strip()
    if not ref:
        return None
    found = db.session.execute(sa.select(User.id).where(User.username == ref[:40])).scalar_one_or_none()
    if found is None and ref.isascii() and ref.isdigit() and len(ref) < 10:
        found = db.session.execute(sa.select(User.id).where(User.id == int(ref))).scalar_one_or_none()
    return found if found is not None else 0


@bp.get("/community/wishes")
@role_required("admin")
def wishes_admin():
    """Admins check, publish and confirm wishes; auditors read."""
    status = request.args.get("status", "submitted")
    if status not in WISH_STATES:
        status = "submitted"
    rows = db.session.execute(sa.select(Wish).where(Wish.status == status).order_by(Wish.id.desc())
                              .limit(200)).scalars().all()
    ids = {w.wisher_id for w in rows} | {w.claimer_id for w in rows if w.claimer_id}
    people = {u.id: u for u in db.session.execute(sa.select(User).where(User.id.in_(ids))).scalars()} if ids else {}
    counts = dict(db.session.execute(sa.select(Wish.status, sa.func.count()).group_by(Wish.status)).all())
    types = db.session.execute(sa.select(CommendationType).where(CommendationType.active)
                               .order_by(CommendationType.points)).scalars().all()
    return render_template("community/wishes_admin.html", rows=rows, people=people, status=status,
                           states=WISH_STATES, counts=counts, types=types)


@bp.post("/community/wishes")
@role_required("admin")
def post_wish_for():
    """An admin posts a wish for a resident without a phone."""
    def call():
        wisher = _wisher_id()
        if wisher == 0:
            raise ValidationFailed({"for_user_id": _("No such person.")})
        data = form_data("title", "details")
        if wisher is not None:
            data["for_user_id"] = wisher
        wishes.post_wish(data, current_user)

    return act(call, _("The wish was recorded; publish it once it has been checked."),
               back_to("community.wishes_admin"))


@bp.post("/community/wishes/<int:wish_id>/publish")
@role_required("admin")
def publish_wish(wish_id: int):
    """Publish a checked wish on the board."""
    return act(lambda: wishes.publish_wish(wish_id, current_user), _("Published on the wish board."),
               back_to("community.wishes_admin", status="submitted"))


@bp.post("/community/wishes/<int:wish_id>/confirm")
@role_required("admin")
def confirm_wish(wish_id: int):
    """Close a fulfilled wish, optionally crediting the claimer a commendation's points."""
    kind = (request.form.get("commendation_type") or "").strip()
    body = {"commendation_type": kind} if kind else {}
    return act(lambda: wishes.confirm_wish(wish_id, body, current_user, key=f"wish:{wish_id}"),
               _("The wish is closed."), back_to("community.wishes_admin", status="fulfilled"))


