"""The counter: pick the store, identify a resident (scanner, camera or search), fill a basket, confirm."""

import sqlalchemy as sa
from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from accounts.decorators import role_required
from accounts.models import User
from accounts.proxies import proxies_of
from core.errors import DomainError, InvalidCard
from core.privacy import mask_name
from core.validate import parse_int
from extensions import db
from points import ledger
from redemption import gates, services
from redemption.forms import MAX_QUANTITY, CardForm, RedeemForm, StorePickForm
from redemption.models import Item, Store
from redemption.views.blueprint import bp, form_key, my_store_ids, parse_id, stores_by_id

SESSION_STORE = "counter_store_id"
SESSION_CARD = "counter_card_resident"  # the resident whose card was last scanned at this counter
SESSION_NEXT = "counter_next_resident"  # a card scanned while a basket was open, served after its receipt
SEARCH_MAX = 50
FOUND_BY_CARD, FOUND_BY_SEARCH = "card", "search"


def _found_by(resident_id: int) -> str:
    """'card' only when this counter session scanned that resident's card; a search or an id in the URL is 'search'."""
    return FOUND_BY_CARD if session.get(SESSION_CARD) == resident_id else FOUND_BY_SEARCH


def _serving_self(resident: User) -> bool:
    return resident.id == current_user.id


def _self_refusal() -> str:
    return _("You cannot redeem for yourself: another store keeper or an admin serves you.")


def _counter_store(ids: list[int]) -> Store | None:
    """The store this counter serves: the remembered choice, or the only store kept."""
    chosen = session.get(SESSION_STORE)
    if chosen in ids:
        return db.session.get(Store, chosen)
    if len(ids) == 1:
        return db.session.get(Store, ids[0])
    return None


def _store_items(store_id: int) -> list[Item]:
    return list(db.session.execute(
        sa.select(Item).where(Item.store_id == store_id, Item.active.is_(True)).order_by(Item.category, Item.name)
    ).scalars())


def _basket_rows(items: list[Item], allowance: dict, quantities: dict) -> list[dict]:
    rows = []
    for item in items:
        allowed = allowance.get(item.id)
        limit = item.stock if allowed is None else min(item.stock, allowed)
        rows.append({"item": item, "allowed": allowed, "max": max(limit, 0), "qty": quantities.get(item.id, 0)})
    return rows


def _render(store: Store | None, *, ids: list[int], resident: User | None = None, error: str | None = None,
            quantities: dict | None = None, status: int = 200, card_form: CardForm | None = None):
    """The counter page: scan box always; with a resident, their balance and the basket."""
    context = {
        "store": store, "many_stores": len(ids) > 1, "resident": resident, "error": error,
        "card_form": card_form or CardForm(formdata=None), "rows": [], "balance": None,
        "found_by": _found_by(resident.id) if resident is not None else None,
        "proxies": proxies_of(resident.id) if resident is not None else [],
        "chosen_proxy": parse_id(request.form.get("proxy_id")) if request.method == "POST" else None,
    }
    if store is not None and resident is not None:
        items = _store_items(store.id)
        allowance = services.monthly_allowance(resident.id, [i.id for i in items]) if items else {}
        balance = ledger.user_balance(resident.id)
        # The policy's gates, shown before a basket is built; a refused resident gets no basket.
        gate = gates.counter_gate(resident.id)
        context.update(gate=gate, quarter_note=None if gate else gates.quarter_note(resident.id))
        rows = [] if gate else _basket_rows(items, allowance, quantities or {})
        redeem_form = RedeemForm(formdata=None, resident_id=str(resident.id), store_id=str(store.id))
        context.update(rows=rows, balance=balance, redeem_form=redeem_form, basket_data={
            "balance": balance,
            "resident": mask_name(resident.name),
            "items": [{"id": r["item"].id, "name": r["item"].name, "price": r["item"].price, "max": r["max"],
                       "stock": r["item"].stock, "allowed": r["allowed"], "barcode": r["item"].barcode or "",
                       "category": r["item"].category or ""} for r in rows],
            "text": _basket_text(),
        })
    return render_template("redemption/counter.html", **context), status


