"""Roster CSV import: all rows or none, every bad row listed with its line number."""

import pytest

from core.errors import NotTeamLead
from points import hours
from points.roster_csv import RosterProblems
from tests.factories import make_user
from tests.factories_points import count_records, crew, load_user, make_team


def import_csv(app, c, data: bytes, actor=None):
    with app.test_request_context():
        made = hours.import_roster_csv(c.activity_id, data, load_user((actor or c.lead).id))
        return [r.minutes for r in made]


def test_a_clean_csv_logs_every_row(app):
    c = crew(app)
    data = f"username,minutes\n{c.a.username},60\n\n{c.b.username},90\n".encode()
    made = import_csv(app, c, data)
    assert sorted(made) == [60, 90]
    assert count_records(app) == 2


def test_a_gb18030_file_with_chinese_headers_is_read(app):
    c = crew(app)
    data = f"用户名,分钟,备注\n{c.a.username},120,打扫楼道\n{c.b.username},30,\n".encode("gb18030")
    made = import_csv(app, c, data)
    assert len(made) == 2
    assert count_records(app) == 2


def test_a_utf8_file_with_a_bom_is_read(app):
    c = crew(app)
    data = ("\ufeff用户名,分钟\r\n" + f"{c.a.username},60\r\n").encode("utf-8")
    assert len(import_csv(app, c, data)) == 1


def test_any_bad_row_saves_nothing_and_every_bad_row_is_listed_with_its_line(app):
    c = crew(app)
    data = (
        "username,minutes\n"
        f"{c.a.username},60\n"          # 2 fine
        "nobody-here,60\n"              # 3 unknown username
        f"{c.b.username},abc\n"         # 4 minutes not a number
        f"{c.outsider.username},30\n"   # 5 not in the team
        f"{c.a.username},30\n"          # 6 listed twice
        f"{c.lead.username},30\n"       # 7 own hours
        ",30\n"                         # 8 no username
    ).encode()
    with pytest.raises(RosterProblems) as caught:
        import_csv(app, c, data)
    lines = [line for line, _ in caught.value.rows]
    assert lines == [3, 4, 5, 6, 7, 8]
    assert caught.value.code == "validation_failed"
    assert count_records(app) == 0


def test_minutes_out_of_range_and_the_daily_cap_are_listed_too(app):
    c = crew(app)
    data = f"username,minutes\n{c.a.username},0\n{c.b.username},1441\n".encode()
    with pytest.raises(RosterProblems) as caught:
        import_csv(app, c, data)
    assert [line for line, _ in caught.value.rows] == [2, 3]
    assert count_records(app) == 0


@pytest.mark.parametrize("data", [b"", b"name,hours\nx,1\n", b"\xff\xfe\x00\x00garbage\x00"])
def test_a_file_without_the_header_or_not_text_is_refused(app, data):
    c = crew(app)
    with pytest.raises(RosterProblems) as caught:
        import_csv(app, c, data)
    assert caught.value.rows[0][0] == 1
    assert count_records(app) == 0


def test_a_lead_of_another_team_cannot_import(app):
    c = crew(app)
    other = make_user(app, "team_lead")
    make_team(app, leads=[other])
    with pytest.raises(NotTeamLead):
        import_csv(app, c, f"username,minutes\n{c.a.username},60\n".encode(), actor=other)
    assert count_records(app) == 0


def test_unicode_digits_in_a_csv_are_a_listed_problem_not_a_server_error(app):
    c = crew(app)
    data = f"username,minutes\n{c.a.username},６０\n{c.b.username},²\n".encode()
    with pytest.raises(RosterProblems) as caught:
        import_csv(app, c, data)
    assert [line for line, _ in caught.value.rows] == [2, 3]
    assert count_records(app) == 0


def test_unicode_digits_in_the_roster_form_are_refused_with_422(app, client):
    from tests.factories import sign_in

    c = crew(app)
    sign_in(client, c.lead)
    response = client.post(f"/lead/activities/{c.activity_id}/roster",
                           data={f"m-{c.a.id}": "６０", "m-²": "60", f"m-{c.b.id}": "30"})
    assert response.status_code == 422
    assert count_records(app) == 0
