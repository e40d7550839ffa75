"""The benchmark compares like with like: the bare Flask floor answers what Jifen answers, and the
report marks each target met or missed by how much."""

import pytest

from bench.bare_app import create_app as create_bare_app
from bench.report import targets_for, verdict
from tests.factories import bearer, make_user


@pytest.fixture
def bare(app):
    floor = create_bare_app(app.config["SQLALCHEMY_DATABASE_URI"])
    yield floor.test_client()
    floor.extensions["bare_engine"].dispose()


def test_bare_floor_answers_me_exactly_as_jifen_does(app, client, bare):
    resident = make_user(app)
    headers = bearer(app, resident)
    mine, floor = client.get("/api/v1/me", headers=headers), bare.get("/api/v1/me", headers=headers)
    assert mine.status_code == floor.status_code == 200
    assert floor.get_json() == mine.get_json()
    assert floor.get_json()["id"] == resident.id


def test_bare_floor_refuses_a_missing_or_unknown_token_like_jifen(app, client, bare):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}):
        mine, floor = client.get("/api/v1/me", headers=headers), bare.get("/api/v1/me", headers=headers)
        assert mine.status_code == floor.status_code == 401
        assert floor.get_json()["error"]["code"] == mine.get_json()["error"]["code"] == "not_signed_in"


def test_bare_floor_health_check_reads_the_same_database(client, bare):
    assert bare.get("/healthz").get_json() == client.get("/healthz").get_json() == {"status": "ok"}


def test_report_says_by_how_much_a_target_is_missed():
    assert verdict(12.0, 15, "max") == "met"
    assert verdict(30.0, 15, "max") == "missed by 15 (2.0×)"
    assert verdict(1200, 1000, "min") == "met"
    assert verdict(250, 500, "min") == "missed by 250 (50% of it)"
    assert verdict(None, 10, "max") == "not measured"


def test_report_holds_redemptions_to_a_third_of_health_and_the_floor_to_one_and_a_half():
    def point(rate, p95=1.0):
        return {"light": {"per_second": rate, "p95_ms": p95}, "saturation": {"per_second": rate, "p95_ms": p95}}

    endpoints = {"healthz": point(900), "healthz (bare Flask)": point(1800), "redemption POST": point(450)}
    goals = dict(targets_for("sqlite", endpoints))
    assert goals["redemption POST"] == [("rate ≥ 500/s", "missed by 50 (90% of it)"), ("≥ 1/3 of /healthz", "met")]
    assert goals["healthz"] == [("within 1.5× of bare Flask", "missed: 2.00×")]
    assert dict(targets_for("postgresql", endpoints))["redemption POST"][0] == ("rate ≥ 400/s", "met")


def test_report_says_whether_the_machine_was_shared_from_the_load_before_the_run():
    from bench.report import _machine_state

    assert "shared with other work" in _machine_state({"load_before": [6.2, 5.0, 4.0]})
    idle = _machine_state({"load_before": [0.4, 0.3, 0.2], "load_after": [3.9, 3.0, 2.0]})
    assert "otherwise idle" in idle and "0.4 before" in idle and "3.9 after" in idle
