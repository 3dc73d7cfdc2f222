"""One way to cut a list into pages, for every list page (templates/_pagination.html draws it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 50


def page_of(request: HttpRequest, rows: QuerySet[Any] | Sequence[Any], *, per_page: int = PAGE_SIZE) -> Page:
    """The page the request asks for (?page=N); out of range or not a number: the nearest page."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))
