"""Sign-in throttling counts across every server process (SPEC "Bad input and failure"): ten failed
token requests for one username, each on a new connection to a 4-worker gunicorn (so they land on
different workers), and the eleventh — even with the right password — answers 429 rate_limited."""

import pytest
import requests

from tests import load_helpers
from tests.factories import make_user

servers = load_helpers.servers


@pytest.mark.slow
def test_failed_sign_ins_are_counted_across_all_workers(app, database_url, tmp_path, servers):
    person = make_user(app)
    server = servers(database_url, tmp_path)

    def sign_in(password: str) -> requests.Response:
        return requests.post(f"{server.url}/api/v1/tokens", json={"username": person.username, "password": password},
                             headers={"Connection": "close", "Accept-Language": "en"}, timeout=60)

    failures = [sign_in("wrong-password-0").status_code for _ in range(10)]
    eleventh = sign_in(person.password)

    assert failures == [401] * 10
    assert eleventh.status_code == 429
    assert eleventh.json()["error"]["code"] == "rate_limited"
