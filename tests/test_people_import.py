"""Residents imported from Excel or CSV: all or nothing, and every bad row named with its line."""

import io

import sqlalchemy as sa
from openpyxl import Workbook

from tests.factories import make_user, sign_in
from tests.factories_accounts import make_community


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _count(app, **where) -> int:
    from accounts.models import User
    from extensions import db

    with app.app_context():
        stmt = sa.select(sa.func.count()).select_from(User)
        for key, value in where.items():
            stmt = stmt.where(getattr(User, key) == value)
        return db.session.execute(stmt).scalar_one()


def _upload(client, name, data, password="initial-pass-1"):
    return client.post("/people/import", data={"file": (io.BytesIO(data), name), "initial_password": password},
                       content_type="multipart/form-data")


def test_an_excel_sheet_of_residents_is_added_with_cards_communities_and_audit(app, client):
    community = make_community(app, "幸福里社区", grids=("一网格",))
    sign_in(client, make_user(app, "admin"))
    before = _count(app)
    sheet = _xlsx([["用户名", "姓名", "手机", "社区", "网格"],
                   ["wangping", "王萍", 13912345678, "幸福里社区", "一网格"],
                   ["lixiu", "李秀", None, "幸福里社区", None]])
    answer = _upload(client, "居民.xlsx", sheet)
    assert answer.status_code == 302, answer.get_data(as_text=True)[-2000:]
    assert _count(app) == before + 2
    assert _count(app, community_id=community["id"]) == 2 and _count(app, phone="13912345678") == 1
    from accounts.models import User
    from audit.models import AuditEvent
    from extensions import db

    with app.app_context():
        wang = db.session.execute(sa.select(User).where(User.username == "wangping")).scalar_one()
        assert wang.card_code and wang.roles == ["resident"] and wang.grid_id == community["grids"]["一网格"]
        events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "user.created")).scalars().all()
        assert sum('"via":"import"' in (e.after or "") for e in events) == 2
    other = app.test_client()
    assert other.post("/sign-in", data={"username": "lixiu", "password": "initial-pass-1"}).status_code == 302


def test_a_csv_with_several_bad_rows_saves_nothing_and_lists_every_one(app, client):
    make_user(app, username="taken1")
    sign_in(client, make_user(app, "admin"))
    before = _count(app)
    csv_text = ("username,name,phone,community\n"
                "ok.one,好人,,\n"
                "taken1,重名,,\n"
                "x,太短,,\n"
                "dup,甲,,\n"
                "dup,乙,,\n"
                "fine2,,12ab,不存在社区\n")
    answer = _upload(client, "people.csv", csv_text.encode("gb18030"))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and _count(app) == before
    problems = html.split("import-problems", 1)[1].split("</table>", 1)[0]
    for line in ("<td>3</td>", "<td>4</td>", "<td>6</td>", "<td>7</td>"):
        assert line in problems, line
    assert "<td>2</td>" not in problems and "<td>5</td>" not in problems
    assert "taken1" in problems and "不存在社区" in problems and "line 5" in problems


def test_files_that_cannot_be_read_are_refused_clearly(app, client):
    sign_in(client, make_user(app, "admin"))
    assert _upload(client, "people.xlsx", b"not a zip").status_code == 422
    assert _upload(client, "people.txt", b"a,b").status_code == 422
    assert _upload(client, "people.csv", b"nome,cognome\nx,y\n").status_code == 422
    no_password = _upload(client, "p.csv", "username,name\nzhang3,张三\n".encode(), password="")
    assert no_password.status_code == 422 and "no initial password" in no_password.get_data(as_text=True)
    resident = app.test_client()
    sign_in(resident, make_user(app))
    assert _upload(resident, "p.csv", b"username,name\nzz,z\n").status_code == 403
