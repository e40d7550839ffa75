"""Import residents from Excel (.xlsx) or CSV: every row checked first, then all saved or none.

Columns are found by their header, in Chinese or English: 用户名/username, 姓名/name,
手机/phone, 社区/community, 网格/grid, 身份证号/id_number, 密码/password (optional: rows
without one get the initial password the admin gives, which is hashed once).
"""

import io
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext

from accounts import services
from accounts.cards import new_card_code
from accounts.models import Community, Grid, User, UserRole
from accounts.passwords import hash_password
from audit import service as audit
from core.csvutil import read_csv_text
from core.db import run_write
from core.errors import DomainError
from extensions import db

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
HEADERS = {
    "username": ("username", "用户名", "账号"),
    "name": ("name", "姓名", "名字"),
    "phone": ("phone", "手机", "手机号", "电话"),
    "community": ("community", "社区"),
    "grid": ("grid", "网格"),
    "id_number": ("id_number", "id number", "身份证号", "身份证"),
    "password": ("password", "密码", "初始密码"),
}
REQUIRED = ("username", "name")


class ImportProblems(DomainError):
    """Every bad row with its line number; nothing was saved."""

    code = "validation_failed"
    status = 422

    def __init__(self, problems: list[tuple[int, str]]):
        super().__init__(message=gettext("Nothing was imported: %(n)s rows need fixing.", n=len(problems)))
        self.problems = problems


@dataclass(frozen=True)
class ImportRow:
    line: int
    username: str
    name: str
    phone: str | None
    community_id: int | None
    grid_id: int | None
    id_number: str | None
    password: str | None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # Excel stores a phone typed as a number like this
        value = int(value)
    return str(value).strip()


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The sheet or CSV as rows of text; ImportProblems for a file that cannot be read."""
    if len(data) > MAX_BYTES:
        raise ImportProblems([(0, gettext("The file is larger than 5 MB."))])
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
            book.close()
            return rows
        except Exception:  # openpyxl raises many kinds for a damaged or disguised file
            raise ImportProblems([(0, gettext("This is not an Excel .xlsx file that can be read."))]) from None
    if filename.lower().endswith(".csv"):
        import csv

        try:
            text = read_csv_text(data)
        except UnicodeDecodeError:
            raise ImportProblems([(0, gettext("The CSV file is neither UTF-8 nor GB18030 text."))]) from None
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    raise ImportProblems([(0, gettext("Upload an .xlsx or .csv file."))])


def _columns(header: list[str]) -> dict[str, int]:
    wanted = {alias.lower(): key for key, aliases in HEADERS.items() for alias in aliases}
    return {wanted[h.strip().lower()]: i for i, h in reversed(list(enumerate(header))) if h.strip().lower() in wanted}


def check_rows(table: list[list[str]], initial_password: str) -> list[ImportRow]:
    """Every row checked against the rules and each other; ImportProblems lists them all."""
    if not table or not any(cell for cell in table[0]):
        raise ImportProblems([(1, gettext("The first row must name the columns."))])
    columns = _columns(table[0])
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        raise ImportProblems([(1, gettext("Missing column: %(names)s.", names=", ".join(missing)))])
    if len(table) - 1 > MAX_ROWS:
        raise ImportProblems([(0, gettext("At most %(n)s people in one file.", n=MAX_ROWS))])
    known = _Known(
        communities={c.name: c.id for c in db.session.execute(sa.select(Community)).scalars()},
        grids={(g.community_id, g.name): g.id for g in db.session.execute(sa.select(Grid)).scalars()},
        taken={u.lower() for u in db.session.execute(sa.select(User.username)).scalars()},
        seen={},
    )
    problems, good = [], []
    for line, raw in enumerate(table[1:], start=2):
        if not any(cell for cell in raw):
            continue
        values = {key: (raw[i].strip() if i < len(raw) else "") for key, i in columns.items()}
        row, reasons = _check_row(line, values, known, initial_password)
        if reasons:
            problems.append((line, "; ".join(reasons)))
        else:
            good.append(row)
    if problems:
        raise ImportProblems(problems)
    if not good:
        raise ImportProblems([(0, gettext("The file has no one to import."))])
    return good


@dataclass
class _Known:
    communities: dict
    grids: dict
    taken: set
    seen: dict


def _check_row(line: int, v: dict, known: _Known, initial_password: str) -> tuple[ImportRow | None, list[str]]:
    username, name = v.get("username", ""), v.get("name", "")
    reasons = []
    if not re.fullmatch(services.USERNAME_PATTERN, username):
        reasons.append(gettext("username: 2–40 letters, digits, '.', '_' or '-'."))
    elif username.lower() in known.taken:
        reasons.append(gettext("username %(u)s is taken.", u=username))
    elif username.lower() in known.seen:
        reasons.append(gettext("username %(u)s is also on line %(line)s.", u=username,
                               line=known.seen[username.lower()]))
    known.seen.setdefault(username.lower(), line)
    if not name or len(name) > 100 or any(ord(ch) < 32 for ch in name):
        reasons.append(gettext("name: enter a name of at most 100 characters."))
    phone, id_number = services.clean_phone(v.get("phone", "")), services.clean_id_number(v.get("id_number", ""))
    reasons += [f"{field}: {message}" for field, message in services.contact_errors(phone, id_number).items()]
    community_id = grid_id = None
    if v.get("community"):
        community_id = known.communities.get(v["community"])
        if community_id is None:
            reasons.append(gettext("community %(c)s does not exist.", c=v["community"]))
    if v.get("grid"):
        grid_id = known.grids.get((community_id, v["grid"]))
        if grid_id is None:
            reasons.append(gettext("grid %(g)s is not in that community.", g=v["grid"]))
    password = v.get("password") or None
    if password is not None and not 8 <= len(password) <= 200:
        reasons.append(gettext("password: at least 8 characters."))
    if password is None and not initial_password:
        reasons.append(gettext("password: none in the file and no initial password given."))
    row = ImportRow(line, username, name, phone, community_id, grid_id, id_number, password)
    return (None, reasons) if reasons else (row, [])


def import_people(filename: str, data: bytes, initial_password: str, actor) -> int:
    """Add every resident of the file, audited one by one, in one transaction; the count added."""
    if initial_password and not 8 <= len(initial_password) <= 200:
        raise ImportProblems([(0, gettext("The initial password needs at least 8 characters."))])
    rows = check_rows(read_table(filename, data), initial_password)
    shared_hash = hash_password(initial_password) if initial_password else None
    hashes = {row.line: hash_password(row.password) if row.password else shared_hash for row in rows}
    actor_id = getattr(actor, "id", None)

    def work() -> int:
        for row in rows:
            user = User(username=row.username, name=row.name, password_hash=hashes[row.line],
                        community_id=row.community_id, grid_id=row.grid_id, phone=row.phone,
                        id_number=row.id_number, card_code=new_card_code(),
                        name_initials=services.name_initials(row.name))
            user.role_rows = [UserRole(role="resident")]
            db.session.add(user)
            db.session.flush()  # a username taken meanwhile fails the whole import: all or nothing
            audit.record("user.created", actor=actor_id, subject=user,
                         after={**services.user_snapshot(user), "via": "import", "line": row.line})
        return len(rows)

    return run_write(work)
