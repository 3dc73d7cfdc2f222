"""Query-parameter filters for the REST API.

django-filter turns a foreign key into a choice over every row of the related table. The
browsable API renders that choice on every list page: every campaign's name for anyone who may
list anything, and one option per item (a whole-table read) at 200,000 items. Foreign keys here
filter by id with a plain number instead.
"""

from __future__ import annotations

from django.db import models
from django_filters import rest_framework as filters


class IdFilterSet(filters.FilterSet):
    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": filters.NumberFilter},
        models.OneToOneField: {"filter_class": filters.NumberFilter},
    }


class IdFilterBackend(filters.DjangoFilterBackend):
    filterset_base = IdFilterSet
