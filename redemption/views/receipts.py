"""Receipts (A4 or 58 mm), voids, and the resident's own redemptions."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from accounts.decorators import role_required
from core.errors import DomainError
from core.timeutil import shanghai_date, shanghai_today
from core.validate import parse_page
from extensions import db
from redemption import services
from redemption.forms import VoidForm
from redemption.models import Redemption
from redemption.views.blueprint import bp, form_key, get_or_404, my_store_ids

PER_PAGE = 10


def _keeps(store_id: int) -> bool:
    return current_user.has_role("store_keeper") and store_id in my_store_ids()


def _visible_redemption(redemption_id: int) -> Redemption:
    """The redemption if this person may see it (its store's keeper, admin, auditor, its resident), else 404."""
    redemption = get_or_404(Redemption, redemption_id)
    if not (
        current_user.has_role("admin", "auditor")
        or redemption.resident_id == current_user.id
        or _keeps(redemption.store_id)
    ):
        abort(404)
    return redemption


def _void_state(redemption: Redemption) -> str:
    """'form' when this person may void it now, 'closed' for a keeper after the day, else ''."""
    if redemption.status != "completed":
        return ""
    if current_user.has_role("admin"):
        return "form"
    if _keeps(redemption.store_id):
        return "form" if shanghai_date(redemption.created_at) == shanghai_today() else "closed"
    return ""


def _render_receipt(redemption: Redemption, form: VoidForm | None = None, status: int = 200):
    from accounts.models import User
    from redemption.views.counter import SESSION_NEXT

    voided_by = db.session.get(User, redemption.voided_by_id) if redemption.voided_by_id else None
    is_keeper = _keeps(redemption.store_id)
    next_id = session.get(SESSION_NEXT) if is_keeper else None
    next_resident = db.session.get(User, next_id) if isinstance(next_id, int) else None
    return render_template(
        "redemption/receipt.html", r=redemption, void_state=_void_state(redemption),
        form=form or VoidForm(formdata=None), voided_by=voided_by,
        is_keeper=is_keeper, next_resident=next_resident,
    ), status


@bp.get("/redemptions/<int:redemption_id>")
@login_required
def receipt(redemption_id: int):
    """A printable receipt: number, time, store, keeper, resident, lines, total, balance after, status."""
    return _render_receipt(_visible_redemption(redemption_id))


@bp.post("/redemptions/<int:redemption_id>/void")
@role_required("store_keeper", "admin")
def void(redemption_id: int):
    """Void with a reason: a keeper of its store on the same day, an admin at any time."""
    redemption = _visible_redemption(redemption_id)
    form = VoidForm()
    if not form.validate_on_submit():
        return _render_receipt(redemption, form, 422)
    try:
        services.void_redemption(
            redemption.id, form.reason.data.strip(), current_user._get_current_object(),
            key=form_key(form.idempotency_key.data),
        )
    except DomainError as refused:
        flash(str(refused.message), "danger")
        return redirect(url_for(".receipt", redemption_id=redemption_id), 303)
    flash(_("The redemption was voided; the points and the stock are back."), "success")
    return redirect(url_for(".receipt", redemption_id=redemption_id), 303)


@bp.get("/my")
@login_required
def my_redemptions():
    """The signed-in person's redemptions with their lines, newest first."""
    page_number = parse_page(request.args.get("page"))
    page = db.paginate(
        sa.select(Redemption).where(Redemption.resident_id == current_user.id)
        .order_by(Redemption.created_at.desc(), Redemption.id.desc()),
        page=max(page_number, 1), per_page=PER_PAGE, error_out=False,
    )
    return render_template("redemption/my.html", page=page)
