"""``manage.py check_translations``: the committed .po files match the code and are fully translated.

Three checks, all over every ``locale/`` folder of the project (``<app>/locale/`` and the root
``locale/`` of ``LOCALE_PATHS``):

1. Up to date: ``makemessages`` is run for every language of ``LANGUAGES`` but English on a temporary
   copy of the project; every msgid it extracts (with its context and plural) must already be in the
   committed .po file at the same place, and the committed file may hold no msgid the code no longer
   has. The working tree is never written.
2. Translated: in every committed .po file of a language in ``LANGUAGES`` other than English, no
   entry has an empty ``msgstr`` (or an empty plural form) and none is marked ``fuzzy``.
3. Consistent: one (context, msgid, plural) has the same translation in every catalogue of a language.
   Django merges the catalogues of a language into one (``LOCALE_PATHS`` first, then the apps in
   ``INSTALLED_APPS`` order), so one catalogue's wording would win on every page of every app; a string
   with two meanings needs a context (``pgettext``), one meaning needs one wording.

Exits 0 with a one-line summary, or 1 (``CommandError``) listing each problem as
``<file>: <problem> msgid "<msgid>"`` (or ``<language>: msgid "<msgid>" translated differently: …``
naming each wording and the folders that use it). Needs GNU gettext (``xgettext``, ``msgmerge``), as
``makemessages`` does.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import BaseCommand, CommandError

from magnetiq.translation import DEFAULT_LANGUAGE

CATALOGUE = Path("LC_MESSAGES") / "django.po"
# Folders that hold no code of ours: dependencies, build output, data.
SKIPPED_DIRS = frozenset({".git", ".venv", "node_modules", "var", "__pycache__", "static", ".mypy_cache"})

EntryKey = tuple[str | None, str, str]


def target_languages() -> list[str]:
    """The languages that need a translation: every code of ``settings.LANGUAGES`` but English."""
    return [code for code, _ in settings.LANGUAGES if code != DEFAULT_LANGUAGE]


def catalogues(root: Path) -> Iterator[Path]:
    """Every ``<…>/locale/<lang>/LC_MESSAGES/django.po`` under ``root``, skipping dependencies."""
    for dirpath, dirnames, _ in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith("."))
        if Path(dirpath).name == "locale":
            for language in dirnames:
                path = Path(dirpath) / language / CATALOGUE
                if path.is_file():
                    yield path
            dirnames.clear()


def entry_key(entry: polib.POEntry) -> EntryKey:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or "")


def describe(key: EntryKey) -> str:
    context, msgid, plural = key
    text = f'msgid "{msgid}"'
    if plural:
        text += f' (plural "{plural}")'
    if context:
        text += f' (context "{context}")'
    return text


def untranslated(path: Path, relative: Path) -> list[str]:
    """The empty and fuzzy entries of one committed catalogue."""
    problems = []
    catalogue = polib.pofile(str(path))
    if catalogue.metadata_is_fuzzy:
        # msgfmt skips a fuzzy header, and with it the charset and plural rules of the whole file.
        problems.append(f"{relative}: fuzzy header (remove the '#, fuzzy' above the first msgid)")
    for entry in catalogue:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"{relative}: fuzzy {describe(entry_key(entry))}")
        elif entry.msgid_plural:
            if not entry.msgstr_plural or any(not text for text in entry.msgstr_plural.values()):
                problems.append(f"{relative}: untranslated plural {describe(entry_key(entry))}")
        elif not entry.msgstr:
            problems.append(f"{relative}: untranslated {describe(entry_key(entry))}")
    return problems


def translation(entry: polib.POEntry) -> str | None:
    """The entry's translation as one text (plural forms joined by " / "), or None while it is empty
    or fuzzy (those are reported by :func:`untranslated`)."""
    if entry.obsolete or "fuzzy" in entry.flags:
        return None
    if entry.msgid_plural:
        forms = [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
        return " / ".join(forms) if forms and all(forms) else None
    return entry.msgstr or None


def folder_name(relative: Path) -> str:
    """``bookings`` for ``bookings/locale/de/LC_MESSAGES/django.po``, ``locale/`` for the root one."""
    folder = relative.parent.parent.parent.parent
    return "locale/" if str(folder) == "." else str(folder)


def inconsistent(root: Path, files: list[Path]) -> list[str]:
    """The (context, msgid, plural) keys that two catalogues of one language translate differently."""
    # language → key → wording → the folders whose catalogue uses that wording
    wordings: dict[str, dict[EntryKey, dict[str, list[str]]]] = {}
    for path in files:
        relative = path.relative_to(root)
        by_key = wordings.setdefault(relative.parts[-3], {})
        for entry in polib.pofile(str(path)):
            text = translation(entry)
            if text is not None:
                by_key.setdefault(entry_key(entry), {}).setdefault(text, []).append(folder_name(relative))
    problems = []
    for language in sorted(wordings):
        for key, folders_by_text in sorted(wordings[language].items(), key=lambda item: str(item[0])):
            if len(folders_by_text) < 2:
                continue
            used = "; ".join(
                f'"{text}" in {", ".join(sorted(folders))}' for text, folders in sorted(folders_by_text.items())
            )
            problems.append(
                f"{language}: {describe(key)} translated differently: {used} (one meaning: use one wording; "
                "several: give each a context with pgettext)"
            )
    return problems


def _ignore_for_copy(directory: str, names: list[str]) -> set[str]:
    return {name for name in names if name in SKIPPED_DIRS or name.endswith((".mo", ".pyc"))}


def extract(root: Path, languages: list[str], workdir: Path) -> Path:
    """Run ``makemessages`` for ``languages`` on a copy of ``root`` in ``workdir``; return the copy.

    The copy starts from the committed catalogues, so the result holds what a developer would get by
    running makemessages now (``--no-obsolete``); the file names of each string are kept
    (``--add-location=file``) to say where a missing one is used.
    """
    copy = workdir / "project"
    shutil.copytree(root, copy, ignore=_ignore_for_copy, symlinks=True)
    # Strings outside any app's locale/ land in the project's own locale/ (LOCALE_PATHS), in the copy.
    (copy / "locale").mkdir(exist_ok=True)
    command = [sys.executable, "-m", "django", "makemessages", "--no-obsolete", "--add-location=file", "--verbosity=0"]
    command += [f"--ignore={name}" for name in sorted(SKIPPED_DIRS)]
    for language in languages:
        command += ["--locale", language]
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE,
        # The copy's own settings first (its BASE_DIR, so LOCALE_PATHS points into the copy).
        "PYTHONPATH": os.pathsep.join([str(copy), str(settings.BASE_DIR), os.environ.get("PYTHONPATH", "")]),
    }
    # Our own interpreter and fixed arguments: nothing from outside reaches the command line.
    result = subprocess.run(command, cwd=copy, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise CommandError(f"makemessages failed:\n{result.stderr.strip() or result.stdout.strip()}")
    return copy


def out_of_date(root: Path, copy: Path, languages: list[str]) -> list[str]:
    """The msgids the code has and the committed catalogues lack, and the ones they hold in vain."""
    problems = []
    extracted = {path.relative_to(copy): path for path in catalogues(copy)}
    committed = {path.relative_to(root): path for path in catalogues(root)}
    for relative in sorted(set(extracted) | set(committed)):
        if relative.parts[-3] not in languages:
            continue
        used_in = {}
        if relative in extracted:
            for entry in polib.pofile(str(extracted[relative])):
                used_in[entry_key(entry)] = sorted({file for file, _ in entry.occurrences})
        in_code = set(used_in)
        if relative in committed:
            in_file = {entry_key(e) for e in polib.pofile(str(committed[relative])) if not e.obsolete}
        else:
            in_file = set()
        folder = relative.parent.parent.parent.parent
        if str(folder) != ".":
            hint = f"run makemessages in {folder}/"
        else:
            hint = "run makemessages at the root, or in the app's folder once it has a locale/ folder"
        for key in sorted(in_code - in_file, key=str):
            problems.append(f"{relative}: missing {describe(key)}, used in {', '.join(used_in[key])} ({hint})")
        for key in sorted(in_file - in_code, key=str):
            problems.append(f"{relative}: no longer in the code {describe(key)} ({hint} with --no-obsolete)")
    return problems


class Command(BaseCommand):
    help = (
        "Fail when a translatable string of the code is missing from the committed .po files, or when "
        "a language other than English has an empty or fuzzy entry, or one string two translations."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--root",
            default=str(settings.BASE_DIR),
            help="The project folder to check (default: the project's BASE_DIR).",
        )

    def handle(self, *args, root: str, **options):
        root_path = Path(root).resolve()
        if not root_path.is_dir():
            raise CommandError(f"{root} is not a folder.")
        languages = target_languages()
        problems: list[str] = []
        with tempfile.TemporaryDirectory(prefix="check-translations-") as workdir:
            copy = extract(root_path, languages, Path(workdir))
            problems += out_of_date(root_path, copy, languages)
        files = [path for path in catalogues(root_path) if path.parts[-3] in languages]
        for path in files:
            problems += untranslated(path, path.relative_to(root_path))
        problems += inconsistent(root_path, files)
        if problems:
            raise CommandError(
                f"{len(problems)} translation problem(s):\n" + "\n".join(f"  {problem}" for problem in problems)
            )
        checked = ", ".join(languages) or "no language"
        self.stdout.write(f"Translations complete: {len(files)} catalogue(s) in {checked}.")
