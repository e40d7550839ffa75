"""Points set-up: the versioned rule, difficulty levels and commendation types."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from accounts.models import User
from audit.models import AuditEvent
from core.errors import ValidationFailed
from extensions import db
from points import setup_services
from points.models import DifficultyLevel, PointsRule
from tests.factories import bearer, make_user


def events(app, action):
    with app.app_context():
        return db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).scalars().all()


def test_rules_start_at_ten_points_an_hour_for_anyone_signed_in(app, client):
    resident = make_user(app)
    response = client.get("/api/v1/rules", headers=bearer(app, resident))
    assert response.status_code == 200
    assert response.json["points_per_hour"] == 10
    assert isinstance(response.json["version"], int)


def test_rules_need_a_sign_in(client):
    assert client.get("/api/v1/rules").json["error"]["code"] == "not_signed_in"


def test_changing_the_rule_bumps_the_version_and_is_audited(app, client):
    admin = make_user(app, "admin")
    headers = bearer(app, admin)
    before = client.get("/api/v1/rules", headers=headers).json
    response = client.put("/api/v1/rules", json={"points_per_hour": 12}, headers=headers)
    assert response.status_code == 200
    assert response.json == {"points_per_hour": 12, "version": before["version"] + 1}
    assert client.get("/api/v1/rules", headers=headers).json == response.json
    [event] = events(app, "rules.changed")
    assert event.actor_id == admin.id
    assert '"points_per_hour":10' in event.before and '"points_per_hour":12' in event.after


def test_setting_the_same_rate_again_keeps_the_version(app, client):
    admin = make_user(app, "admin")
    headers = bearer(app, admin)
    version = client.get("/api/v1/rules", headers=headers).json["version"]
    response = client.put("/api/v1/rules", json={"points_per_hour": 10}, headers=headers)
    assert response.json == {"points_per_hour": 10, "version": version}
    assert events(app, "rules.changed") == []


@pytest.mark.parametrize("value", [0, 1001, -5, 2.5, "12", True, None, 10**30])
def test_rule_values_outside_one_to_a_thousand_are_refused(app, client, value):
    admin = make_user(app, "admin")
    response = client.put("/api/v1/rules", json={"points_per_hour": value}, headers=bearer(app, admin))
    assert response.status_code == 422
    assert "points_per_hour" in response.json["error"]["fields"]
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(PointsRule.id))).scalar() == 1


def test_only_an_admin_changes_the_rule(app, client):
    lead = make_user(app, "team_lead")
    response = client.put("/api/v1/rules", json={"points_per_hour": 20}, headers=bearer(app, lead))
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"


def test_malformed_json_is_a_400(app, client):
    admin = make_user(app, "admin")
    response = client.put("/api/v1/rules", data="{oops", content_type="application/json",
                          headers=bearer(app, admin))
    assert response.status_code == 400 and response.json["error"]["code"] == "malformed_json"


def test_difficulty_levels_list_the_seeded_ones_with_decimal_strings(app, client):
    resident = make_user(app)
    response = client.get("/api/v1/difficulty-levels", headers=bearer(app, resident))
    assert response.status_code == 200
    by_code = {item["code"]: item["multiplier"] for item in response.json["items"]}
    assert by_code == {"normal": "1", "hard": "1.5", "very_hard": "2", "special": "3"}
    assert response.json["next"] is None


@pytest.mark.parametrize("given, shown", [("1.5", "1.5"), (1.5, "1.5"), ("1.25", "1.25"), (2, "2"),
                                          ("10", "10"), ("0.01", "0.01"), (" 2.50 ", "2.5")])
def test_a_new_level_takes_a_decimal_string_or_number(app, client, given, shown):
    admin = make_user(app, "admin")
    headers = bearer(app, admin)
    response = client.post("/api/v1/difficulty-levels",
                           json={"code": "night", "name": "夜间", "multiplier": given}, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["code"] == "night" and response.json["multiplier"] == shown
    listed = client.get("/api/v1/difficulty-levels", headers=headers).json["items"]
    assert {"code": "night", "name": "夜间", "multiplier": shown}.items() <= listed[-1].items()
    [event] = events(app, "difficulty_level.created")
    assert event.actor_id == admin.id


@pytest.mark.parametrize("bad", [0, "0", -1, 10.01, "10.01", 1.234, "1.234", "abc", True, False,
                                 "1e400", 1e308, 10**40, "NaN", "Infinity", [], {}, "", "9" * 30])
def test_bad_multipliers_are_refused_and_nothing_is_saved(app, client, bad):
    admin = make_user(app, "admin")
    response = client.post("/api/v1/difficulty-levels",
                           json={"code": "odd", "name": "怪", "multiplier": bad}, headers=bearer(app, admin))
    assert response.status_code == 422
    assert "multiplier" in response.json["error"]["fields"]
    with app.app_context():
        assert setup_services.level_by_code("odd") is None


def test_a_duplicate_level_code_is_refused(app, client):
    admin = make_user(app, "admin")
    response = client.post("/api/v1/difficulty-levels",
                           json={"code": "hard", "name": "又难", "multiplier": "1.7"}, headers=bearer(app, admin))
    assert response.status_code == 422
    assert "code" in response.json["error"]["fields"]
    with app.app_context():
        assert setup_services.level_by_code("hard").multiplier == Decimal("1.50")


@pytest.mark.parametrize("body, field", [
    ({"name": "x", "multiplier": "1"}, "code"),
    ({"code": "Bad Code", "name": "x", "multiplier": "1"}, "code"),
    ({"code": "ok", "name": "", "multiplier": "1"}, "name"),
    ({"code": "ok", "name": "x" * 61, "multiplier": "1"}, "name"),
    ({"code": "ok", "name": "a\x00b", "multiplier": "1"}, "name"),
])
def test_level_codes_and_names_are_checked(app, client, body, field):
    admin = make_user(app, "admin")
    response = client.post("/api/v1/difficulty-levels", json=body, headers=bearer(app, admin))
    assert response.status_code == 422 and field in response.json["error"]["fields"]


def test_only_an_admin_adds_levels(app, client):
    resident = make_user(app)
    response = client.post("/api/v1/difficulty-levels", json={"code": "x", "name": "x", "multiplier": "1"},
                           headers=bearer(app, resident))
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert client.post("/api/v1/difficulty-levels", json={}).status_code == 401


def test_updating_a_level_is_audited_and_keeps_its_code(app):
    admin = make_user(app, "admin")
    with app.test_request_context():  # messages are translated: they need a request
        actor = db.session.get(User, admin.id)
        level = setup_services.level_by_code("hard")
        setup_services.update_level(level.id, actor, name="较难", multiplier=Decimal("1.6"), active=False)
        level = setup_services.level_by_code("hard")
        assert (level.multiplier, level.active) == (Decimal("1.60"), False)
        with pytest.raises(ValidationFailed) as refused:
            setup_services.update_level(level.id, actor, name="较难", multiplier="0", active=True)
        assert "multiplier" in refused.value.fields
    [event] = events(app, "difficulty_level.updated")
    assert '"multiplier":"1.5"' in event.before and '"multiplier":"1.6"' in event.after


def test_commendation_types_are_created_and_updated_with_audit(app):
    admin = make_user(app, "admin")
    with app.test_request_context():
        actor = db.session.get(User, admin.id)
        kind = setup_services.create_commendation_type("helper", "热心帮手", 30, actor)
        setup_services.update_commendation_type(kind.id, actor, name="热心帮手", points=40, active=True)
        assert setup_services.commendation_type_by_ref("热心帮手").points == 40
        for code, name, points, field in [("helper", "另一个", 5, "code"), ("other", "热心帮手", 5, "name"),
                                          ("other", "别的", 0, "points"), ("other", "别的", 100001, "points")]:
            with pytest.raises(ValidationFailed) as refused:
                setup_services.create_commendation_type(code, name, points, actor)
            assert field in refused.value.fields
    assert len(events(app, "commendation_type.created")) == 1
    assert len(events(app, "commendation_type.updated")) == 1


def test_levels_are_stored_with_two_places(app):
    with app.app_context():
        level = db.session.execute(sa.select(DifficultyLevel).where(DifficultyLevel.code == "hard")).scalar_one()
        assert setup_services.format_multiplier(level.multiplier) == "1.5"
