"""Reading a roster CSV (username,minutes or 用户名,分钟) into rows, and the all-or-nothing refusal."""

import csv
import io

import sqlalchemy as sa
from flask_babel import gettext, ngettext

from accounts.models import User
from core.db import run_write
from core.errors import ValidationFailed
from extensions import db
from points.hours_log import (
    Row,
    activity_problems,
    authorise,
    check_rows,
    load_records,
    plan_log,
    reason_of,
    write_log,
)
from points.models import HourRecord

USERNAME_HEADERS = {"username", "用户名", "user", "账号"}
MINUTES_HEADERS = {"minutes", "分钟", "分钟数", "时长(分钟)"}
NOTE_HEADERS = {"note", "备注"}
MAX_LINES = 2000
MAX_ROSTER = 500


class RosterProblems(ValidationFailed):
    """Nothing was saved; rows lists every bad row as (label, reason), label a line number or id."""

    def __init__(self, rows: list[tuple[object, str]]):
        self.rows = rows
        message = ngettext("Nothing was saved: %(num)s row has a problem.",
                           "Nothing was saved: %(num)s rows have problems.", len(rows))
        super().__init__({str(label): reason for label, reason in rows}, message=message)


def decode(file_bytes: bytes) -> str | None:
    """UTF-8 (with or without BOM), else GB18030 (Excel on Chinese Windows); None if neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return file_bytes.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _columns(header: list[str]) -> dict | None:
    names = [cell.strip().lstrip("\ufeff").lower() for cell in header]
    found = {}
    for index, name in enumerate(names):
        for key, accepted in (("username", USERNAME_HEADERS), ("minutes", MINUTES_HEADERS),
                              ("note", NOTE_HEADERS)):
            if name in accepted and key not in found:
                found[key] = index
    return found if "username" in found and "minutes" in found else None


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def parse_roster_csv(file_bytes: bytes):
    """(rows, problems): rows as (line, user_id, minutes, note); problems as (line, reason)."""
    text = decode(file_bytes or b"")
    if text is None:
        return [], [(1, gettext("The file is not UTF-8 or GB18030 text. Save it as CSV and try again."))]
    if "\x00" in text:
        return [], [(1, gettext("The file is not a CSV text file."))]
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, problems, seen, columns = [], [], {}, None
    try:
        for cells in reader:
            line = reader.line_num
            if line > MAX_LINES:
                problems.append((line, gettext("The file has more than %(n)s lines.", n=MAX_LINES)))
                break
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _columns(cells)
                if columns is None:
                    problems.append((line, gettext("The first line must be the header: username,minutes")))
                    break
                continue
            parsed = _parse_row(line, cells, columns, seen)
            if isinstance(parsed, str):
                problems.append((line, parsed))
            else:
                rows.append(parsed)
    except csv.Error:
        problems.append((reader.line_num, gettext("This line is not valid CSV.")))
    if columns is None and not problems:
        problems.append((1, gettext("The file is empty.")))
    return rows, problems


def _parse_row(line: int, cells: list[str], columns: dict, seen: dict):
    username = _cell(cells, columns["username"])
    minutes_text = _cell(cells, columns["minutes"])
    note = _cell(cells, columns.get("note"))
    if not username:
        return gettext("The username is missing.")
    if not minutes_text:
        return gettext("The minutes are missing.")
    if not (minutes_text.isascii() and minutes_text.isdigit()) or len(minutes_text) > 5:
        return gettext("Minutes must be a whole number from 1 to 1440, not \"%(value)s\".", value=minutes_text[:20])
    if len(note) > 200:
        return gettext("The note is longer than %(n)s characters.", n=200)
    user_id = db.session.execute(
        sa.select(User.id).where(sa.func.lower(User.username) == username.lower(), User.active.is_(True))
    ).scalar_one_or_none()
    if user_id is None:
        return gettext("Nobody has the username \"%(username)s\".", username=username[:40])
    if user_id in seen:
        return gettext("%(username)s is already listed on line %(line)s.", username=username[:40], line=seen[user_id])
    seen[user_id] = line
    return line, user_id, int(minutes_text), note


def _log_rows(activity_id: int, rows: list[Row], actor, pre_problems=()) -> list[HourRecord]:
    """All rows or none: any problem saves nothing and lists every bad row."""
    activity = authorise(activity_id, actor)
    fields = activity_problems(activity)
    if fields:
        raise ValidationFailed(fields)
    if not rows and not pre_problems:
        raise ValidationFailed({"entries": gettext("Enter minutes for at least one volunteer.")})
    if len(rows) > MAX_ROSTER:
        raise ValidationFailed({"entries": gettext("At most %(n)s rows at once.", n=MAX_ROSTER)})
    # report in file order (CSV line numbers) or in the order given (roster volunteer ids)
    labels = [label for label, _ in pre_problems] + [row.label for row in rows]
    if all(isinstance(label, int) for label in labels) and pre_problems:
        labels = sorted(labels)
    order = {label: i for i, label in enumerate(labels)}

    def refuse(found) -> RosterProblems:
        return RosterProblems(sorted(found, key=lambda p: order[p[0]]))

    good, bad = check_rows(activity, rows, actor)
    problems = list(pre_problems) + [(row.label, reason_of(error)) for row, error in bad]
    if problems:
        raise refuse(problems)
    plan = plan_log(activity, good, actor)

    def work() -> list[int]:
        ids, late = write_log(plan)
        if late:  # a concurrent logging got there first: everything here rolls back
            raise refuse([(row.label, reason_of(error)) for row, error in late])
        return ids

    label_of = {row.volunteer_id: row.label for row in rows}
    return sorted(load_records(run_write(work)), key=lambda r: order[label_of[r.volunteer_id]])


def log_roster(activity_id: int, entries: list[tuple[int, int]], actor) -> list[HourRecord]:
    """Log several volunteers at once: all saved or, on any problem, none."""
    rows = [Row(volunteer_id, volunteer_id, minutes) for volunteer_id, minutes in entries]
    return _log_rows(activity_id, rows, actor)


def import_roster_csv(activity_id: int, file_bytes: bytes, actor) -> list[HourRecord]:
    """A CSV of username,minutes (or 用户名,分钟): all rows saved, or none with every bad line listed."""
    authorise(activity_id, actor)
    parsed, problems = parse_roster_csv(file_bytes)
    rows = [Row(line, user_id, minutes, note) for line, user_id, minutes, note in parsed]
    return _log_rows(activity_id, rows, actor, pre_problems=problems)
