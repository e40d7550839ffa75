"""Approvals: filters by team, activity, community and date (strict, kept in the URL, indexed),
rejected and reversed lists with their reasons, and messages that name the person and the activity."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.db import run_write
from core.timeutil import shanghai_today
from extensions import db
from points.models import Team
from tests.factories import make_user, sign_in
from tests.factories_accounts import make_community
from tests.factories_people import read_record, require_chinese
from tests.factories_points import approve, crew, log, make_activity, make_team
from tests.test_query_plans import pages_scan


def two_teams(app):
    """Crew's team in 和平社区 with today's 社区环境清洁, a second team with 关爱老人 ten days ago."""
    c = crew(app)
    community = make_community(app, "和平社区")["id"]
    with app.app_context():
        run_write(lambda: db.session.execute(sa.update(Team).where(Team.id == c.team_id)
                                             .values(community_id=community)))
    c.community_id = community
    c.cleaning = make_activity(app, c.team_id, c.lead, title="社区环境清洁")
    c.other_lead, c.volunteer = make_user(app, "team_lead"), make_user(app, name="王萍")
    c.other_team = make_team(app, leads=[c.other_lead], members=[c.volunteer])
    c.elders = make_activity(app, c.other_team, c.other_lead, title="关爱老人",
                             day=shanghai_today() - timedelta(days=10))
    c.near = log(app, c.cleaning, c.a, 180, c.lead)
    c.far = log(app, c.elders, c.volunteer, 120, c.other_lead)
    return c


def picked(record_id: int) -> str:
    """The queue's checkbox of one record."""
    return f'name="ids" value="{record_id}"'


