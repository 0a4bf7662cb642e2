"""The English catalog: complete for the current texts, placeholders intact, compiled .mo current.

Swedish is the source language (the msgids); see docs/translations.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "webui" / "translations"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"

EXTRACT_OPTIONS = [
    "-F", "babel.cfg",
    "-k", "_", "-k", "gettext", "-k", "ngettext", "-k", "N_",
    "--no-location", "--sort-output",
    "--ignore-dirs=.venv node_modules tests .git",
]
EXTRACT = (
    "pybabel extract -F babel.cfg -k _ -k gettext -k ngettext -k N_ --no-location"
    " --sort-output --ignore-dirs='.venv node_modules tests .git'"
    " -o webui/translations/messages.pot ."
)
UPDATE = "pybabel update -i webui/translations/messages.pot -d webui/translations"
COMPILE = "pybabel compile -d webui/translations"
HOW_TO_FIX = (
    "From the repository root run:\n"
    f"  {EXTRACT}\n"
    f"  {UPDATE}\n"
    "then translate every empty or fuzzy entry in webui/translations/en/LC_MESSAGES/messages.po"
    " (and remove its '#, fuzzy' line), and run:\n"
    f"  {COMPILE}\n"
    "See docs/translations.md."
)
PLACEHOLDER = re.compile(r"%\(\w+\)[a-zA-Z]")


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def _strings(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


@pytest.fixture(scope="module")
def english() -> Catalog:
    assert EN_PO.exists(), f"{EN_PO.relative_to(ROOT)} is missing.\n{HOW_TO_FIX}"
    return _read_po(EN_PO)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """A fresh extraction of the current source, with the project's options."""
    pot = tmp_path_factory.mktemp("babel") / "messages.pot"
    done = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", *EXTRACT_OPTIONS,
         "-o", str(pot), "."],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, f"pybabel extract failed:\n{done.stderr}"
    return _read_po(pot)


def test_every_text_has_an_english_translation(english: Catalog, extracted: Catalog) -> None:
    translated = {
        _key(m.id)
        for m in english
        if m.id and not m.fuzzy
        and _strings(m.string) and all(s.strip() for s in _strings(m.string))
    }
    wanted = {_key(m.id) for m in extracted if m.id}
    missing = sorted(wanted - translated)
    assert not missing, (
        f"{len(missing)} text(s) in the source have no English translation"
        " (missing, empty or fuzzy in the en catalog):\n"
        + "\n".join(f"  {text!r}" for text in missing)
        + f"\n{HOW_TO_FIX}"
    )


def test_english_keeps_the_placeholders(english: Catalog) -> None:
    wrong = []
    for message in english:
        if not message.id:
            continue
        expected = {p for text in _strings(message.id) for p in PLACEHOLDER.findall(text)}
        for text in _strings(message.string):
            if text and set(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"  {_key(message.id)!r} -> {text!r}: needs {sorted(expected)}")
    assert not wrong, (
        "English translations whose %(name)s placeholders differ from the Swedish text:\n"
        + "\n".join(wrong)
        + "\nFix them in webui/translations/en/LC_MESSAGES/messages.po, then run:\n"
        f"  {COMPILE}"
    )


def test_compiled_catalog_matches_the_po(english: Catalog) -> None:
    stale = f"Rebuild it from the repository root with:\n  {COMPILE}\nand commit the new .mo."
    assert EN_MO.exists(), f"{EN_MO.relative_to(ROOT)} is missing.\n{stale}"
    with EN_MO.open("rb") as handle:
        compiled = read_mo(handle)
    # pybabel compile leaves out fuzzy and untranslated entries, so compare what it keeps.
    expected = {
        m.id: m.string for m in english
        if m.id and not m.fuzzy and all(_strings(m.string))
    }
    actual = {m.id: m.string for m in compiled if m.id}
    differ = sorted(
        _key(k) for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k)
    )
    assert not differ, (
        f"{EN_MO.relative_to(ROOT)} is out of date with messages.po"
        f" ({len(differ)} entries differ, e.g. {differ[:3]!r}).\n{stale}"
    )
