"""CSRF on every form (issue 11): with protection on, as in production,
- every HTML POST route in app.url_map, posted by a role that may use it, without a token or with
  a forged one, answers 400 and changes nothing (every table keeps its row count, so no audit
  event, transfer or record was written);
- every <form method="post"> on the pages each role sees carries a csrf_token.
"""

import re
from html.parser import HTMLParser

import sqlalchemy as sa

from extensions import db
from tests.route_world import ROLES, build, value_for
from tests.test_route_matrix import EXPECT, LETTER, all_rules, shape


class Forms(HTMLParser):
    """The POST forms of a page: their action and whether they carry a csrf_token field."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self.forms.append({"action": attrs.get("action") or "", "token": False})
        elif tag == "input" and (attrs.get("name") or "").endswith("csrf_token") and self.forms:  # prefixed forms too
            self.forms[-1]["token"] = bool(attrs.get("value"))


def forms_on(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def csrf_sign_in(app, person):
    """A client signed in through the real form, token included (CSRF is on)."""
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post("/sign-in", data={"username": person.username, "password": person.password,
                                           "csrf_token": token})
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:300]
    return client


def row_counts(app) -> dict:
    with app.app_context():
        counts = {table.name: db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar()
                  for table in db.metadata.sorted_tables}
        db.session.remove()
    return counts


def who_may_post(method: str, rule: str) -> str:
    """The role whose post is meaningful: one the table lets through (sign-out: anyone signed in)."""
    ok, _nf = EXPECT[(method, shape(rule))]
    for letter in "DKLRUA":
        if letter in ok:
            return LETTER[letter]
    return "admin"


def html_posts(app) -> list[str]:
    return [rule for rule, method in all_rules(app)
            if method == "POST" and not rule.startswith("/api/") and (method, shape(rule)) in EXPECT]


def test_every_html_post_without_a_valid_token_is_refused_and_changes_nothing(csrf_app):
    world = build(csrf_app)
    clients = {role: csrf_sign_in(csrf_app, person) for role, person in world.people.items()}
    clients["anonymous"] = csrf_app.test_client()
    before = row_counts(csrf_app)
    wrong = []
    for rule in html_posts(csrf_app):
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m, rule=rule: str(value_for(world, rule, m.group(1))), rule)
        role = who_may_post("POST", rule)
        for data in ({}, {"csrf_token": "forged-token"}):
            answer = clients[role].post(path, data={**data, "reason": "csrf", "idempotency_key": "k" * 32})
            if answer.status_code != 400:
                wrong.append(f"POST {path} as {role} with {data or 'no token'}: {answer.status_code}")
    assert wrong == [], "\n".join(wrong)
    assert row_counts(csrf_app) == before
    # Still signed in: a refused sign-out ended nobody's session.
    assert clients["resident"].get("/").status_code == 200


def test_every_post_form_on_every_page_carries_a_csrf_token(csrf_app):
    world = build(csrf_app)
    clients = {role: csrf_sign_in(csrf_app, person) for role, person in world.people.items()}
    clients["anonymous"] = csrf_app.test_client()
    pages = [rule for rule, method in all_rules(csrf_app) if method == "GET" and not rule.startswith(("/api/",
             "/static/")) and (method, shape(rule)) in EXPECT]
    seen, missing = 0, []
    for rule in pages:
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m, rule=rule: str(value_for(world, rule, m.group(1))), rule)
        for role in ROLES:
            answer = clients[role].get(path)
            body = answer.get_data()  # consumed and closed: a streamed CSV ends here (the favicon is binary)
            html = body.decode("utf-8", errors="replace")
            answer.close()
            if answer.status_code != 200 or "text/html" not in answer.content_type:
                continue
            for form in forms_on(html):
                seen += 1
                if not form["token"]:
                    missing.append(f"{path} as {role}: form to {form['action'] or '(itself)'} has no csrf_token")
    assert seen >= 20, f"only {seen} forms found: the crawl did not reach the pages"
    assert missing == [], "\n".join(sorted(set(missing)))
