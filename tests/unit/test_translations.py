"""The English catalog keeps up with the source: every msgid found in the tree today has a translation
with the same placeholders, and a user who picks English gets English pages.

Messages are extracted at test time with app/babel.cfg, the map scripts/i18n uses, so a string added
anywhere fails here until `scripts/i18n` is run and the new entries are translated.
"""

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import AuthActions

APP_DIR = Path(__file__).resolve().parents[2] / "app"
CATALOG_DIR = APP_DIR / "translations" / "en" / "LC_MESSAGES"
# The same keywords as scripts/i18n passes to `pybabel extract` (-k ...), on top of Babel's defaults.
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}
PLACEHOLDER = re.compile(r"%\(\w+\)[#0\- +]*\d*(?:\.\d+)?[a-zA-Z]|%[#0\- +]*\d*(?:\.\d+)?[sdifr]")


def _key(message_id):
    """A msgid as the catalog keys it: the singular form for plural messages."""
    return message_id[0] if isinstance(message_id, (tuple, list)) else message_id


def _forms(value) -> list[str]:
    return list(value) if isinstance(value, (tuple, list)) else [value]


@pytest.fixture(scope="module")
def source_messages() -> dict[str, str]:
    """msgid → first place it is used, extracted from the working tree."""
    with open(APP_DIR / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(APP_DIR), method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault((context, _key(message)), f"app/{filename}:{lineno}")
    assert len(found) > 100, "extraction found almost nothing: is app/babel.cfg still right?"
    return found


@pytest.fixture(scope="module")
def catalog():
    with open(CATALOG_DIR / "messages.po", "rb") as handle:
        return read_po(handle)


def test_every_source_message_has_an_english_translation(source_messages, catalog):
    missing = []
    for (context, msgid), where in sorted(source_messages.items(), key=lambda item: item[1]):
        entry = catalog.get(msgid, context=context)
        if entry is None or entry.fuzzy or not all(form.strip() for form in _forms(entry.string)):
            missing.append(f"{where}: {msgid}")
    assert not missing, (
        f"{len(missing)} message(s) without an English translation; run scripts/i18n, translate them in "
        f"app/translations/en/LC_MESSAGES/messages.po, then run scripts/i18n again:\n" + "\n".join(missing)
    )


def test_translations_keep_the_placeholders_of_their_msgid(catalog):
    wrong = []
    for entry in catalog:
        if not entry.id or not entry.string:
            continue
        expected = sorted(PLACEHOLDER.findall(_key(entry.id)))
        for form in _forms(entry.string):
            if form and sorted(PLACEHOLDER.findall(form)) != expected:
                wrong.append(f"{_key(entry.id)!r} → {form!r}")
    assert not wrong, "translations whose placeholders differ from the msgid:\n" + "\n".join(wrong)


def test_compiled_catalog_matches_the_po_file(catalog):
    """Pages are translated from the .mo file (git-ignored, built by scripts/run and scripts/test)."""
    compiled_path = CATALOG_DIR / "messages.mo"
    assert compiled_path.exists(), "messages.mo is missing: run scripts/i18n compile"
    with open(compiled_path, "rb") as handle:
        compiled = read_mo(handle)
    stale = []
    for entry in catalog:
        if entry.id and entry.string and not entry.fuzzy:
            built = compiled.get(entry.id, context=entry.context)
            if built is None or built.string != entry.string:
                stale.append(_key(entry.id))
    assert not stale, "messages.mo is older than messages.po: run scripts/i18n compile\n" + "\n".join(stale)


def test_login_page_is_chinese_by_default_and_english_once_chosen(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<button type="submit" class="primary">登录</button>' in page

    response = client.post("/account/language", data={"language": "en", "next": "/login"})
    assert response.status_code == 302

    page = client.get("/login").get_data(as_text=True)
    assert '<button type="submit" class="primary">Log in</button>' in page
    assert "Username" in page and "Password" in page
    assert "用户名" not in page


def test_signed_in_user_keeps_english_in_a_new_session(app, client, auth, make_user):
    user = make_user("english_user")
    auth.login(user)
    client.post("/account/language", data={"language": "en", "next": "/"})
    auth.logout()
    other_browser = app.test_client()
    assert AuthActions(other_browser).login(user).status_code == 302

    page = other_browser.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Log out" in page
    assert "退出登录" not in page
