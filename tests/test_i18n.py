"""Simplified Chinese by default, English on request, and no string left untranslated."""

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.factories import make_user, sign_in

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.po"
MO = ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.mo"


def test_pages_speak_chinese_when_the_browser_states_no_preference(app):
    page = app.test_client().get("/sign-in", headers={"Accept-Language": ""}).get_data(as_text=True)
    assert "用户名" in page and "密码" in page
    assert 'lang="zh-CN"' in page


def test_an_english_browser_gets_english(app):
    page = app.test_client().get("/sign-in", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Username" in page and "用户名" not in page


def test_the_language_switch_sticks_for_the_session(app):
    resident = make_user(app)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    sign_in(client, resident)
    client.get("/lang/en?next=/")
    assert "My points" in client.get("/").get_data(as_text=True)
    client.get("/lang/zh?next=/")
    assert "我的积分" in client.get("/").get_data(as_text=True)


def test_api_errors_follow_the_callers_language(app):
    zh = app.test_client().get("/api/v1/me", headers={"Accept-Language": "zh-CN"}).get_json()
    en = app.test_client().get("/api/v1/me", headers={"Accept-Language": "en"}).get_json()
    assert zh["error"]["code"] == en["error"]["code"] == "not_signed_in"
    assert zh["error"]["message"] != en["error"]["message"]


def test_every_string_in_the_code_has_a_chinese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-k", "ngettext:1,2", "-o", str(pot),
         "accounts", "audit", "core", "points", "redemption", "reports", "notifications", "templates", "app.py",
         "cli.py", "commands"],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with PO.open("rb") as f:
        translated = {
            (m.id if isinstance(m.id, str) else m.id[0])
            for m in read_po(f) if m.id and (m.string if isinstance(m.string, str) else m.string[0])
        }
    missing = sorted(wanted - translated)
    assert not missing, f"untranslated (run `make translations`): {missing[:20]}"


def test_the_compiled_catalogue_matches_the_source(tmp_path):
    def entries(catalog):
        return {_key(m.id): _key(m.string) for m in catalog if m.id}

    with PO.open("rb") as f:
        source = entries(read_po(f))
    with MO.open("rb") as f:
        compiled = entries(read_mo(f))
    assert source == compiled, "messages.mo is stale: run `make translations`"


def _key(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value
