"""Every page in both languages: a German translation that is missing fails here."""

import os
import shutil
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

from common.management.commands.compile_translations import catalogue_paths

BASE_DIR = Path(settings.BASE_DIR)
sys.path.insert(0, str(BASE_DIR / "scripts"))
import portal  # noqa: E402


def entry_problems(po_path: Path) -> list[str]:
    problems = []
    for entry in polib.pofile(str(po_path)):
        if entry.obsolete:
            continue
        where = f"{po_path.relative_to(BASE_DIR)}: {entry.msgid!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where} is fuzzy")
        elif entry.msgid_plural and not all(entry.msgstr_plural.values()):
            problems.append(f"{where} lacks a plural form")
        elif not entry.msgid_plural and not entry.msgstr:
            problems.append(f"{where} is untranslated")
    return problems


def test_there_is_a_german_catalogue():
    assert any(path.parts[-3] == "de" for path in catalogue_paths())


def test_every_german_message_is_translated_and_not_fuzzy():
    problems = [problem for path in catalogue_paths() for problem in entry_problems(path)]
    assert not problems, "\n".join(problems)


def test_catalogues_contain_every_message_of_the_code(tmp_path):
    """Run makemessages on a copy of the tree: it must find no msgid the catalogues lack."""
    if not shutil.which("xgettext"):
        if os.environ.get("CI"):
            pytest.fail("GNU gettext (xgettext) is needed in CI to check the catalogues")
        pytest.skip("GNU gettext not installed (apt-get install gettext)")
    copy = tmp_path / "tree"
    shutil.copytree(BASE_DIR, copy, ignore=shutil.ignore_patterns(".venv", ".data", ".git", "node_modules", "__pycache__", "*.mo"))
    portal.update_catalogues(copy)
    missing = []
    for path in catalogue_paths():
        known = {(e.msgctxt, e.msgid) for e in polib.pofile(str(path)) if not e.obsolete}
        fresh = polib.pofile(str(copy / path.relative_to(BASE_DIR)))
        missing += [f"{path.relative_to(BASE_DIR)}: {e.msgid!r}" for e in fresh if not e.obsolete and (e.msgctxt, e.msgid) not in known]
    new_catalogues = {p.relative_to(copy) for p in copy.rglob("locale/de/LC_MESSAGES/django.po")} - {
        p.relative_to(BASE_DIR) for p in catalogue_paths()
    }
    assert not new_catalogues, f"catalogues not committed: {new_catalogues}"
    assert not missing, "Run `make messages` and translate:\n" + "\n".join(missing)


def test_german_is_served_when_chosen(client, employee):
    client.force_login(employee)
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/me/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/me/"
    assert "Offene Umfragen" in response.content.decode()
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    # remembered: the next request without any hint is still German
    assert "Offene Umfragen" in client.get("/me/").content.decode()
