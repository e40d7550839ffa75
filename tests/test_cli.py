"""The command line: init-db, create-user, verify, backup, demo-data — on SQLite and PostgreSQL."""

import shutil
import sqlite3
from datetime import timedelta

import pytest
import sqlalchemy as sa

from accounts.models import User
from core.timeutil import shanghai_today
from extensions import db
from points.ledger_models import Account, Transfer
from tests.conftest import db_kind
from tests.factories import make_user


def invoke(app, *args: str):
    """Run `flask <args>` against app, the way the flask command does (inside an app context)."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)
        db.session.remove()
    return result


def user_named(app, username: str) -> User | None:
    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.username == username)).scalar_one_or_none()
        if user is not None:
            db.session.expunge(user)
        return user


def hand_edit(app, *statements: str) -> None:
    """SQL run behind the application's back, as an intruder or a careless operator would."""
    with app.app_context():
        with db.engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
        db.engine.dispose()


def disable_append_only(app, table: str) -> list[str]:
    """The statements that let a hand edit through a table's append-only trigger."""
    if db_kind(app) == "sqlite":
        return [f"DROP TRIGGER {table}_no_update"]
    return [f"ALTER TABLE {table} DISABLE TRIGGER USER"]


def use_the_database(app) -> dict:
    """Points in, points out and a reversal, all through the services: a database in use."""
    from points.activities import create_activity
    from points.awards import adjust_points, grant_commendation
    from points.hours import approve_hours, log_hours, reverse_hours
    from points.teams import add_member, create_team

    admin = make_user(app, "admin")
    lead = make_user(app, "resident")
    volunteer = make_user(app, "resident", name="李秀英")
    other = make_user(app, "resident", name="王建国")
    with app.app_context():
        def actor(person):
            return db.session.get(User, person.id)

        team = create_team("兰花芬芳志愿服务队", None, [lead.id], actor(admin))
        team_id = team.id
        for person in (volunteer, other):
            add_member(team_id, person.id, actor(admin))
        activity = create_activity(team_id, "河道清理", shanghai_today() - timedelta(days=3), "hard",
                                   actor(lead), category="环境卫生")
        activity_id = activity.id
        kept = log_hours(activity_id, volunteer.id, 120, actor(lead)).id
        undone = log_hours(activity_id, other.id, 90, actor(lead)).id
        approve_hours(kept, actor(admin))
        approve_hours(undone, actor(admin))
        reverse_hours(undone, "误登记", actor(admin))
        grant_commendation(volunteer.id, "优秀志愿者", "常年照顾独居老人", actor(admin), key="cli-test:c1")
        adjust_points(volunteer.id, -10, "补扣重复发放", actor(admin), key="cli-test:a1")
        db.session.remove()
    return {"admin": admin, "volunteer": volunteer, "other": other}


# ---------------------------------------------------------------- init-db and create-user

def test_init_db_twice_is_safe(app):
    first = invoke(app, "init-db")
    second = invoke(app, "init-db")

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "latest schema" in second.output
    assert invoke(app, "verify").exit_code == 0


def test_create_user_adds_a_person_with_their_roles(app):
    result = invoke(app, "create-user", "zhangwei", "--name", "张伟", "--password", "long-enough-1",
                    "--role", "resident", "--role", "store_keeper", "--phone", "13800138000")

    assert result.exit_code == 0, result.output
    assert "zhangwei" in result.output
    user = user_named(app, "zhangwei")
    assert user is not None and user.name == "张伟" and user.phone == "13800138000"
    with app.app_context():
        assert db.session.get(User, user.id).roles == ["resident", "store_keeper"]


@pytest.mark.parametrize("username", ["a b", "x", "张伟", "bad/name", "a" * 41])
def test_create_user_refuses_a_bad_username_and_saves_nothing(app, username):
    result = invoke(app, "create-user", username, "--name", "张伟", "--password", "long-enough-1",
                    "--role", "resident")

    assert result.exit_code == 1
    assert "username" in result.output
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(User.id))).scalar_one() == 0


