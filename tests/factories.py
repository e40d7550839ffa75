"""Plain factory functions. Each opens its own app context and returns plain values,
so tests never hold ORM objects across requests."""

import itertools
from types import SimpleNamespace

from accounts.services import NewUser, create_user
from accounts.tokens import issue_token
from extensions import db

_counter = itertools.count(1)
PASSWORD = "correct-horse-9"


def make_user(app, *roles: str, name: str | None = None, username: str | None = None,
              community_id: int | None = None, phone: str | None = None) -> SimpleNamespace:
    """A person with the given roles (resident by default); returns id, username, password, card_code."""
    n = next(_counter)
    with app.app_context():
        user = create_user(NewUser(
            username=username or f"user{n}", name=name or f"测试用户{n}", password=PASSWORD,
            roles=tuple(roles) or ("resident",), community_id=community_id, phone=phone,
        ), actor=None)
        return SimpleNamespace(id=user.id, username=user.username, password=PASSWORD,
                               card_code=user.card_code, name=user.name)


def bearer(app, user) -> dict:
    """Authorization headers for user (anything with .id), minted directly."""
    with app.app_context():
        token, _ = issue_token(user.id)
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def sign_in(client, user) -> None:
    """Sign a test client in through the real form (CSRF is off in the default app fixture)."""
    response = client.post("/sign-in", data={"username": user.username, "password": user.password})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
