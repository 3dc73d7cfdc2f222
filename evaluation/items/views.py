"""The item browser (reviewers and admins): search and filter every judged item, then void their
judgements, send them to adjudication or (admins) export them, each after a confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from annotation.models import Item, ItemPurpose, Judgement
from annotation.quality.services import QualityRejected, items_adjudication_request
from annotation.services import JudgementRejected, items_judgements_void
from common.pagination import page_of
from common.roles import reviewer_required, user_is_admin
from evaluation.exports.services import ExportRefused, export_create
from evaluation.figures.selectors import FigureScope
from evaluation.items import selectors
from evaluation.items.filters import ItemFilter
from evaluation.items.forms import ADJUDICATE, EXPORTS, VOID, BulkActionForm
from evaluation.models import Export

PAGE_SIZE = 50


@reviewer_required
def item_browser(request: HttpRequest) -> HttpResponse:
    filters = ItemFilter(request.GET or None, queryset=selectors.items_browsable())
    page = page_of(request, filters.qs, per_page=PAGE_SIZE)
    context = {
        "filters": filters,
        "page": page,
        "rows": selectors.item_rows(page),
        "bulk": BulkActionForm(can_export=user_is_admin(request.user)),
    }
    template = "evaluation/items/browser.html"
    # A filter changed: htmx swaps in the results only.
    return render(request, f"{template}#results" if request.htmx else template, context)


def _back(form: BulkActionForm) -> str:
    back = form.cleaned_data.get("back") or ""
    default = reverse("evaluation:items")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts=None) and back.startswith(default):
        return back
    return default


@reviewer_required
@require_POST
def item_bulk(request: HttpRequest) -> HttpResponse:
    can_export = user_is_admin(request.user)
    if request.POST.get("action") in EXPORTS and not can_export:
        raise PermissionDenied(_("Only admins may export."))
    form = BulkActionForm(request.POST, can_export=can_export)
    if not form.is_valid():
        return render(request, "evaluation/items/bulk_confirm.html", {"form": form}, status=400)
    data = form.cleaned_data
    items = list(
        Item.objects.filter(pk__in=data["items"], purpose=ItemPurpose.REGULAR)
        .select_related("campaign")
        .order_by("pk")
    )
    action, reason = data["action"], data["reason"].strip()
    if not data["confirmed"]:
        # Nothing changes before the person has read what will.
        judgements = (
            Judgement.objects.unvoided()
            .filter(item__in=items)
            .aggregate(n=Count("pk"), counted=Count("pk", filter=Q(excluded=False)))
        )
        context = {
            "form": form,
            "items": items,
            "action": action,
            "reason": reason,
            "judgements": judgements,
            "back": _back(form),
        }
        return render(request, "evaluation/items/bulk_confirm.html", context)
    try:
        if action == VOID:
            n = items_judgements_void(items=items, by=request.user, reason=reason)
            messages.success(
                request, ngettext("%(n)s judgement voided.", "%(n)s judgements voided.", n) % {"n": n}
            )
        elif action == ADJUDICATE:
            n = items_adjudication_request(items=items, by=request.user, note=reason)
            messages.success(
                request,
                ngettext("%(n)s item sent to adjudication.", "%(n)s items sent to adjudication.", n)
                % {"n": n},
            )
        else:
            scope = FigureScope(
                campaign_ids=tuple(sorted({item.campaign_id for item in items})),
                item_ids=tuple(item.pk for item in items),
                include_incomplete=True,
            )
            export = export_create(
                kind=Export.Kind.SCORED, fmt=EXPORTS[action], scope=scope, user=request.user
            )
            return redirect("evaluation:export", export_id=export.pk)
    except (JudgementRejected, QualityRejected, ExportRefused) as refused:
        messages.error(request, str(refused))
    return redirect(_back(form))
