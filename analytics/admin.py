"""The analytics app registers no model: it puts the staff dashboard on the admin's index page."""

from django.contrib import admin

from analytics.dashboard import register

register(admin.site)
