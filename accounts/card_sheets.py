"""A4 sheets of member cards (10 a sheet, cut marks) for a community or one of its grids."""

import sqlalchemy as sa
from flask import abort, render_template, request
from sqlalchemy.orm import selectinload

from accounts.cards import card_context
from accounts.decorators import role_required
from accounts.models import Community, Grid, User, UserRole
from core.validate import parse_id, parse_page
from extensions import db

CARDS_PER_SHEET = 10
SHEETS_PER_PRINT = 20  # 200 cards a print job; a bigger community prints page by page


def _id_arg(name: str) -> int | None:
    """An optional id from the query string: absent is None, anything but an id is a 400."""
    raw = request.args.get(name, "")
    if raw == "":
        return None
    return parse_id(raw) or abort(400)


def _holders(community_id: int, grid_id: int | None, page: int):
    """Active residents with a card in the community (or grid), by grid and name; one print's worth."""
    stmt = (
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "resident", User.active.is_(True), User.card_code.is_not(None),
               User.community_id == community_id)
        .options(selectinload(User.community), selectinload(User.grid))
        .order_by(User.grid_id, User.name, User.id)
    )
    if grid_id is not None:
        stmt = stmt.where(User.grid_id == grid_id)
    per_print = CARDS_PER_SHEET * SHEETS_PER_PRINT
    return db.paginate(stmt, page=page, per_page=per_print, error_out=False)


@role_required("admin", readers=())  # card codes spend points: not for readers
def card_sheets():
    """Pick a community or grid; print its residents' cards on A4, 10 to a sheet."""
    communities = db.session.execute(
        sa.select(Community).options(selectinload(Community.grids)).order_by(Community.name)).scalars().all()
    community_id, grid_id = _id_arg("community_id"), _id_arg("grid_id")
    page = parse_page(request.args.get("page"))
    community = db.session.get(Community, community_id) if community_id else None
    if community_id and community is None:
        abort(404)
    grid = db.session.get(Grid, grid_id) if grid_id else None
    if grid_id and (grid is None or grid.community_id != community_id):
        abort(404)
    sheets, pagination = [], None
    if community is not None:
        pagination = _holders(community.id, grid_id, page)
        cards = [card_context(user) for user in pagination.items]
        sheets = [cards[i:i + CARDS_PER_SHEET] for i in range(0, len(cards), CARDS_PER_SHEET)]
    return render_template("accounts/card_sheets.html", communities=communities, community=community,
                           grid=grid, sheets=sheets, page=pagination)
