"""Every main page of every role reads in Chinese: no English words left in a Chinese page."""

import re

import pytest

from tests.factories import make_user, sign_in
from tests.factories_points import approve, crew, log

ALLOWED = {"English", "Ctrl", "Jifen", "CSV", "Excel", "xlsx", "csv", "QR", "JF", "DH", "HTTPS"}
PAGES = {
    "resident": ["/", "/history", "/card", "/card/show", "/notifications", "/store/catalogue", "/store/my"],
    "team_lead": ["/lead"],
    "store_keeper": ["/store/counter"],
    "admin": ["/people", "/people/new", "/people/import", "/people/card-sheets", "/approvals", "/rules", "/teams",
              "/awards", "/awards/commendations/new", "/awards/adjustments/new", "/store/stores", "/reports/",
              "/audit/"],
    "auditor": ["/audit/", "/reports/"],
}


def visible_text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    html = re.sub(r"(?s)<code>.*?</code>", " ", html)  # machine codes (level and type codes) are not prose
    html = re.sub(r'(?s)<(\w+)[^>]*\bcard-code\b[^>]*>.*?</\1>', " ", html)  # card codes are random letters
    html = re.sub(r'(?s)<details class="audit-raw">.*?</details>', " ", html)  # the raw event stays raw
    html = re.sub(r"(?s)<[^>]+>", " ", html)
    return html


def english_words(text: str) -> list[str]:
    words = re.findall(r"(?<![\w.@/-])[A-Za-z]{3,}(?![\w.@/-])", text)
    return sorted({w for w in words if w not in ALLOWED})


@pytest.mark.parametrize("role", sorted(PAGES))
def test_pages_have_no_english_left_when_chinese_is_asked_for(app, role):
    c = crew(app)
    approve(app, log(app, c.activity_id, c.a, 60, c.lead), c.admin)
    person = {"resident": c.a, "team_lead": c.lead, "admin": c.admin}.get(role) or make_user(app, role)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    sign_in(client, person)
    found = {}
    for path in PAGES[role]:
        page = client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        words = english_words(visible_text(page.get_data(as_text=True)))
        if words:
            found[path] = words
    assert found == {}
