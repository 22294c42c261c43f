"""``manage.py check_translations`` on a small project: up to date and translated, or a clear failure."""

import textwrap
from pathlib import Path

import polib
import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

APP_PO = "app/locale/de/LC_MESSAGES/django.po"
ROOT_PO = "locale/de/LC_MESSAGES/django.po"


def write_catalogue(path: Path, entries: list[polib.POEntry]) -> None:
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "de"}
    for entry in entries:
        catalogue.append(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalogue.save(str(path))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An app with one Python string and a template with one string, both translated."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text(
        textwrap.dedent(
            """\
            from django.utils.translation import gettext as _, ngettext


            def greeting(count):
                return _("Hello") + ngettext("%(n)s seat", "%(n)s seats", count) % {"n": count}
            """
        )
    )
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text('{% load i18n %}{% translate "Home" %}\n')
    write_catalogue(
        tmp_path / APP_PO,
        [
            polib.POEntry(msgid="Hello", msgstr="Hallo"),
            polib.POEntry(
                msgid="%(n)s seat",
                msgid_plural="%(n)s seats",
                msgstr_plural={0: "%(n)s Platz", 1: "%(n)s Plätze"},
                flags=["python-format"],
            ),
        ],
    )
    write_catalogue(tmp_path / ROOT_PO, [polib.POEntry(msgid="Home", msgstr="Start")])
    return tmp_path


def check(root: Path) -> str:
    try:
        call_command("check_translations", root=str(root))
    except CommandError as error:
        return str(error)
    return "passed"


def edit(path: Path, msgid: str, **changes) -> None:
    catalogue = polib.pofile(str(path))
    entry = catalogue.find(msgid)
    for name, value in changes.items():
        setattr(entry, name, value)
    catalogue.save()


def test_a_complete_project_passes(project, capsys):
    call_command("check_translations", root=str(project))

    assert capsys.readouterr().out == "Translations complete: 2 catalogue(s) in de.\n"


def test_a_string_missing_from_the_app_catalogue_fails_naming_file_and_msgid(project):
    views = project / "app" / "views.py"
    views.write_text(views.read_text() + '\n\ndef farewell():\n    return _("Goodbye")\n')

    assert check(project) == (
        "1 translation problem(s):\n"
        f'  {APP_PO}: missing msgid "Goodbye", used in app/views.py (run makemessages in app/)'
    )


def test_a_template_string_missing_from_the_root_catalogue_fails(project):
    (project / "templates" / "page.html").write_text('{% load i18n %}{% translate "Home" %}{% translate "About" %}\n')

    assert check(project).startswith(f'1 translation problem(s):\n  {ROOT_PO}: missing msgid "About", used in ')


def test_a_changed_plural_is_missing_and_the_old_one_stale(project):
    views = project / "app" / "views.py"
    views.write_text(views.read_text().replace('"%(n)s seats"', '"%(n)s free seats"'))

    assert check(project).splitlines()[1:] == [
        f'  {APP_PO}: missing msgid "%(n)s seat" (plural "%(n)s free seats"), used in app/views.py '
        "(run makemessages in app/)",
        f'  {APP_PO}: no longer in the code msgid "%(n)s seat" (plural "%(n)s seats") '
        "(run makemessages in app/ with --no-obsolete)",
    ]


def test_a_fuzzy_entry_fails(project):
    edit(project / APP_PO, "Hello", flags=["fuzzy"])

    assert check(project) == f'1 translation problem(s):\n  {APP_PO}: fuzzy msgid "Hello"'


def test_an_empty_msgstr_fails(project):
    edit(project / ROOT_PO, "Home", msgstr="")

    assert check(project) == f'1 translation problem(s):\n  {ROOT_PO}: untranslated msgid "Home"'


def test_an_empty_plural_form_fails(project):
    edit(project / APP_PO, "%(n)s seat", msgstr_plural={0: "%(n)s Platz", 1: ""})

    assert check(project) == (
        f'1 translation problem(s):\n  {APP_PO}: untranslated plural msgid "%(n)s seat" (plural "%(n)s seats")'
    )


def test_a_fuzzy_header_fails(project):
    catalogue = polib.pofile(str(project / ROOT_PO))
    catalogue.metadata_is_fuzzy = True
    catalogue.save()

    assert check(project) == (
        f"1 translation problem(s):\n  {ROOT_PO}: fuzzy header (remove the '#, fuzzy' above the first msgid)"
    )


