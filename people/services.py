"""Writes for people: accounts, roles, expert domains, profiles and preferences."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.models import User as UserModel
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import ApplicationError
from common.roles import Role, user_is_admin
from people.models import AnnotatorProfile, SingleSignOnAccount
from prompts.models import Domain

logger = logging.getLogger(__name__)

# Admins manage everything of ValueLens' own apps and the user accounts; reviewers may read them.
MANAGED_APPS = (
    "prompts",
    "models_registry",
    "authoring",
    "people",
    "annotation",
    "evaluation",
    "auth",
    "authtoken",
    "django_celery_beat",
)
# Admins only, on every way in: reviewers do not see where events go.
ADMIN_ONLY_APPS = ("webhooks",)


def roles_sync() -> None:
    """Make sure the role groups exist and admins/reviewers hold the permissions of every model.

    Runs after each migrate, so that models added later are covered without a hand-written
    permission migration.
    """
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    perms = Permission.objects.filter(content_type__app_label__in=MANAGED_APPS)
    Group.objects.get(name=Role.ADMIN.value).permissions.set(
        Permission.objects.filter(content_type__app_label__in=MANAGED_APPS + ADMIN_ONLY_APPS)
    )
    Group.objects.get(name=Role.REVIEWER.value).permissions.set(perms.filter(codename__startswith="view_"))


def annotator_profile_get_or_create(*, user: UserModel) -> AnnotatorProfile:
    profile, _created = AnnotatorProfile.objects.get_or_create(
        user=user, defaults={"pseudonym": f"j-{secrets.token_hex(6)}"}
    )
    return profile


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    roles: Iterable[Role],
    domains: Iterable[Domain] = (),
    email: str = "",
) -> UserModel:
    """A new account; password None gives it no usable local password (single sign-on, LDAP)."""
    roles = set(roles)
    user = UserModel.objects.create_user(
        username=username, password=password, email=email, is_staff=Role.ADMIN in roles
    )
    _user_roles_apply(user=user, roles=roles, domains=domains)
    return user


def _user_roles_apply(*, user: UserModel, roles: set[Role], domains: Iterable[Domain]) -> None:
    # Admins reach the Django admin too (is_staff); a superuser keeps theirs whatever the roles.
    user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
    if not user.is_superuser and user.is_staff != (Role.ADMIN in roles):
        user.is_staff = Role.ADMIN in roles
        user.save(update_fields=["is_staff"])
    profile = annotator_profile_get_or_create(user=user)
    profile.domains.set(domains)
    for cached in ("_valuelens_roles", "_valuelens_role_names"):
        user.__dict__.pop(cached, None)


class PeopleRejected(ApplicationError):
    """A change to people and roles that is refused; the message says why."""


def _admins_left_without(user: UserModel) -> bool:
    """Whether some other active person is still an admin (a superuser, or in the admin group)."""
    others = UserModel.objects.filter(is_active=True).exclude(pk=user.pk)
    return others.filter(Q(is_superuser=True) | Q(groups__name=Role.ADMIN.value)).exists()


def user_roles_set(
    *, user: UserModel, roles: Iterable[Role], domains: Iterable[Domain], by: UserModel
) -> None:
    """An admin changes a person's roles and expert domains; ValueLens keeps an admin."""
    if not user_is_admin(by):
        raise PeopleRejected(_("Only admins may do this."))
    roles = set(roles)
    with transaction.atomic():
        if Role.ADMIN not in roles and user_is_admin(user) and not user.is_superuser:
            if user.pk == by.pk:
                raise PeopleRejected(_("You cannot take away your own admin role."))
            if not _admins_left_without(user):
                raise PeopleRejected(_("ValueLens needs at least one active admin."))
        _user_roles_apply(user=user, roles=roles, domains=domains)


