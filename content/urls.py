"""The public pages, mounted through ``i18n_patterns`` after every other app: ``/`` and
``/<slug>/`` in English, ``/de/`` and ``/de/<slug>/`` in German. The page with the slug ``home``
is the front page; the slug catch-all comes last.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="content-home"),
    path("<slug:slug>/", views.page_detail, name="content-page"),
]