def _basket_text() -> dict:
    """Messages the counter script shows, in the keeper's language ({x} are filled in by the script)."""
    return {
        "over_balance": _("The basket costs %(n)s points more than the balance.", n="{n}"),
        "over_stock": _("%(name)s: only %(n)s in stock.", name="{name}", n="{n}"),
        "over_monthly": _("%(name)s: only %(n)s more this month (monthly limit).", name="{name}", n="{n}"),
        "not_quantity": _("%(name)s: the quantity must be a whole number.", name="{name}"),
        "empty": _("Add at least one item."),
        "ready": _("Ready: check the total with the resident, then press Confirm."),
        "open_basket": _("%(name)s has a basket of %(count)s items / %(points)s points open: confirm it, or "
                         "discard it and serve the next resident.", name="{name}", count="{count}",
                         points="{points}"),
        "barcode_unknown": _("No goods with the barcode %(code)s in this store.", code="{code}"),
        "barcode_added": _("Added one %(name)s.", name="{name}"),
        "barcode_full": _("%(name)s: no more can be added (stock, monthly limit or balance).", name="{name}"),
        "no_match": _("No goods match “%(q)s”.", q="{q}"),
    }


def _resident(resident_id: int | None) -> User | None:
    user = db.session.get(User, resident_id) if resident_id else None
    return user if user is not None and user.active else None


@bp.get("/counter")
@role_required("store_keeper")
def counter():
    """The counter page; ?resident=<id> shows that person's balance and the basket."""
    ids = my_store_ids()
    store = _counter_store(ids)
    if store is None and len(ids) > 1:
        return redirect(url_for(".choose_store"))
    if "resident" not in request.args:
        return _render(store, ids=ids)
    resident = _resident(parse_id(request.args.get("resident")))
    if resident is None:
        return _render(store, ids=ids, error=_("No such resident."), status=404)
    if _serving_self(resident):
        return _render(store, ids=ids, error=_self_refusal(), status=403)
    session.pop(SESSION_NEXT, None)
    return _render(store, ids=ids, resident=resident)


