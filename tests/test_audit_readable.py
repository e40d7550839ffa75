"""The audit trail reads as sentences naming people, links to the objects, and folds sign-ins away."""

from tests.factories import make_user, sign_in
from tests.factories_points import approve, crew, log


def test_an_approval_reads_as_a_sentence_with_names_and_the_raw_event_one_click_away(app, client):
    c = crew(app)
    approve(app, log(app, c.activity_id, c.a, 120, c.lead), c.admin)
    auditor = make_user(app, "auditor", name="审计员")
    sign_in(client, auditor)
    html = client.get("/audit/?action=hours.approved").get_data(as_text=True)
    assert f"{c.admin.name} approved 2 hours of {c.a.name} (+20 points)." in html
    assert "Raw event" in html and "<code>hours.approved</code>" in html
    logged = client.get("/audit/?action=hours.logged").get_data(as_text=True)
    assert f"{c.lead.name} logged 2 hours of {c.a.name}" in logged


def test_consecutive_sign_ins_fold_into_one_group_and_people_link_to_their_page(app, client):
    admin = make_user(app, "admin", name="管理员甲")
    for _ in range(3):
        other = app.test_client()
        sign_in(other, make_user(app, name="居民乙"))
    sign_in(client, admin)
    html = client.get("/audit/").get_data(as_text=True)
    assert "sign-in events" in html and 'class="audit-sign-ins"' in html
    people = client.get("/audit/?action=user.created").get_data(as_text=True)
    assert "/people/" in people and "added 居民乙." in people


def test_the_kind_filter_offers_labels_and_groups(app, client):
    sign_in(client, make_user(app, "admin"))
    html = client.get("/audit/").get_data(as_text=True)
    assert '<option value="hours.">All hours</option>' in html
    assert '<option value="hours.approved">Hours approved</option>' in html
    assert client.get("/audit/?action=hours.").status_code == 200
    assert "Asia/Shanghai" not in html
