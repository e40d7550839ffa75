"""The resident's pages read in a fixed, small number of statements, and still show the same things.

Statement budgets (issue 6): the signed-in user (roles joined) is one statement; home adds its figures,
the star levels, the latest entries and the latest hour records; history its account and one page
with the count; the catalogue the stores (with balance and unread count) and one page of items.
"""

import re

import sqlalchemy as sa
from flask import render_template_string
from flask_babel import force_locale

from core.paging import Page, paged, with_total
from extensions import db
from notifications.services import unread_count
from tests.factories import make_user, sign_in
from tests.factories_points import approve, crew, log, make_activity, spend
from tests.factories_store import counter_setup, make_item
from tests.test_query_plans import Captured

BUDGET = {"/": 5, "/history": 3, "/store/catalogue": 3, "/store/catalogue?affordable=1": 3}


def selects(app, client, url: str) -> tuple[int, str]:
    with app.app_context():
        engine = db.engine
    with Captured(engine) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.statements), response.get_data(as_text=True)


def test_each_resident_page_stays_within_its_statement_budget_and_shows_its_figures(app, client):
    c = crew(app)
    for _ in range(2):
        approve(app, log(app, c.activity_id, c.a, 60, c.lead), c.admin)
        c.activity_id = make_activity(app, c.team_id, c.lead)
    spend(app, c.a, 3)
    with app.app_context():
        unread = unread_count(c.a.id)  # the approvals told them
    assert unread >= 2
    setup = counter_setup(app, points=0, monthly_limit=2)
    sign_in(client, c.a)
    for url, budget in BUDGET.items():
        count, html = selects(app, client, url)
        assert count <= budget, (url, count)
        assert re.search(rf'id="unread-badge">{unread}<', html), url  # the header's count, read with the page
    _, home = selects(app, client, "/")
    assert re.search(r'id="balance">17<', home)  # 2 × 10 earned, 3 spent
    assert home.count("points-entries") == 1 and "−3" in home and "+10" in home
    _, history = selects(app, client, "/history")
    assert history.count('class="list-group-item d-flex') == 3  # two awards and the spending
    _, shop = selects(app, client, "/store/catalogue")
    assert "Limit 2 a month; 2 left for you" in shop and str(setup.store.id) in shop


def test_a_person_with_no_account_yet_sees_empty_pages_without_errors(app, client):
    newcomer = make_user(app)
    sign_in(client, newcomer)
    for url in ("/", "/history", "/history?page=3", "/store/catalogue"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "No entries yet." in client.get("/history").get_data(as_text=True)
    assert "No store is open yet." in client.get("/store/catalogue").get_data(as_text=True)


def test_a_page_past_the_end_counts_once_and_says_how_many_pages_there_are(app):
    counter_setup(app)
    with app.app_context():
        from redemption.models import Item

        stmt = with_total(sa.select(Item.id).order_by(Item.id))
        first = paged(db.session, stmt, 1, 1)
        assert (first.total, first.pages, first.has_next, first.has_prev) == (1, 1, False, False)
        past = paged(db.session, stmt, 4, 1)
        assert (past.items, past.total, past.pages, past.prev_num) == ([], 1, 1, 3)
    empty = Page(items=[], page=1, per_page=20, total=0)
    assert (empty.pages, empty.has_next, empty.next_num, list(empty)) == (0, False, None, [])


def test_the_affordable_filter_and_the_monthly_limit_left_come_from_one_statement(app, client):
    setup = counter_setup(app, points=15, price=10, monthly_limit=1)
    with app.app_context():
        pricey = make_item(app, setup.store.id, name="大米", price=50)
        empty = make_item(app, setup.store.id, name="食用油", price=1, stock=0)
    sign_in(client, setup.resident)
    url = f"/store/catalogue?store={setup.store.id}"
    everything = client.get(url).get_data(as_text=True)
    assert "大米" in everything and "食用油" in everything and "1 left for you" in everything
    count, affordable = selects(app, client, url + "&affordable=1")
    assert count <= BUDGET["/store/catalogue?affordable=1"]
    assert "大米" not in affordable and "食用油" not in affordable and "1 left for you" in affordable
    assert pricey and empty


def test_the_navigation_is_kept_apart_per_role_and_language(app, client):
    resident, admin = make_user(app), make_user(app, "admin")
    sign_in(client, resident)
    plain = client.get("/").get_data(as_text=True)
    chinese = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    client.post("/sign-out")
    other = app.test_client()
    sign_in(other, admin)
    admin_page = other.get("/").get_data(as_text=True)
    assert 'href="/audit/"' in admin_page and 'href="/audit/"' not in plain
    assert ">Catalogue<" in plain and ">Catalogue<" not in chinese
    again = client.get("/")  # signed out now: the page sends them to sign in, no one else's menu
    assert again.status_code in (302, 303)


def test_template_translations_follow_force_locale_within_one_request(app):
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        chinese = render_template_string("{{ _('Catalogue') }}")
        with force_locale("en"):
            english = render_template_string("{{ _('Catalogue') }}")
        assert render_template_string("{{ _('Catalogue') }}") == chinese
    assert english == "Catalogue" and chinese != "Catalogue"
