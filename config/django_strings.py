"""Strings of Django's own templates that Django's Simplified Chinese catalogue does not translate
yet (the admin index's table headings for screen readers, new in Django 5). Marked here so that
makemessages carries them into our catalogue, which LOCALE_PATHS puts before Django's."""

from django.utils.translation import gettext_noop

DJANGO_ADMIN_INDEX = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
)
