"""The monthly public notice: figures against hand-computed ones, masking, strict arguments, page and CSV."""

from datetime import timedelta

from core.timeutil import shanghai_today
from extensions import db
from tests.factories import bearer, make_user, sign_in
from tests.factories_accounts import make_community
from tests.factories_points import approve, load_user, log, make_activity, make_team
from tests.factories_reports import place_user
from tests.factories_store import give_points, make_item, make_store


def _redeem(app, store_id, item_id, resident_id, keeper, key, quantity=1) -> int:
    from redemption import services

    with app.test_request_context():
        return services.redeem(services.RedeemRequest(store_id, resident_id, (services.Line(item_id, quantity),),
                                                      key=key), load_user(keeper.id)).id


def _void(app, redemption_id, admin) -> None:
    from redemption.void import void_redemption

    with app.test_request_context():
        void_redemption(redemption_id, "扫错了", load_user(admin.id), key=f"void:{redemption_id}")
        db.session.remove()


def _commend(app, person, admin, key) -> None:
    from points import awards

    with app.test_request_context():
        awards.grant_commendation(person.id, "excellent_volunteer", "照顾老人", load_user(admin.id), key=key)


def world(app):
    """和平里社区: 张小伟 serves 90 + 30 min, is commended (+100), redeems 2×10 (one voided 10 more);
    李明 serves 60 min last month only; 王芳 of another community serves 120 min this month."""
    today = shanghai_today()
    community = make_community(app, "和平里社区")["id"]
    other_community = make_community(app, "朝阳社区")["id"]
    admin, lead, keeper = make_user(app, "admin"), make_user(app, "team_lead"), make_user(app, "store_keeper")
    zhang, li, wang = make_user(app, name="张小伟"), make_user(app, name="李明"), make_user(app, name="王芳")
    for person, where in ((zhang, community), (li, community), (wang, other_community)):
        place_user(app, person.id, where)
    team = make_team(app, leads=[lead], members=[zhang, li, wang])
    this_month = make_activity(app, team, lead, day=today)
    second = make_activity(app, team, lead, day=today)
    last_month = make_activity(app, team, lead, day=today.replace(day=1) - timedelta(days=1))
    for activity, person, minutes in ((this_month, zhang, 90), (second, zhang, 30), (last_month, li, 60),
                                      (this_month, wang, 120)):
        approve(app, log(app, activity, person, minutes, lead), admin)
    _commend(app, zhang, admin, "m:commend")
    store = make_store(app, keeper.id)
    item = make_item(app, store.id, price=10, stock=20)
    give_points(app, zhang.id, 50)
    _redeem(app, store.id, item, zhang.id, keeper, "m:r1", quantity=2)
    _void(app, _redeem(app, store.id, item, zhang.id, keeper, "m:r2"), admin)
    return {"community": community, "month": f"{today.year:04d}-{today.month:02d}", "admin": admin,
            "last_month": f"{(today.replace(day=1) - timedelta(days=1)):%Y-%m}", "zhang": zhang}


def test_the_months_figures_are_the_hand_computed_ones(app, client):
    w = world(app)
    headers = bearer(app, w["admin"])
    body = client.get(f"/api/v1/reports/monthly?community_id={w['community']}&month={w['month']}",
                      headers=headers).get_json()
    # 张小伟: 120 minutes (20 points at 10/h) + 100 commended = 120 earned; 20 redeemed (the voided 10 not).
    # (The 50 the factory gives is a bare ledger credit, not an admin's adjustment, so it is not "earned".)
    assert body["items"] == [{"name": "张*伟", "service_minutes": 120, "points_earned": 120, "points_redeemed": 20}]
    last = client.get(f"/api/v1/reports/monthly?community_id={w['community']}&month={w['last_month']}",
                      headers=headers).get_json()
    assert last["items"] == [{"name": "李*", "service_minutes": 60, "points_earned": 10, "points_redeemed": 0}]


def test_bad_arguments_answer_422_naming_each_field(app, client):
    admin = make_user(app, "admin")
    headers = bearer(app, admin)
    for query, fields in (("", {"community_id", "month"}), ("community_id=abc&month=2026-13", {"community_id", "month"}),
                          ("community_id=１&month=2026-05", {"community_id"}), ("community_id=999999&month=2026-05",
                                                                               {"community_id"}),
                          ("community_id=99999999999999999999&month=2026-5", {"community_id", "month"})):
        response = client.get(f"/api/v1/reports/monthly?{query}", headers=headers)
        assert response.status_code == 422, query
        assert set(response.get_json()["error"]["fields"]) == fields, query


def test_only_admins_and_auditors_read_it(app, client):
    community = make_community(app, "民生社区")["id"]
    url = f"/api/v1/reports/monthly?community_id={community}&month=2026-05"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(app, make_user(app))).status_code == 403
    assert client.get(url, headers=bearer(app, make_user(app, "auditor"))).status_code == 200


def test_the_printable_page_masks_names_and_has_the_heading(app, client):
    w = world(app)
    sign_in(client, w["admin"])
    page = client.get(f"/notices/monthly?community_id={w['community']}&month={w['month']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "张*伟" in html and "张小伟" not in html.split("<main")[1]
    assert "和平里社区" in html and w["month"] in html
    assert client.get(f"/notices/monthly?community_id=x&month={w['month']}").status_code == 422
    assert client.get("/notices/monthly").status_code == 200


def test_forty_people_fill_one_sheet_and_the_41st_starts_another(app, client):
    today = shanghai_today()
    community = make_community(app, "金花园社区")["id"]
    admin, lead = make_user(app, "admin"), make_user(app, "team_lead")
    people = [make_user(app, name=f"志愿者{n:02d}号") for n in range(41)]
    for person in people:
        place_user(app, person.id, community)
    team = make_team(app, leads=[lead], members=people)
    activity = make_activity(app, team, lead, day=today)
    for person in people:
        approve(app, log(app, activity, person, 30, lead), admin)
    sign_in(client, admin)
    html = client.get(f"/notices/monthly?community_id={community}&month={today:%Y-%m}").get_data(as_text=True)
    assert html.count('data-test="sheet"') == 2
    assert html.count('data-test="monthly-row"') == 41


def test_the_csv_has_the_same_figures(app, client):
    w = world(app)
    sign_in(client, w["admin"])
    response = client.get(f"/notices/monthly.csv?community_id={w['community']}&month={w['month']}")
    assert response.status_code == 200
    text = response.get_data().decode("utf-8-sig")
    assert text.splitlines()[1] == "张*伟,120,2.0,120,20"
    assert client.get("/notices/monthly.csv?community_id=&month=").status_code == 422
