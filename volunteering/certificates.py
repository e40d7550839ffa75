"""Service certificates (志愿服务证明, after 民政部 2015 No. 149): numbered, registered, verifiable.

Numbers are JF-YYYY-NNNNNN, consecutive within a year and never reused: each issue takes the next
number with `UPDATE certificate_counters SET last_number = last_number + 1 … RETURNING` (the row
lock serialises concurrent issues on PostgreSQL, BEGIN IMMEDIATE on SQLite), and a unique key on
the number backs it. A rolled-back issue gives its number back with the rest of its transaction,
so the register never has a gap.

The issuer printed on a certificate is the app setting STREET_OFFICE_NAME (instance/config.py),
or "街道办事处" when it is not set.
"""

import json
import re
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext

from accounts.models import User
from audit import service as audit
from core.db import dialect_insert, run_write
from core.errors import Forbidden, NotFound, ValidationFailed
from core.timeutil import SHANGHAI, shanghai_today, to_iso, utcnow
from extensions import db
from points.models import Activity, HourRecord
from volunteering.models import Certificate, CertificateCounter

COUNTERS = CertificateCounter.__table__
CERTIFICATES = Certificate.__table__
DEFAULT_ISSUER = "街道办事处"
MAX_DB_ID = 2**31 - 1
NUMBER = re.compile(r"JF-[0-9]{4}-[0-9]{6}")


def issuer_name() -> str:
    return str(current_app.config.get("STREET_OFFICE_NAME") or DEFAULT_ISSUER)[:100]


def format_number(year: int, serial: int) -> str:
    return f"JF-{year}-{serial:06d}"


def served(user_id: int, start: date, end: date) -> list[dict]:
    """Approved service in the period, per activity, oldest first."""
    rows = db.session.execute(
        sa.select(Activity.id, Activity.title, HourRecord.service_date, sa.func.sum(HourRecord.minutes))
        .join(Activity, Activity.id == HourRecord.activity_id)
        .where(HourRecord.volunteer_id == user_id, HourRecord.status == "approved",
               HourRecord.service_date >= start, HourRecord.service_date <= end)
        .group_by(Activity.id, Activity.title, HourRecord.service_date)
        .order_by(HourRecord.service_date, Activity.id)).all()
    return [{"id": a_id, "title": title, "date": day.isoformat(), "minutes": int(minutes)}
            for a_id, title, day, minutes in rows]


def check_period(start, end) -> None:
    """from ≤ to, neither in the future (Shanghai)."""
    fields = {}
    today = shanghai_today()
    if isinstance(start, date) and start > today:
        fields["from"] = gettext("Must not be in the future.")
    if isinstance(end, date) and end > today:
        fields["to"] = gettext("Must not be in the future.")
    if isinstance(start, date) and isinstance(end, date) and start > end and "from" not in fields:
        fields["from"] = gettext("Must not be after the end of the period.")
    if fields:
        raise ValidationFailed(fields)


def issue_certificate(user_id: int, start: date, end: date, actor) -> Certificate:
    """Number and register a certificate of the person's approved service in the period."""
    if actor.id != user_id and not actor.has_role("admin"):
        raise Forbidden()
    person = db.session.get(User, user_id) if isinstance(user_id, int) and 1 <= user_id <= MAX_DB_ID else None
    if person is None:
        raise ValidationFailed({"user_id": gettext("No such person.")})
    check_period(start, end)
    activities = served(person.id, start, end)
    minutes = sum(a["minutes"] for a in activities)
    now = utcnow()
    year = now.astimezone(SHANGHAI).year
    values = {"user_id": person.id, "name": person.name, "id_number": person.id_number, "from_date": start,
              "to_date": end, "service_minutes": minutes,
              "activities": json.dumps(activities, ensure_ascii=False, separators=(",", ":")),
              "issuer": issuer_name(), "issued_at": now, "issued_by_id": actor.id, "year": year}

    def work() -> int:
        db.session.execute(dialect_insert(COUNTERS).values(year=year, last_number=0).on_conflict_do_nothing())
        serial = db.session.execute(sa.update(COUNTERS).where(COUNTERS.c.year == year)
                                    .values(last_number=COUNTERS.c.last_number + 1)
                                    .returning(COUNTERS.c.last_number)).scalar_one()
        number = format_number(year, serial)
        new_id = db.session.execute(sa.insert(CERTIFICATES).values(**values, serial=serial, number=number)
                                    .returning(CERTIFICATES.c.id)).scalar_one()
        audit.record("certificate.issued", actor=actor.id, subject_type="certificates", subject_id=new_id,
                     after={"number": number, "user_id": person.id, "from": start, "to": end,
                            "service_minutes": minutes, "activities": len(activities)})
        return new_id

    return db.session.get(Certificate, run_write(work))


def by_number(number: str) -> Certificate:
    """The registered certificate with this number, or NotFound."""
    if not isinstance(number, str) or not NUMBER.fullmatch(number.strip().upper()):
        raise NotFound()  # also keeps NUL and other junk away from the database
    found = db.session.execute(sa.select(Certificate).where(Certificate.number == number.strip().upper())).scalar()
    if found is None:
        raise NotFound()
    return found


def activities_of(certificate: Certificate) -> list[dict]:
    return json.loads(certificate.activities or "[]")


def certificates_of(user_id: int) -> list[Certificate]:
    return list(db.session.execute(sa.select(Certificate).where(Certificate.user_id == user_id)
                                   .order_by(Certificate.id.desc()).limit(100)).scalars())


def render(certificate: Certificate) -> dict:
    """The API's view of a certificate."""
    return {"number": certificate.number, "user_id": certificate.user_id,
            "service_minutes": certificate.service_minutes, "activities": activities_of(certificate),
            "from": certificate.from_date.isoformat(), "to": certificate.to_date.isoformat(),
            "issuer": certificate.issuer, "issued_at": to_iso(certificate.issued_at)}
