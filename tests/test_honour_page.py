"""The public honour roll page: titled once, a way back into the app, a favicon; figures from the summaries."""

import re
from datetime import date

from core.timeutil import shanghai_today
from tests.factories_points import approve, crew, log, make_activity
from tests.factories_reports import stub_missing_endpoints


def heading(html: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)


def test_the_honour_roll_is_titled_once_in_chinese_and_english(app):
    stub_missing_endpoints(app)
    chinese = app.test_client()
    chinese.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    title = heading(chinese.get("/reports/honour").get_data(as_text=True))
    assert title.count("光荣榜") == 1 and "年光荣榜" in title
    english = heading(app.test_client().get("/reports/honour").get_data(as_text=True))
    assert "Honour roll" in english and "光荣榜" not in english


def test_the_honour_roll_links_back_into_the_app(app):
    stub_missing_endpoints(app)
    html = app.test_client().get("/reports/honour").get_data(as_text=True)
    back = re.search(r'<a [^>]*href="([^"]+)"[^>]*data-test="back-to-app"', html)
    assert back and back.group(1) == "/"
    assert "Back to Jifen" in html


def test_favicon_is_served_at_the_root_without_sign_in(app):
    response = app.test_client().get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.get_data()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "max-age" in response.headers["Cache-Control"]
    response.close()


def test_the_honour_roll_ranks_this_years_hours_and_leaves_out_last_years(app):
    stub_missing_endpoints(app)
    c = crew(app)
    today = shanghai_today()
    last_year = make_activity(app, c.team_id, c.lead, day=date(today.year - 1, 6, 1))
    approve(app, log(app, last_year, c.b, 600, c.lead), c.admin)   # last year: not on this year's roll
    approve(app, log(app, c.activity_id, c.a, 90, c.lead), c.admin)
    approve(app, log(app, c.activity_id, c.b, 30, c.lead), c.admin)
    html = app.test_client().get("/reports/honour").get_data(as_text=True)
    rows = re.findall(r'<td class="text-end">([\d.]+)</td></tr>', html)
    assert rows == ["1.5", "0.5"]  # 90 and 30 minutes this year; the 600 of last year left out
