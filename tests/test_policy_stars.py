"""Star levels from approved service minutes and points earned, never the balance."""

import pytest

from points import stats
from points.stars import star_for
from policy.current import StarLevel
from tests.factories import bearer, make_user, sign_in
from tests.factories_points import spend
from tests.factories_policy import levels, policy, serve, volunteers
from tests.factories_store import give_points

SCALE = tuple(StarLevel(n, h) for n, h in enumerate((100, 300, 600, 1000, 1500), start=1))


@pytest.mark.parametrize("hours, star", [(100, 1), (300, 2), (600, 3), (1000, 4), (1500, 5)])
def test_each_national_threshold_is_reached_at_its_hours_not_a_minute_before(hours, star):
    assert star_for(hours * 60 - 1, 0, SCALE) == star - 1
    assert star_for(hours * 60, 0, SCALE) == star
    assert star_for(0, 10**9, SCALE) == 0  # points alone never make a star


def test_a_level_with_points_earned_needs_both():
    scale = (StarLevel(1, 1, 0), StarLevel(2, 2, 100))
    assert star_for(120, 99, scale) == 1
    assert star_for(120, 100, scale) == 2
    assert star_for(119, 100, scale) == 1


def account(app, client, viewer, user):
    return client.get(f"/api/v1/accounts/{user.id}", headers=bearer(app, viewer)).get_json()


def test_the_account_answers_minutes_points_earned_and_star_at_each_policy_threshold(app, client):
    w = volunteers(app)
    policy(app, w.admin, star_levels=levels(1, 2, 3))
    serve(app, w, w.a, 59)
    body = account(app, client, w.a, w.a)
    assert body["service_minutes"] == 59 and body["star"] == 0 and body["points_earned"] == 10
    serve(app, w, w.a, 1)
    assert account(app, client, w.a, w.a)["star"] == 1
    serve(app, w, w.a, 59)
    assert account(app, client, w.admin, w.a)["star"] == 1
    serve(app, w, w.a, 1)
    body = account(app, client, w.admin, w.a)
    assert body["star"] == 2 and body["service_minutes"] == 120
    serve(app, w, w.a, 60)
    assert account(app, client, w.a, w.a)["star"] == 3  # the top


def test_spending_never_demotes_but_a_reversal_of_earned_points_lowers_points_earned(app, client):
    w = volunteers(app)
    policy(app, w.admin, star_levels=levels(1, 2, points=(0, 20)))
    serve(app, w, w.a, 120)  # 20 points
    before = account(app, client, w.a, w.a)
    assert before["star"] == 2 and before["points_earned"] == 20 and before["balance"] == 20
    spend(app, w.a, 20)
    after = account(app, client, w.a, w.a)
    assert after["balance"] == 0 and after["points_earned"] == 20 and after["star"] == 2


def test_commendations_and_positive_adjustments_count_as_earned_negative_ones_do_not(app, client):
    admin, resident = make_user(app, "admin"), make_user(app)
    headers = bearer(app, admin)
    assert client.post("/api/v1/commendations", json={"user_id": resident.id, "type": "excellent_volunteer",
                                                      "reason": "照顾孤寡老人"}, headers=headers).status_code == 201
    client.post("/api/v1/adjustments", json={"user_id": resident.id, "points": 30, "reason": "补发"}, headers=headers)
    client.post("/api/v1/adjustments", json={"user_id": resident.id, "points": -10, "reason": "更正"}, headers=headers)
    body = account(app, client, admin, resident)
    assert body["points_earned"] == body["balance"] + 10
    with app.app_context():
        from points.stats import verify_stats

        assert verify_stats() == []


def test_verify_and_rebuild_agree_with_the_kept_points_earned(app, client):
    w = volunteers(app)
    serve(app, w, w.a, 90)
    give_points(app, w.b.id, 40)
    with app.app_context():
        assert stats.verify_stats() == []
        kept = stats.points_earned(w.a.id), stats.points_earned(w.b.id)
        stats.rebuild()
        assert (stats.points_earned(w.a.id), stats.points_earned(w.b.id)) == kept == (15, 40)
        assert stats.verify_stats() == []


def test_the_star_shows_on_home_card_team_view_and_honour_roll(app, client):
    w = volunteers(app)
    policy(app, w.admin, star_levels=levels(1, 2))
    serve(app, w, w.a, 130)
    sign_in(client, w.a)
    home = client.get("/").get_data(as_text=True)
    assert 'data-star="2"' in home and "two-star volunteer" in home
    assert 'data-star="2"' in client.get("/card").get_data(as_text=True)
    client.post("/sign-out")
    sign_in(client, w.lead)
    assert "★★" in client.get(f"/lead/teams/{w.team_id}").get_data(as_text=True)
    client.post("/sign-out")
    assert 'data-star="2"' in client.get("/reports/honour").get_data(as_text=True)


def test_another_resident_is_told_not_found(app, client):
    a, b = make_user(app), make_user(app)
    response = client.get(f"/api/v1/accounts/{b.id}", headers=bearer(app, a))
    assert response.status_code == 404
