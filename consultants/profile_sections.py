"""Sections that apps above consultants add to the public profile page (``/consultants/<slug>/``).

The consultants app sits below the apps that know more about a consultant (their reviews, …) and
never imports them (docs/architecture.md "Dependencies between apps"); such an app registers a
section in its ``AppConfig.ready()`` instead. A section is a function ``(request, consultant) ->
str`` returning safe HTML (rendered from a template with autoescaping, or ``""`` for nothing); the
profile shows the sections in the order they were registered, after the bio.
"""

from collections.abc import Callable

from django.http import HttpRequest

from .models import Consultant

ProfileSection = Callable[[HttpRequest, Consultant], str]

_SECTIONS: dict[str, ProfileSection] = {}


def register_profile_section(name: str, section: ProfileSection) -> None:
    """Add ``section`` under ``name`` (registering a name again replaces its function)."""
    _SECTIONS[name] = section


def render_profile_sections(request: HttpRequest, consultant: Consultant) -> list[str]:
    """The HTML of every registered section for ``consultant``, empty ones left out."""
    return [html for html in (section(request, consultant) for section in _SECTIONS.values()) if html]
