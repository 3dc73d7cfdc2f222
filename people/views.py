"""People, roles and expert domains (admins only), with the same rules as user_create and
common.roles; and each person's own preferences: interface language and judging shortcuts."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.middleware import SESSION_LANGUAGE_KEY
from common.pagination import page_of
from common.roles import ROLE_LABELS, admin_required, user_roles
from people import selectors, services
from people.forms import LoginForm, PeopleSearchForm, PersonCreateForm, PersonRolesForm
from people.services import SESSION_SHORTCUTS_OFF
from people.sso import oidc_enabled, provider_button_label


def _person_row(user: User) -> dict[str, object]:
    profile = getattr(user, "annotator_profile", None)
    # From the prefetched groups: no query per person.
    user._valuelens_role_names = [group.name for group in user.groups.all()]  # type: ignore[attr-defined]
    roles = user_roles(user)
    return {
        "user": user,
        "roles": [ROLE_LABELS[role] for role in ROLE_LABELS if role in roles],
        "domains": [d.display_name for d in profile.domains.all()] if profile else [],
    }


@admin_required
def people_list(request: HttpRequest) -> HttpResponse:
    search = PeopleSearchForm(request.GET)
    data = search.cleaned_data if search.is_valid() else {}
    page = page_of(request, selectors.people_list(text=data.get("q") or "", role=data.get("role") or ""))
    rows = [_person_row(user) for user in page]
    return render(request, "people/list.html", {"search": search, "page": page, "rows": rows})


@admin_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_create(
            username=form.cleaned_data["username"],
            password=form.cleaned_data.get("password"),
            roles=form.cleaned_roles(),
            domains=form.cleaned_data["domains"],
        )
        messages.success(request, _("%(name)s can now log in.") % {"name": user.username})
        return redirect("people:list")
    return render(request, "people/create.html", {"form": form})


@admin_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    profile = services.annotator_profile_get_or_create(user=person)
    initial = {"roles": [role.value for role in user_roles(person)], "domains": list(profile.domains.all())}
    form = PersonRolesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_roles_set(
                user=person, roles=form.cleaned_roles(), domains=form.cleaned_data["domains"], by=request.user
            )
        except services.PeopleRejected as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Roles and domains of %(name)s saved.") % {"name": person.username})
            return redirect("people:list")
    status = 400 if form.errors else 200
    return render(request, "people/edit.html", {"person": person, "form": form}, status=status)


@admin_required
@require_POST
def person_active(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    active = request.POST.get("active") == "1"
    try:
        services.user_active_set(user=person, active=active, by=request.user)
    except services.PeopleRejected as refused:
        messages.error(request, str(refused))
    else:
        done = _("%(name)s can log in again.") if active else _("%(name)s can no longer log in.")
        messages.success(request, done % {"name": person.username})
    return redirect("people:edit", user_id=person.pk)


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language switch: kept on the person's profile (every device they sign in on), in their
    session and in a cookie (for the login page); an empty choice follows the browser again."""
    language = request.POST.get("language", "")
    if language and not translation.check_for_language(language):
        language = ""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    response = HttpResponseRedirect(back)
    if request.user.is_authenticated:
        services.user_language_set(user=request.user, language=language)
    if language:
        request.session[SESSION_LANGUAGE_KEY] = language
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.SESSION_COOKIE_SECURE,
        )
    else:
        request.session.pop(SESSION_LANGUAGE_KEY, None)
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response


@login_required
@require_POST
def shortcuts_set(request: HttpRequest) -> HttpResponse:
    """Turn single-key shortcuts on or off for this person (their profile, and this session)."""
    enabled = request.POST.get("shortcuts") == "on"
    services.user_shortcuts_set(user=request.user, enabled=enabled)
    if enabled:
        request.session.pop(SESSION_SHORTCUTS_OFF, None)
    else:
        request.session[SESSION_SHORTCUTS_OFF] = True
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("annotation:home")  # the switch sits on the judging pages
    return redirect(back)


class LoginView(auth_views.LoginView):
    """The site's login page: the institution's button when single sign-on is on, and the password
    form while some backend takes passwords (local passwords, or LDAP's)."""

    redirect_authenticated_user = True
    authentication_form = LoginForm

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        context["sso_button"] = provider_button_label() if oidc_enabled() else ""
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        context["password_form"] = passwords_accepted()
        return context


def passwords_accepted() -> bool:
    return settings.LOCAL_PASSWORDS or bool(settings.LDAP_SERVER_URI)


def admin_login(request: HttpRequest) -> HttpResponse:
    """Django admin's login obeys the same switch: with local passwords off, or single sign-on on,
    it sends people to the site's login page (the institution's button, the password form where
    passwords are taken), and back to the admin after."""
    if settings.LOCAL_PASSWORDS and not oidc_enabled():
        return admin.site.login(request)
    next_url = request.GET.get("next") or reverse("admin:index")
    return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': next_url})}")
