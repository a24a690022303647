"""The French catalogue is complete and its compiled form is up to date."""

import gettext
from pathlib import Path

import polib
from django.urls import reverse

LOCALE = Path(__file__).resolve().parents[2] / "grappe" / "locale" / "fr" / "LC_MESSAGES"


def test_french_catalogue_is_complete():
    po = polib.pofile(str(LOCALE / "django.po"))

    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]

    assert (untranslated, fuzzy) == ([], [])


def test_compiled_catalogue_matches_the_po_file():
    po = polib.pofile(str(LOCALE / "django.po"))
    with (LOCALE / "django.mo").open("rb") as handle:
        mo = gettext.GNUTranslations(handle)

    def compiled(entry):
        return mo.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else mo.gettext(entry.msgid)

    stale = [e.msgid for e in po if not e.msgid_plural and e.msgid and compiled(e) != e.msgstr]

    assert stale == []


def test_placeholders_survive_translation():
    po = polib.pofile(str(LOCALE / "django.po"))
    import re

    pattern = re.compile(r"%\((\w+)\)s")
    broken = [e.msgid for e in po if e.msgstr and sorted(pattern.findall(e.msgid)) != sorted(pattern.findall(e.msgstr))]

    assert broken == []


def test_language_switch_sets_the_language(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    french = client.get(reverse("home")).content.decode()

    assert '<html lang="en">' in english
    assert "Browse the directory" in english
    assert '<html lang="fr">' in french
    assert "Parcourir l'annuaire" in french
