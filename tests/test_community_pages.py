"""The community pages as people use them: the public wish board (masked), posting and claiming from a
phone, the admins' desk, the needs list, a unit's page, the annual record and its CSV, the dashboard."""

import csv
import io

import sqlalchemy as sa

from core.timeutil import shanghai_today
from extensions import db
from tests.factories import bearer, make_user, sign_in
from tests.factories_accounts import make_community
from tests.factories_community import make_need, make_party_member, make_unit, make_wish


def test_the_public_board_shows_masked_names_and_never_phones_addresses_or_details(app, client):
    wisher = make_user(app, name="王秀英", phone="13900001111")
    make_wish(app, wisher, state="published", title="换一个楼道灯泡")
    make_wish(app, make_user(app, name="李明华"), state="submitted", title="还没审核的心愿")
    page = client.get("/wishes")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "换一个楼道灯泡" in html and "王*英" in html
    assert "王秀英" not in html and "13900001111" not in html and "请帮忙" not in html  # details stay private
    assert "还没审核的心愿" not in html and "李明华" not in html
    assert "I will help" not in html  # anonymous visitors are asked to sign in first
    api = client.get("/api/v1/wishes").get_data(as_text=True)
    assert "王秀英" not in api and "13900001111" not in api and "请帮忙" not in api


def test_a_resident_posts_and_claims_from_the_board_and_fulfils_with_a_note(app):
    wisher, helper = make_user(app), make_user(app)
    wish_id = make_wish(app, make_user(app), state="published", title="冬季棉被")
    web = app.test_client()
    sign_in(web, wisher)
    posted = web.post("/wishes", data={"title": "智能手机使用教学", "details": "周末上午"})
    assert posted.status_code == 303
    assert "智能手机使用教学" in web.get("/wishes").get_data(as_text=True)  # under "My wishes"
    refused = web.post("/wishes", data={"title": ""}, follow_redirects=True)
    assert "required" in refused.get_data(as_text=True)

    other = app.test_client()
    sign_in(other, helper)
    assert other.post(f"/wishes/{wish_id}/claim").status_code == 303
    html = other.get("/wishes").get_data(as_text=True)
    assert "Wishes I claimed" in html and "Mark as fulfilled" in html
    again = web.post(f"/wishes/{wish_id}/claim", follow_redirects=True)
    assert "already claimed" in again.get_data(as_text=True)
    assert other.post(f"/wishes/{wish_id}/fulfil", data={"note": "已送到"}).status_code == 303
    with app.app_context():
        status = db.session.execute(sa.text("SELECT status FROM wishes WHERE id = :id"), {"id": wish_id}).scalar()
        count = db.session.execute(sa.text("SELECT count(*) FROM wishes")).scalar()
    assert status == "fulfilled" and count == 2
    assert web.post("/wishes/99999/claim").status_code == 404


def test_the_admins_desk_publishes_posts_for_a_resident_and_confirms_with_points(app):
    admin, elder = make_user(app, "admin"), make_user(app, name="赵大爷", username="zhaodaye")
    claimer = make_user(app)
    submitted = make_wish(app, make_user(app), state="submitted", title="轮椅维修")
    fulfilled = make_wish(app, make_user(app), state="fulfilled", claimer=claimer, title="一次理发")
    web = app.test_client()
    sign_in(web, admin)
    desk = web.get("/community/wishes").get_data(as_text=True)
    assert "轮椅维修" in desk and "Checked: publish" in desk
    assert web.post(f"/community/wishes/{submitted}/publish").status_code == 303
    assert web.post("/community/wishes", data={"for_user": "zhaodaye", "title": "陪同就医"}).status_code == 303
    nobody = web.post("/community/wishes", data={"for_user": "nobody-here", "title": "x"}, follow_redirects=True)
    assert "No such person" in nobody.get_data(as_text=True)
    assert web.post(f"/community/wishes/{fulfilled}/confirm",
                    data={"commendation_type": "excellent_volunteer"}).status_code == 303
    with app.app_context():
        rows = dict(db.session.execute(sa.text("SELECT title, status FROM wishes")).all())
        wisher = db.session.execute(sa.text("SELECT wisher_id FROM wishes WHERE title = '陪同就医'")).scalar()
    assert rows["轮椅维修"] == "published" and rows["一次理发"] == "closed" and wisher == elder.id
    balance = web.get(f"/api/v1/accounts/{claimer.id}", headers=bearer(app, admin)).get_json()["balance"]
    assert balance == 100

    auditor = app.test_client()
    sign_in(auditor, make_user(app, "auditor"))
    read = auditor.get("/community/wishes?status=submitted").get_data(as_text=True)
    assert "Checked: publish" not in read and "Post a wish for a resident" not in read
    assert auditor.post(f"/community/wishes/{submitted}/publish").status_code == 403