def test_create_user_refuses_a_taken_username_and_a_short_password(app):
    make_user(app, username="taken")

    taken = invoke(app, "create-user", "TAKEN", "--name", "张伟", "--password", "long-enough-1", "--role", "admin")
    short = invoke(app, "create-user", "fresh", "--name", "张伟", "--password", "short", "--role", "admin")

    assert taken.exit_code == 1 and "username" in taken.output
    assert short.exit_code == 1 and "password" in short.output
    assert user_named(app, "fresh") is None


def test_create_user_refuses_an_unknown_role(app):
    result = invoke(app, "create-user", "fresh", "--name", "张伟", "--password", "long-enough-1", "--role", "boss")

    assert result.exit_code == 2
    assert "boss" in result.output
    assert user_named(app, "fresh") is None


# ---------------------------------------------------------------- verify

def test_verify_passes_on_a_fresh_database(app):
    result = invoke(app, "verify")

    assert result.exit_code == 0, result.output
    assert "All checks passed." in result.output
    assert "1 accounts and 0 transfers agree" in result.output


def test_verify_passes_on_a_used_database_and_counts_what_it_checked(app):
    use_the_database(app)
    with app.app_context():
        transfers = db.session.execute(sa.select(sa.func.count(Transfer.id))).scalar_one()

    result = invoke(app, "verify")

    assert result.exit_code == 0, result.output
    assert transfers == 5  # two awards, one reversal, a commendation, an adjustment
    assert f"and {transfers} transfers agree" in result.output
    assert "audit events, hash chain intact" in result.output


def test_verify_fails_after_a_transfer_amount_is_edited_by_hand(app):
    use_the_database(app)
    hand_edit(app, *disable_append_only(app, "transfers"),
              "UPDATE transfers SET amount = amount + 7 WHERE id = (SELECT MIN(id) FROM transfers)")

    result = invoke(app, "verify")
    every = invoke(app, "verify", "--all")

    assert result.exit_code == 1
    assert "Verification FAILED: ledger: account" in result.output
    assert "more problem(s)" in result.output
    assert every.exit_code == 1
    assert "checksum does not match" in every.output
    assert "All checks passed" not in every.output


def test_verify_fails_after_an_accounts_credits_are_edited_by_hand(app):
    people = use_the_database(app)
    hand_edit(app, f"UPDATE accounts SET credits_posted = credits_posted + 100 "
                   f"WHERE user_id = {people['volunteer'].id}")

    result = invoke(app, "verify")

    assert result.exit_code == 1
    assert "Verification FAILED: ledger: account" in result.output
    assert "credits_posted is" in result.output


def test_verify_fails_after_an_audit_events_action_is_edited_by_hand(app):
    use_the_database(app)
    hand_edit(app, *disable_append_only(app, "audit_events"),
              "UPDATE audit_events SET action = 'user.viewed' WHERE id = 2")

    result = invoke(app, "verify")

    assert result.exit_code == 1
    assert "Verification FAILED: audit trail: event 2: hash mismatch" in result.output


def test_verify_finds_a_reversal_that_does_not_mirror_its_original(app):
    from points.ledger_verify import verify_ledger

    use_the_database(app)
    with app.app_context():
        reversal = db.session.execute(sa.select(Transfer).where(Transfer.kind == "reversal")).scalar_one()
        reversal_id, original_id = reversal.id, reversal.reverses_id
        db.session.remove()
    # Point the reversal at the other, larger hours award behind the application's back.
    hand_edit(app, *disable_append_only(app, "transfers"),
              f"UPDATE transfers SET reverses_id = (SELECT MIN(id) FROM transfers WHERE kind = 'hours_award') "
              f"WHERE id = {reversal_id}")

    with app.app_context():
        problems = verify_ledger()

    assert any(f"reversal {reversal_id} does not mirror transfer" in p for p in problems), problems
    assert not any(f"transfer {original_id}:" in p for p in problems)  # the original itself is intact


