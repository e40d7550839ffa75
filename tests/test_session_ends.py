"""Sessions end on the server (SPEC "Sessions", issue 11 findings 1, 2, 8): a copied session or
"remember me" cookie stops working once its owner signs out or their password is reset, and an
API token stops working once revoked. Expected to fail until the sessions branch lands, except
where noted.
"""

from tests.factories import bearer, make_user


def signed_in(app, person, remember: bool = False):
    client = app.test_client()
    data = {"username": person.username, "password": person.password}
    if remember:
        data["remember"] = "y"
    answer = client.post("/sign-in", data=data)
    assert answer.status_code in (302, 303)
    return client


def copy_of(app, client, *names: str):
    """Another browser holding copies of the named cookies (an attacker's, or a shared PC's)."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, f"no {name} cookie was set"
        thief.set_cookie(name, cookie.value)
    return thief


def is_signed_in(client) -> bool:
    answer = client.get("/")
    return answer.status_code == 200


def test_a_copied_session_cookie_works_until_sign_out_then_never_again(app):
    person = make_user(app)
    owner = signed_in(app, person)
    thief = copy_of(app, owner, "session")
    assert is_signed_in(thief)  # the copy is a real session: the check below can fail

    owner.post("/sign-out")

    assert not is_signed_in(owner)
    assert not is_signed_in(thief)


def test_a_remember_me_cookie_stops_working_after_sign_out(app):
    person = make_user(app)
    owner = signed_in(app, person, remember=True)
    thief = copy_of(app, owner, "remember_token")
    assert is_signed_in(thief)

    owner.post("/sign-out")

    assert owner.get_cookie("remember_token") is None
    assert not is_signed_in(thief)


def test_a_password_reset_ends_every_session_and_token_of_that_person(app, client):
    person, admin = make_user(app), make_user(app, "admin")
    browser = signed_in(app, person)
    token = bearer(app, person)
    assert client.get("/api/v1/me", headers=token).status_code == 200

    reset = client.patch(f"/api/v1/users/{person.id}", headers=bearer(app, admin),
                         json={"password": "a-brand-new-password-7"})

    assert reset.status_code == 200, reset.get_data(as_text=True)[:300]
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert not is_signed_in(browser)


def test_deleting_the_current_token_ends_it_at_once_and_only_it(app, client):
    person = make_user(app)
    token, other_token = bearer(app, person), bearer(app, person)

    answer = client.delete("/api/v1/tokens/current", headers=token)

    assert answer.status_code == 204
    refused = client.get("/api/v1/me", headers=token)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "not_signed_in"
    assert client.get("/api/v1/me", headers=other_token).status_code == 200