def test_every_language_but_english_is_checked(project):
    with override_settings(LANGUAGES=[("en", "English"), ("de", "Deutsch"), ("fr", "Français")]):
        problems = check(project).splitlines()

    assert problems[0] == "3 translation problem(s):"
    assert sorted(problems[1:]) == [
        '  app/locale/fr/LC_MESSAGES/django.po: missing msgid "%(n)s seat" (plural "%(n)s seats"), used in '
        "app/views.py (run makemessages in app/)",
        '  app/locale/fr/LC_MESSAGES/django.po: missing msgid "Hello", used in app/views.py (run makemessages in app/)',
        '  locale/fr/LC_MESSAGES/django.po: missing msgid "Home", used in templates/page.html '
        "(run makemessages at the root, or in the app's folder once it has a locale/ folder)",
    ]


def test_the_working_tree_is_not_written(project):
    before = {path: path.read_bytes() for path in project.rglob("*") if path.is_file()}

    check(project)

    assert {path: path.read_bytes() for path in project.rglob("*") if path.is_file()} == before


def add_app(project: Path, name: str, code: str, entries: list[polib.POEntry]) -> None:
    """A second app beside ``app``, with its own views and German catalogue."""
    (project / name).mkdir()
    (project / name / "views.py").write_text(textwrap.dedent(code))
    write_catalogue(project / name / "locale" / "de" / "LC_MESSAGES" / "django.po", entries)


BLOG_HELLO = """\
    from django.utils.translation import gettext as _


    def greeting():
        return _("Hello")
    """


def test_one_msgid_with_two_translations_fails_naming_both_apps(project):
    add_app(project, "blog", BLOG_HELLO, [polib.POEntry(msgid="Hello", msgstr="Guten Tag")])

    assert check(project) == (
        "1 translation problem(s):\n"
        '  de: msgid "Hello" translated differently: "Guten Tag" in blog; "Hallo" in app '
        "(one meaning: use one wording; several: give each a context with pgettext)"
    )


def test_one_msgid_with_the_same_translation_in_two_apps_passes(project, capsys):
    add_app(project, "blog", BLOG_HELLO, [polib.POEntry(msgid="Hello", msgstr="Hallo")])

    call_command("check_translations", root=str(project))

    assert capsys.readouterr().out == "Translations complete: 3 catalogue(s) in de.\n"


def test_a_context_keeps_two_meanings_apart(project, capsys):
    code = """\
        from django.utils.translation import pgettext


        def greeting():
            return pgettext("phone call", "Hello")
        """
    add_app(project, "blog", code, [polib.POEntry(msgctxt="phone call", msgid="Hello", msgstr="Guten Tag")])

    call_command("check_translations", root=str(project))

    assert capsys.readouterr().out == "Translations complete: 3 catalogue(s) in de.\n"


def test_the_root_catalogue_and_differing_plurals_are_compared(project):
    (project / "templates" / "page.html").write_text(
        '{% load i18n %}{% translate "Home" %}{% translate "Hello" %}\n'
        "{% blocktranslate count n=2 %}{{ n }} seat{% plural %}{{ n }} seats{% endblocktranslate %}\n"
    )
    write_catalogue(
        project / ROOT_PO,
        [
            polib.POEntry(msgid="Home", msgstr="Start"),
            polib.POEntry(msgid="Hello", msgstr="Hallo"),
            polib.POEntry(
                msgid="%(n)s seat",
                msgid_plural="%(n)s seats",
                msgstr_plural={0: "%(n)s Sitz", 1: "%(n)s Sitze"},
                flags=["python-format"],
            ),
        ],
    )

    assert check(project).splitlines() == [
        "1 translation problem(s):",
        '  de: msgid "%(n)s seat" (plural "%(n)s seats") translated differently: "%(n)s Platz / %(n)s Plätze" '
        'in app; "%(n)s Sitz / %(n)s Sitze" in locale/ (one meaning: use one wording; several: give each a '
        "context with pgettext)",
    ]


def test_an_untranslated_entry_is_not_also_reported_as_a_different_translation(project):
    add_app(project, "blog", BLOG_HELLO, [polib.POEntry(msgid="Hello", msgstr="")])

    assert check(project) == (
        '1 translation problem(s):\n  blog/locale/de/LC_MESSAGES/django.po: untranslated msgid "Hello"'
    )