def test_verify_ledger_is_empty_when_all_agree_and_caps_long_lists(app):
    from points.ledger_verify import verify_ledger

    use_the_database(app)
    with app.app_context():
        assert verify_ledger() == []
    hand_edit(app, "UPDATE accounts SET credits_posted = credits_posted + 1 WHERE kind = 'resident'")
    with app.app_context():
        residents = db.session.execute(
            sa.select(sa.func.count(Account.id)).where(Account.kind == "resident")).scalar_one()
        problems = verify_ledger(limit=1)

    assert residents >= 2
    assert problems[0].startswith("account ")
    assert f"… and {residents - 1} more accounts whose posted sums disagree" in problems


# ---------------------------------------------------------------- backup

def test_backup_writes_a_usable_copy(app, tmp_path):
    people = use_the_database(app)
    target = tmp_path / "backup.db"

    result = invoke(app, "backup", str(target))

    if db_kind(app) == "postgresql" and shutil.which("pg_dump") is None:
        assert result.exit_code == 1 and "pg_dump is not on PATH" in result.output
        return
    assert result.exit_code == 0, result.output
    assert str(target) in result.output
    if db_kind(app) == "postgresql":
        assert target.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
        return
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        name = copy.execute("SELECT name FROM users WHERE id = ?", (people["volunteer"].id,)).fetchone()[0]
    assert name == "李秀英"
    from app import create_app

    restored = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}"})
    check = invoke(restored, "verify")
    with restored.app_context():
        db.engine.dispose()
    assert check.exit_code == 0, check.output


def test_backup_refuses_to_overwrite_unless_forced(app, tmp_path):
    target = tmp_path / "backup.db"
    target.write_bytes(b"precious")

    refused = invoke(app, "backup", str(target))

    assert refused.exit_code == 1
    assert "already exists" in refused.output and "--force" in refused.output
    assert target.read_bytes() == b"precious"
    if db_kind(app) == "postgresql" and shutil.which("pg_dump") is None:
        return
    forced = invoke(app, "backup", str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_bytes() != b"precious"
    assert not list(tmp_path.glob("*.partial"))


def test_backup_refuses_a_folder_that_does_not_exist(app, tmp_path):
    result = invoke(app, "backup", str(tmp_path / "missing" / "backup.db"))

    assert result.exit_code == 1
    assert "does not exist" in result.output


# ---------------------------------------------------------------- demo-data

@pytest.mark.slow
def test_demo_data_fills_an_empty_database_that_then_verifies(app):
    result = invoke(app, "demo-data")

    assert result.exit_code == 0, result.output
    assert "Demo sign-ins" in result.output
    for username in ("admin", "auditor", "lead", "keeper"):
        assert f" {username} " in result.output
    assert "jifen-demo-2024" in result.output
    assert "card code of" in result.output
    with app.app_context():
        people = db.session.execute(sa.select(sa.func.count(User.id))).scalar_one()
        names = db.session.execute(sa.select(User.name).where(User.username == "lead")).scalar_one()
    assert 60 <= people <= 70
    assert all("\u4e00" <= ch <= "\u9fff" for ch in names)  # a Chinese name

    check = invoke(app, "verify")
    assert check.exit_code == 0, check.output
    assert "All checks passed." in check.output

    again = invoke(app, "demo-data")
    assert again.exit_code == 1
    assert "already has" in again.output
    quiet = invoke(app, "demo-data", "--if-empty")
    assert quiet.exit_code == 0
    assert "demo data not loaded" in quiet.output


def test_demo_data_refuses_a_database_that_has_users(app):
    make_user(app, "admin", username="someone")

    result = invoke(app, "demo-data")

    assert result.exit_code == 1
    assert "already has 1 user(s)" in result.output
    assert user_named(app, "admin") is None