def user_active_set(*, user: UserModel, active: bool, by: UserModel) -> None:
    """An admin deactivates a person (they can no longer log in, nor use a token; their
    judgements stay) or lets them back in."""
    if not user_is_admin(by):
        raise PeopleRejected(_("Only admins may do this."))
    if not active and user.pk == by.pk:
        raise PeopleRejected(_("You cannot deactivate yourself."))
    with transaction.atomic():
        if not active and user_is_admin(user) and not _admins_left_without(user):
            raise PeopleRejected(_("ValueLens needs at least one active admin."))
        UserModel.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active


def user_language_set(*, user: UserModel, language: str) -> None:
    """Keep a person's interface language ('' to follow their browser again)."""
    if language and language not in dict(settings.LANGUAGES):
        raise PeopleRejected(_("ValueLens does not speak this language."))
    profile = annotator_profile_get_or_create(user=user)
    if profile.language != language:
        profile.language = language
        profile.save(update_fields=["language"])


# In the session of a person who turned single-key shortcuts off (read on every judging page, so
# kept where the request already is rather than read from the profile each time).
SESSION_SHORTCUTS_OFF = "valuelens_shortcuts_off"


def user_preferences_get(*, user: UserModel) -> tuple[str, bool]:
    """A person's interface language ('' for their browser's) and whether shortcuts are on."""
    row = AnnotatorProfile.objects.filter(user=user).values_list("language", "shortcuts").first()
    return (row[0] or "", row[1]) if row else ("", True)


def user_shortcuts_set(*, user: UserModel, enabled: bool) -> None:
    """Turn a person's single-key shortcuts on the judging page on or off (kept on their profile)."""
    profile = annotator_profile_get_or_create(user=user)
    if profile.shortcuts != enabled:
        profile.shortcuts = enabled
        profile.save(update_fields=["shortcuts"])


@transaction.atomic
def user_directory_groups_apply(*, user: UserModel, groups: Iterable[str]) -> None:
    """At every single sign-on and LDAP login: the roles and expert domains that SSO_ROLE_GROUPS and
    SSO_DOMAIN_GROUPS map to a group follow the groups the person is in now, so a group taken away
    at the directory takes its role away at the next login. Roles and domains that no group maps
    stay as admins set them on the People page."""
    groups = set(groups)
    role_groups = {Role(role): group for role, group in settings.SSO_ROLE_GROUPS.items()}
    held = set(user.groups.filter(name__in=[r.value for r in Role]).values_list("name", flat=True))
    roles = {Role(name) for name in held if Role(name) not in role_groups}
    roles |= {role for role, group in role_groups.items() if group in groups}

    domain_groups: dict[str, str] = settings.SSO_DOMAIN_GROUPS
    known = {d.slug: d for d in Domain.objects.filter(slug__in=domain_groups)}
    for slug, group in domain_groups.items():
        if slug not in known and group in groups:
            # Domains come from the prompt sets ValueLens holds; a mapping may name one not imported yet.
            logger.warning(
                "Directory group %r maps to domain %r, which ValueLens does not know: ignored.", group, slug
            )
    profile = annotator_profile_get_or_create(user=user)
    domains = {d for d in profile.domains.all() if d.slug not in domain_groups}
    domains |= {known[slug] for slug, group in domain_groups.items() if slug in known and group in groups}
    _user_roles_apply(user=user, roles=roles, domains=domains)