def test_a_units_contact_claims_and_completes_on_the_needs_page_and_the_unit_page_shows_it(app):
    community = make_community(app, "荷花池社区")["id"]
    contact, stranger, admin = make_user(app), make_user(app), make_user(app, "admin")
    unit_id = make_unit(app, "区人民医院", contacts=[contact])
    need_id = make_need(app, community, title="防诈骗宣讲")
    web = app.test_client()
    sign_in(web, contact)
    page = web.get("/community/needs").get_data(as_text=True)
    assert "防诈骗宣讲" in page and "Claim for my unit" in page
    assert web.post(f"/community/needs/{need_id}/claim", data={"unit_id": str(unit_id)}).status_code == 303
    assert web.post(f"/community/needs/{need_id}/complete", data={"note": "讲座两场"}).status_code == 303
    unit_page = web.get(f"/community/units/{unit_id}").get_data(as_text=True)
    assert "防诈骗宣讲" in unit_page and "讲座两场" in unit_page

    other = app.test_client()
    sign_in(other, stranger)
    assert "Claim for my unit" not in other.get("/community/needs").get_data(as_text=True)
    assert other.get(f"/community/units/{unit_id}").status_code == 404
    boss = app.test_client()
    sign_in(boss, admin)
    assert boss.post(f"/community/needs/{need_id}/confirm").status_code == 303
    assert "区人民医院" in boss.get("/community/units").get_data(as_text=True)
    assert boss.post("/community/units", data={"name": "第三中学", "contacts": "no-such-user"},
                     follow_redirects=True).status_code == 200
    with app.app_context():
        assert db.session.execute(sa.text("SELECT status FROM needs")).scalar() == "confirmed"
        assert db.session.execute(sa.text("SELECT count(*) FROM units")).scalar() == 1


def test_the_annual_record_page_marks_what_is_not_yet_done_and_exports_csv(app):
    unit_id = make_unit(app, "市税务局")
    busy = make_party_member(app, unit_id, name="李建国")
    make_party_member(app, unit_id, name="王芳芳")
    make_party_member(app, None, name="陈静")
    client = app.test_client()
    client.post("/api/v1/suggestions", headers=bearer(app, busy), json={"text": "增设快递柜"})
    web = app.test_client()
    sign_in(web, make_user(app, "admin"))
    html = web.get("/community/party").get_data(as_text=True)
    assert "市税务局" in html and "李建国" in html and "(no unit)" in html and "陈静" in html
    assert html.count("not-yet") == 4 + 4 + 3  # each member's missing items, marked
    assert web.get("/community/party?year=abc").status_code == 200  # a bad year shows this year
    export = web.get(f"/community/party.csv?year={shanghai_today().year}")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["Unit", "Name", "Suggestions"]
    by_name = {r[1]: r for r in rows[1:]}
    assert by_name["李建国"][2] == "1" and by_name["王芳芳"][2] == "0" and by_name["陈静"][0] == ""
    resident = app.test_client()
    sign_in(resident, make_user(app))
    assert resident.get("/community/party").status_code == 403