@bp.route("/counter/store", methods=["GET", "POST"])
@role_required("store_keeper")
def choose_store():
    """Keepers of several stores say which one this counter serves; remembered in the session."""
    stores = stores_by_id(my_store_ids())
    form = StorePickForm()
    form.store_id.choices = [SelectChoice(s.id, s.name) for s in stores]
    if form.validate_on_submit():
        session[SESSION_STORE] = form.store_id.data
        return redirect(url_for(".counter"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("redemption/counter_pick.html", form=form, stores=stores), status


@bp.post("/counter/identify")
@role_required("store_keeper")
def identify():
    """A scanned or typed card code → the counter with that resident."""
    ids = my_store_ids()
    store = _counter_store(ids)
    form = CardForm()
    if not form.validate_on_submit():
        return _render(store, ids=ids, error=_("Scan a member card or type its code."), status=422)
    from accounts.services import find_by_card

    try:
        resident = find_by_card(form.code.data)
    except InvalidCard as refused:
        return _render(store, ids=ids, error=str(refused.message), status=404)
    if _serving_self(resident):
        return _render(store, ids=ids, error=_self_refusal(), status=403)
    session[SESSION_CARD] = resident.id
    return redirect(url_for(".counter", resident=resident.id), 303)


def _remember_next_card(raw_code: str | None) -> None:
    """A card scanned while the basket was open: once confirmed, the receipt offers to serve that resident."""
    from accounts.services import find_by_card

    session.pop(SESSION_NEXT, None)
    if not raw_code or len(raw_code) > 64:
        return
    try:
        resident = find_by_card(raw_code)
    except InvalidCard:
        return  # the keeper scans it again on the receipt page
    if not _serving_self(resident):
        session[SESSION_CARD] = resident.id
        session[SESSION_NEXT] = resident.id


@bp.get("/counter/search")
@role_required("store_keeper")
def search():
    """htmx: people matching a name, phone or pinyin initials, as a short list of links."""
    q = (request.args.get("q") or "").strip()[:SEARCH_MAX]
    people = []
    if q and q.isprintable():
        from accounts.services import search_people

        people = [p for p in search_people(q, limit=10) if p.active]
    return render_template("redemption/_search_results.html", people=people, q=q)


def _quantities() -> tuple[dict[int, int], list[int | None]]:
    """qty-<item id> fields → ({item id: quantity > 0}, the item ids whose value is not a quantity)."""
    wanted, bad = {}, []
    for name, raw in request.form.items():
        if not name.startswith("qty-"):
            continue
        item_id = parse_id(name[4:])
        quantity = parse_int(raw.strip() or "0", max_value=MAX_QUANTITY)  # ASCII digits only
        if item_id is None or quantity is None:
            bad.append(item_id)
            continue
        if quantity > 0:
            wanted[item_id] = quantity
    return wanted, bad


def _item_names(store_id: int, item_ids: list[int | None]) -> list[str]:
    """The names of those items of this store, so a refusal says which goods it means."""
    ids = [i for i in item_ids if i is not None]
    if not ids:
        return []
    return list(db.session.execute(
        sa.select(Item.name).where(Item.store_id == store_id, Item.id.in_(ids)).order_by(Item.name)).scalars())


@bp.post("/counter/redeem")
@role_required("store_keeper")
def confirm():
    """Redeem the basket; the same form posted twice charges once and shows the same receipt."""
    ids = my_store_ids()
    form = RedeemForm()
    store_id, resident_id = parse_id(form.store_id.data), parse_id(form.resident_id.data)
    store = db.session.get(Store, store_id) if store_id in ids else None
    if store is None:
        return _render(_counter_store(ids), ids=ids, error=_("You do not keep this store."), status=403)
    resident = _resident(resident_id)
    if resident is None:
        return _render(store, ids=ids, error=_("No such resident."), status=404)
    if _serving_self(resident):
        return _render(store, ids=ids, error=_self_refusal(), status=403)
    wanted, bad_items = _quantities()
    if not form.validate_on_submit() or bad_items:
        names = ", ".join(_item_names(store.id, bad_items))
        message = _("Quantities must be whole numbers from 0 to %(n)s.", n=MAX_QUANTITY)
        if names:
            message = _("%(names)s: quantities must be whole numbers from 0 to %(n)s.", names=names, n=MAX_QUANTITY)
        return _render(store, ids=ids, resident=resident, quantities=wanted, status=422, error=message)
    if not wanted:
        return _render(store, ids=ids, resident=resident, error=_("Add at least one item."), status=422)
    lines = tuple(services.Line(item_id=i, quantity=q) for i, q in sorted(wanted.items()))
    raw_proxy = (request.form.get("proxy_id") or "").strip()
    proxy_id = parse_id(raw_proxy) if raw_proxy else None
    if raw_proxy and proxy_id is None:
        return _render(store, ids=ids, resident=resident, quantities=wanted, status=422,
                       error=_("This person is not a proxy of the resident."))
    request_ = services.RedeemRequest(
        store_id=store.id, resident_id=resident.id, lines=lines, key=form_key(form.idempotency_key.data),
        found_by=_found_by(resident.id), proxy_id=proxy_id,
    )
    try:
        redemption = services.redeem(request_, current_user._get_current_object())
    except DomainError as refused:
        message = str(refused.message)
        if refused.fields:
            message += " " + "; ".join(str(v) for v in refused.fields.values())
        return _render(store, ids=ids, resident=resident, quantities=wanted, error=message, status=refused.status)
    _remember_next_card(request.form.get("next_code"))
    return redirect(url_for(".receipt", redemption_id=redemption.id), 303)
