"""Two first logins of one identity at once, on PostgreSQL's real unique constraints: both find no
binding and both make an account; the one that loses the race signs in to the winner's account
instead of failing (OpenID Connect: the same issuer and subject; LDAP: the same entry, on slapd)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models.signals import pre_save
from django.test import Client

from people.models import SingleSignOnAccount
from people.services import user_single_sign_on
from tests.people.identity_fixtures import ldap_person_add, unique_name

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def new_accounts_saved_together(parties: int) -> Iterator[None]:
    """Each login waits at the save of its new account until every login has got there, that is until
    each has found no binding: the race then happens at every run, not by luck of timing."""
    barrier = threading.Barrier(parties, timeout=30)
    waited = threading.local()

    def hold(sender, instance: User, **kwargs) -> None:
        if instance.pk is None and not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()

    pre_save.connect(hold, sender=User, weak=False)
    try:
        yield
    finally:
        pre_save.disconnect(hold, sender=User)


def at_once(logins: list[Callable[[], object]]) -> list[object]:
    """Each login's result, or the exception it raised."""
    outcomes: list[object] = []

    def run(login: Callable[[], object]) -> None:
        try:
            outcomes.append(login())
        except Exception as failed:  # reported as the outcome: a login that fails is what is tested
            outcomes.append(failed)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(login,)) for login in logins]
    with new_accounts_saved_together(len(logins)):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    return outcomes


def test_two_first_single_sign_ons_of_one_subject_at_once_sign_in_to_one_new_account():
    assert connection.vendor == "postgresql"

    def sign_on() -> User:
        return user_single_sign_on(
            issuer="https://login.example.edu",
            subject="subject-1",
            username="olga",
            email="olga@example.edu",
            first_name="Olga",
            last_name="",
            groups=[],
        )

    outcomes = at_once([sign_on, sign_on])

    user = User.objects.get()
    assert [getattr(o, "pk", o) for o in outcomes] == [user.pk, user.pk]
    binding = SingleSignOnAccount.objects.get()
    assert (binding.user_id, binding.subject, user.username) == (user.pk, "subject-1", "olga")
    assert not user.has_usable_password()


def test_two_first_ldap_logins_of_one_entry_at_once_sign_in_to_one_new_account(ldap_on):
    assert connection.vendor == "postgresql"
    uid = unique_name("lucia")
    ldap_person_add(ldap_on, uid, "lucia-pw", groups=["vl-experts"])
    browsers = [Client(), Client()]

    def log_in(browser: Client) -> Callable[[], object]:
        def post() -> object:
            response = browser.post("/accounts/login/", {"username": uid, "password": "lucia-pw"})
            return int(browser.session["_auth_user_id"]) if response.status_code == 302 else response

        return post

    outcomes = at_once([log_in(browser) for browser in browsers])

    user = User.objects.get(username=uid)
    assert outcomes == [user.pk, user.pk]
    assert SingleSignOnAccount.objects.filter(user=user).count() == 1
    assert not user.has_usable_password()