def test_the_admins_person_page_marks_a_party_member_their_unit_and_in_need(app):
    unit_id = make_unit(app, "供电公司")
    admin, person = make_user(app, "admin"), make_user(app, name="周建平")
    web = app.test_client()
    sign_in(web, admin)
    form = web.get(f"/people/{person.id}/edit")
    assert form.status_code == 200 and "供电公司" in form.get_data(as_text=True)
    saved = web.post(f"/people/{person.id}/edit", data={
        "name": "周建平", "roles": ["resident"], "active": "y", "party_member": "y", "in_need": "y",
        "unit_id": str(unit_id), "community_id": "", "grid_id": ""})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    with app.app_context():
        row = db.session.execute(sa.text("SELECT party_member, in_need, unit_id FROM users WHERE id = :id"),
                                 {"id": person.id}).one()
    assert (bool(row[0]), bool(row[1]), row[2]) == (True, True, unit_id)


def test_the_dashboard_has_the_community_section_with_charts_and_tables(app):
    community = make_community(app, "罗山社区")["id"]
    make_wish(app, make_user(app, community_id=community), state="claimed")
    make_need(app, community)
    make_unit(app, "区法院")
    make_party_member(app)
    web = app.test_client()
    sign_in(web, make_user(app, "auditor"))
    html = web.get("/reports/").get_data(as_text=True)
    assert 'id="community-section"' in html and "罗山社区" in html and "区法院" in html
    assert 'data-table="wishes"' in html and 'data-table="party"' in html and "<svg" in html


def test_the_dashboards_community_tables_export_as_csv_and_unknown_ones_are_404(app):
    community = make_community(app, "鼎园社区")["id"]
    make_wish(app, make_user(app, community_id=community), state="published")
    make_wish(app, make_user(app, community_id=community), state="submitted")
    make_unit(app, "区法院")
    web = app.test_client()
    sign_in(web, make_user(app, "admin"))
    wishes = web.get("/community/export/wishes.csv")
    rows = list(csv.reader(io.StringIO(wishes.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["Community", "submitted", "published", "claimed", "fulfilled", "closed", "Total"]
    assert rows[1] == ["鼎园社区", "1", "1", "0", "0", "0", "2"]
    assert web.get("/community/export/units.csv").status_code == 200
    assert web.get("/community/export/needs.csv").status_code == 200
    assert web.get("/community/export/nothing.csv").status_code == 404


def test_an_admin_replaces_a_units_contacts_on_its_page(app):
    old, new = make_user(app), make_user(app, username="new-contact")
    unit_id = make_unit(app, "第三中学", contacts=[old])
    web = app.test_client()
    sign_in(web, make_user(app, "admin"))
    assert web.post(f"/community/units/{unit_id}/contacts", data={"contacts": "new-contact"}).status_code == 303
    with app.app_context():
        ids = db.session.execute(sa.text("SELECT user_id FROM unit_contacts WHERE unit_id = :u"),
                                 {"u": unit_id}).scalars().all()
    assert ids == [new.id]
    contact = app.test_client()
    sign_in(contact, new)
    page = contact.get(f"/community/units/{unit_id}").get_data(as_text=True)
    assert "第三中学" in page and "unit-contacts" not in page  # a contact reads, only admins edit


def test_auditors_read_the_wish_desk_with_phones_masked(app):
    make_wish(app, make_user(app, name="黄建", phone="15169557225"), state="submitted")
    auditor = app.test_client()
    sign_in(auditor, make_user(app, "auditor"))
    html = auditor.get("/community/wishes").get_data(as_text=True)
    assert "黄建" in html and "151****7225" in html and "15169557225" not in html
    admin = app.test_client()
    sign_in(admin, make_user(app, "admin"))
    assert "15169557225" in admin.get("/community/wishes").get_data(as_text=True)