def _username_free(wanted: str) -> str:
    # Django's username characters; what is left is made unique with a counter.
    base = re.sub(r"[^\w.@+-]", "", wanted)[:140] or "sso-user"
    name, n = base, 1
    while UserModel.objects.filter(username__iexact=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


class SignInRefused(ApplicationError):
    """A directory login that would land in an account bound to another identity."""

    status_code = 403
    code = "sign_in_refused"


# Where a refused directory login leaves its message for the login form (people.forms.LoginForm):
# Django's authenticate() swallows the refusal and the form would only say "wrong password".
LOGIN_REFUSAL_ATTR = "valuelens_login_refusal"


# Two first logins of one identity at once: one commits, the other reads its binding on the next try.
_FIRST_LOGIN_ATTEMPTS = 3


def _identity_account(
    *, issuer: str, subject: str, account_for: Callable[[], UserModel], lock: bool = False
) -> SingleSignOnAccount:
    """The binding of an outside identity; without one, `account_for()` names the account to bind:
    an existing one, or a new one (unsaved), saved here with no usable local password.

    Two first logins of the same identity at once both find no binding and both try to make one: the
    unique constraints on the binding and the username let one commit and make the other wait for it
    and fail, in a savepoint, so that it reads the winner's binding and signs in to the same account.
    A username taken meanwhile by someone else is asked for again (the next free one)."""
    attempts = _FIRST_LOGIN_ATTEMPTS
    while True:
        bound = SingleSignOnAccount.objects.select_related("user").filter(issuer=issuer, subject=subject)
        account = (bound.select_for_update() if lock else bound).first()
        if account is not None:
            return account
        user = account_for()
        try:
            with transaction.atomic():
                if user.pk is None:
                    user.set_unusable_password()
                    user.save()
                return SingleSignOnAccount.objects.create(user=user, issuer=issuer, subject=subject)
        except IntegrityError:
            attempts -= 1
            if not attempts:
                raise


def user_directory_account(*, issuer: str, subject: str, username: str, dn: str) -> UserModel:
    """The account a directory (LDAP) entry signs in to, bound to the entry's stable id.

    The account bound to the entry comes first; a binding by the entry's DN (lower-cased), made
    while the directory's id attribute was not read (SSO_LDAP_ID_ATTRIBUTE newly set), moves to
    the id when its account has the login's username. Else a local account of the same username (case aside) is adopted and bound, but only
    one bound to no identity at all: an account that single sign-on or another directory entry made
    or adopted is never taken over by a name. Else a new account is made and bound."""
    if dn != subject and not SingleSignOnAccount.objects.filter(issuer=issuer, subject=subject).exists():
        try:
            with transaction.atomic():
                # Only to an account of the login's name: a DN (an Active Directory CN) freed by a
                # rename may be given to someone else, who must not inherit the earlier account.
                SingleSignOnAccount.objects.filter(
                    issuer=issuer, subject=dn, user__username__iexact=username
                ).update(subject=subject)
        except IntegrityError:
            pass  # another login of the entry bound its id meanwhile: that binding is read below

    def adopted_or_new() -> UserModel:
        user = UserModel.objects.filter(username__iexact=username).first()
        if user is None:
            return UserModel(username=username.lower())
        if SingleSignOnAccount.objects.filter(user=user).exists():
            raise SignInRefused(
                _(
                    "ValueLens already has an account named %(username)s that signs in another way, so "
                    "your directory login cannot open it. Ask an admin to rename that account."
                )
                % {"username": user.username}
            )
        return user

    return _identity_account(issuer=issuer, subject=subject, account_for=adopted_or_new).user


def user_directory_login_record(*, user: UserModel, issuer: str, subject: str) -> None:
    """The time of a directory entry's login, on its binding (Django admin shows it)."""
    SingleSignOnAccount.objects.filter(issuer=issuer, subject=subject, user=user).update(
        last_login_at=timezone.now()
    )


@transaction.atomic
def user_single_sign_on(
    *,
    issuer: str,
    subject: str,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    groups: Iterable[str],
) -> UserModel:
    """The person an OpenID Connect provider vouched for: found by (issuer, subject), or created with
    no usable local password; their name, e-mail, roles and domains follow the provider's claims."""
    account = _identity_account(
        issuer=issuer,
        subject=subject,
        account_for=lambda: UserModel(username=_username_free(username or f"sso-{subject}")),
        lock=True,
    )
    user = account.user
    user.email, user.first_name, user.last_name = email[:254], first_name[:150], last_name[:150]
    user.save(update_fields=["email", "first_name", "last_name"])
    account.last_login_at = timezone.now()
    account.save(update_fields=["last_login_at"])
    user_directory_groups_apply(user=user, groups=groups)
    return user