def queue(client, query: str = "") -> str:
    response = client.get(f"/approvals{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_filters_narrow_the_queue_and_stay_in_the_url(app, client):
    c = two_teams(app)
    sign_in(client, c.admin)
    assert "社区环境清洁" in queue(client) and "关爱老人" in queue(client)

    by_team = queue(client, f"?team_id={c.other_team}")
    by_activity = queue(client, f"?activity_id={c.cleaning}")
    by_community = queue(client, f"?community_id={c.community_id}")
    since = (shanghai_today() - timedelta(days=3)).isoformat()
    by_date = queue(client, f"?since={since}")
    old = (shanghai_today() - timedelta(days=20)).isoformat()
    until = (shanghai_today() - timedelta(days=5)).isoformat()
    by_range = queue(client, f"?since={old}&until={until}")

    assert "关爱老人" in by_team and picked(c.near) not in by_team
    assert picked(c.near) in by_activity and picked(c.far) not in by_activity
    assert picked(c.near) in by_community and picked(c.far) not in by_community
    assert picked(c.near) in by_date and picked(c.far) not in by_date
    assert picked(c.far) in by_range and picked(c.near) not in by_range
    assert f'name="team_id" value="{c.other_team}"' in by_team  # the decision forms keep the filter


@pytest.mark.parametrize("query", ["?team_id=٣", "?team_id=99999999999999999999", "?activity_id=-1",
                                   "?community_id=424242", "?since=2026-13-01", "?since=20260501",
                                   "?until=2026-05-01%00", "?decided=everything"])
def test_bad_filters_are_named_and_never_a_server_error(app, client, query):
    c = crew(app)
    log(app, c.activity_id, c.a, 60, c.lead)
    sign_in(client, c.admin)
    response = client.get(f"/approvals{query}")
    assert response.status_code == 422
    assert "form-error-summary" in response.get_data(as_text=True)


def test_an_end_date_before_the_start_is_refused(app, client):
    c = crew(app)
    sign_in(client, c.admin)
    response = client.get("/approvals?since=2026-05-02&until=2026-05-01")
    assert response.status_code == 422 and "The end date is before the start date." in response.get_data(as_text=True)


def test_messages_name_the_person_and_the_activity_never_an_id(app, client):
    c = two_teams(app)
    sign_in(client, c.admin)

    rejected = client.post(f"/approvals/{c.far}/reject", data={"reason": "时长有误", "idempotency_key": "k1",
                                                                 "team_id": str(c.other_team)})
    assert rejected.status_code == 302 and f"team_id={c.other_team}" in rejected.headers["Location"]
    text = client.get(rejected.headers["Location"]).get_data(as_text=True)
    assert "Rejected 王萍&#39;s 2-hour record on “关爱老人”." in text
    assert f"Record {c.far}" not in text

    approved = client.post(f"/approvals/{c.near}/approve", data={"idempotency_key": "k2"}, follow_redirects=True)
    assert f"Approved {c.a.name}&#39;s 3-hour record on “社区环境清洁”" in approved.get_data(as_text=True)
    reversed_ = client.post(f"/approvals/{c.near}/reverse", data={"reason": "重复", "idempotency_key": "k3"},
                            follow_redirects=True)
    assert f"Reversed {c.a.name}&#39;s 3-hour record on “社区环境清洁”" in reversed_.get_data(as_text=True)


def test_the_chinese_message_reads_as_a_sentence(app, client):
    require_chinese(app)
    c = two_teams(app)
    sign_in(client, c.admin)
    response = client.post(f"/approvals/{c.far}/reject", data={"reason": "时长有误", "idempotency_key": "k1"},
                           headers={"Accept-Language": "zh-CN"}, follow_redirects=True)
    assert "已驳回 王萍 在「关爱老人」的 2 小时服务记录" in response.get_data(as_text=True)


def test_bulk_approval_names_the_people(app, client):
    c = two_teams(app)
    sign_in(client, c.admin)
    response = client.post("/approvals/approve", data={"ids": [str(c.near), str(c.far)]}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "2 of 2 records approved." in text and "王萍 (关爱老人)" in text and f"{c.a.name} (社区环境清洁)" in text


def test_rejected_withdrawn_and_reversed_records_are_listed_with_their_reasons(app, client):
    c = two_teams(app)
    sign_in(client, c.admin)
    client.post(f"/approvals/{c.far}/reject", data={"reason": "时长有误", "idempotency_key": "k1"})
    client.post("/sign-out")
    sign_in(client, c.lead)
    client.post(f"/lead/hours/{c.near}/withdraw", data={"reason": "登记错了人"})
    assert read_record(app, c.near).withdrawn
    client.post("/sign-out")
    again = log(app, c.cleaning, c.a, 60, c.lead)
    approve(app, again, c.admin)
    sign_in(client, c.admin)
    client.post(f"/approvals/{again}/reverse", data={"reason": "活动取消", "idempotency_key": "k4"})

    rejected = queue(client)
    reversed_ = queue(client, "?decided=reversed")

    assert "时长有误" in rejected and "登记错了人" in rejected and "Withdrawn by the team lead" in rejected
    assert "活动取消" in reversed_ and "时长有误" not in reversed_.split('id="decided-records"')[1]
    assert "活动取消" not in queue(client, f"?decided=reversed&team_id={c.other_team}").split('id="decided-records"')[1]


def test_the_filtered_approvals_pages_use_indexes(app, client):
    c = two_teams(app)
    sign_in(client, c.admin)
    day = shanghai_today().isoformat()
    urls = [(f"/approvals?team_id={c.team_id}", None), (f"/approvals?activity_id={c.cleaning}", None),
            (f"/approvals?community_id={c.community_id}", None), (f"/approvals?since={day}&until={day}", None),
            ("/approvals?decided=reversed", None),
            (f"/approvals?team_id={c.team_id}&since={day}&decided=reversed", None),
            (f"/approvals?team_id={c.team_id}&page=2&decided_page=2", None),
            (f"/approvals?community_id={c.community_id}&activity_id={c.cleaning}&page=2", None)]
    scans = pages_scan(app, client, urls)
    assert scans == [], "\n".join(scans)


def test_an_approval_of_what_the_page_showed_is_refused_once_the_lead_corrected_it(app, client):
    c = two_teams(app)
    sign_in(client, c.admin)
    page = queue(client)
    assert f'name="seen-{c.near}" value="180"' in page  # the page carries the minutes it showed
    with app.test_request_context():
        from points import hours_amend
        from tests.factories_points import load_user
        hours_amend.correct_minutes(c.near, 240, load_user(c.lead.id))

    one = client.post(f"/approvals/{c.near}/approve", data={"idempotency_key": "k9", "seen_minutes": "180"},
                      follow_redirects=True)
    bulk = client.post("/approvals/approve", data={"ids": [str(c.near), str(c.far)], f"seen-{c.near}": "180",
                                                    f"seen-{c.far}": "120"}, follow_redirects=True)

    assert "changed meanwhile" in one.get_data(as_text=True)
    assert "1 of 2 records approved." in bulk.get_data(as_text=True)
    assert read_record(app, c.near).status == "pending" and read_record(app, c.far).status == "approved"


def test_a_decided_page_counts_at_most_the_cap_and_says_so():
    from points.approval_filters import COUNT_CAP, DecidedPage

    exact = DecidedPage(items=[1] * 20, page=1, per_page=20, total=45, more=True)
    assert (exact.pages, exact.pages_label, exact.has_prev, exact.has_next, exact.next_num) == (3, "3", False, True, 2)
    capped = DecidedPage(items=[1] * 20, page=3, per_page=20, total=COUNT_CAP, more=True)
    assert capped.capped and capped.pages == COUNT_CAP // 20 and capped.pages_label == f"{COUNT_CAP // 20}+"
    beyond = DecidedPage(items=[1] * 20, page=COUNT_CAP // 20 + 7, per_page=20, total=COUNT_CAP, more=True)
    assert beyond.pages == beyond.page + 1 and beyond.pages_label == f"{beyond.page + 1}+"
    last = DecidedPage(items=[1], page=COUNT_CAP // 20 + 7, per_page=20, total=COUNT_CAP, more=False)
    assert last.pages_label == str(last.page) and not last.has_next
    empty = DecidedPage(items=[], page=1, per_page=20, total=0, more=False)
    assert (empty.pages, empty.pages_label, empty.has_next) == (0, "0", False)


def test_narrowed_decided_lists_are_newest_decision_first_and_bounded(app, client, monkeypatch):
    """By team or community the matches are gathered first and sorted: the same order as the walk
    of the decided index, page by page, and the count stops at the cap."""
    from points import approval_filters
    from points.approval_filters import ApprovalFilters, decided_page

    c = two_teams(app)
    second = make_activity(app, c.team_id, c.lead, title="垃圾分类宣传")
    extra = [log(app, c.cleaning, c.b, 30, c.lead), log(app, second, c.a, 30, c.lead), log(app, second, c.b, 30, c.lead)]
    for record in (c.near, *extra):
        approve(app, record, c.admin)
    monkeypatch.setattr(approval_filters, "COUNT_CAP", 3)
    with app.app_context():
        walked = [r.id for r in decided_page(ApprovalFilters(), "approved", 1, per_page=10).items]
        assert walked == [extra[2], extra[1], extra[0], c.near]  # approved one after the other: newest first
        by_activity = decided_page(ApprovalFilters(activity_id=c.cleaning), "approved", 1)
        assert [r.id for r in by_activity.items] == [extra[0], c.near] and by_activity.pages_label == "1"
        for narrowed in (ApprovalFilters(team_id=c.team_id), ApprovalFilters(community_id=c.community_id)):
            pages = [decided_page(narrowed, "approved", n, per_page=1) for n in (1, 2, 3, 4, 5)]
            assert [r.id for p in pages for r in p.items] == walked
            assert [p.total for p in pages] == [3] * 5 and pages[0].capped
            assert [p.pages_label for p in pages] == ["3+", "3+", "4+", "4", "5"]
            assert [p.has_next for p in pages] == [True, True, True, False, False]
        assert decided_page(ApprovalFilters(team_id=c.other_team), "approved", 1).items == []
    sign_in(client, c.admin)
    page = queue(client, f"?team_id={c.team_id}")
    assert all(picked(r) not in page for r in extra)  # decided: off the queue
    assert page.index(f"/approvals/{extra[2]}/reverse") < page.index(f"/approvals/{c.near}/reverse")
