"""SSO_LDAP_ID_ATTRIBUTE: the attribute that binds a directory entry to its account. Active
Directory keeps no entryUUID but an objectGUID, 16 bytes, kept as the GUID text AD shows; the real
slapd here has objectGUID in its schema (tests/support/identity_providers.py)."""

from __future__ import annotations

import base64
import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client

from people.ldap import stable_id_text
from people.models import SingleSignOnAccount
from tests.people.identity_fixtures import ldap_configure, ldap_person_add, unique_name
from tests.support.identity_providers import LDAP_SUFFIX

# Microsoft's example of an objectGUID search filter, \90\39\5F\19\1A\B5\1B\4A\9E\96\86\C6\6C\B1\8D\11:
# the first three fields of the GUID are stored little-endian.
AD_GUID_BYTES = bytes.fromhex("90395F191AB51B4A9E9686C66CB18D11")
AD_GUID_TEXT = "195f3990-b51a-4a1b-9e96-86c66cb18d11"


def test_an_object_guid_is_kept_as_the_guid_text_active_directory_shows():
    assert stable_id_text(attribute="objectGUID", value=AD_GUID_BYTES) == AD_GUID_TEXT


def test_an_object_guid_whose_bytes_are_valid_utf8_is_read_from_the_decoded_text_alike():
    # django-auth-ldap decodes every value that is valid UTF-8, as these 16 bytes are.
    decoded = bytes.fromhex("030201000504070608090a0b0c0d0e0f").decode("utf-8")

    assert stable_id_text(attribute="objectguid", value=decoded) == "00010203-0405-0607-0809-0a0b0c0d0e0f"


def test_a_text_id_is_kept_as_it_is_and_a_binary_one_in_hex():
    assert stable_id_text(attribute="entryUUID", value="5f7d3c1e-0000-1000-8000-00aa00bb00cc") == (
        "5f7d3c1e-0000-1000-8000-00aa00bb00cc"
    )
    assert stable_id_text(attribute="employeeNumber", value=b"\xff\x00") == "ff00"


def log_in(username: str, password: str) -> User:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()
    return User.objects.get(pk=client.session["_auth_user_id"])


@pytest.fixture
def objectguid_on(settings, ldap_on):
    """LDAP on, with SSO_LDAP_ID_ATTRIBUTE=objectGUID as on Active Directory."""
    ldap_configure(settings, ldap_on, id_attribute="objectGUID")
    return ldap_on


def bound_subjects(user: User) -> list[str]:
    return list(SingleSignOnAccount.objects.filter(user=user).values_list("subject", flat=True))


def active_directory_person_add(slapd, uid: str, password: str, guid: bytes) -> None:
    ldap_person_add(
        slapd,
        uid,
        password,
        groups=[],
        ldif=f"objectClass: activeDirectoryLike\nobjectGUID:: {base64.b64encode(guid).decode()}\n",
    )


@pytest.mark.django_db
def test_an_active_directory_entry_is_bound_by_its_object_guid(objectguid_on):
    uid = unique_name("ada")
    active_directory_person_add(objectguid_on, uid, "ada-pw", AD_GUID_BYTES)

    user = log_in(uid, "ada-pw")

    binding = SingleSignOnAccount.objects.get(user=user)
    assert (binding.issuer, binding.subject) == (objectguid_on.uri, AD_GUID_TEXT)


@pytest.mark.django_db
def test_an_entry_renamed_at_the_directory_signs_in_to_the_account_bound_to_its_object_guid(objectguid_on):
    uid = unique_name("rena")
    guid = uuid.uuid4().bytes_le
    active_directory_person_add(objectguid_on, uid, "rena-pw", guid)
    before = log_in(uid, "rena-pw")
    # A new DN; the uid the login filter looks for stays.
    objectguid_on.modify(
        f"dn: uid={uid},ou=people,{LDAP_SUFFIX}\nchangetype: modrdn\nnewrdn: cn={uid}-renamed\ndeleteoldrdn: 0\n"
    )

    after = log_in(uid, "rena-pw")

    assert after.pk == before.pk
    assert bound_subjects(after) == [str(uuid.UUID(bytes_le=guid))]


@pytest.mark.django_db
def test_an_entry_without_the_id_attribute_is_bound_by_its_dn(objectguid_on):
    uid = unique_name("dina")
    ldap_person_add(objectguid_on, uid, "dina-pw", groups=[])

    user = log_in(uid, "dina-pw")

    assert SingleSignOnAccount.objects.get(user=user).subject == f"uid={uid},ou=people,{LDAP_SUFFIX}".lower()


@pytest.mark.django_db
def test_an_entry_bound_by_its_dn_keeps_its_account_once_its_id_is_read_and_is_bound_by_it(objectguid_on):
    # As on Active Directory before SSO_LDAP_ID_ATTRIBUTE=objectGUID: entryUUID missing, the DN bound.
    uid = unique_name("doris")
    ldap_person_add(objectguid_on, uid, "doris-pw", groups=[])
    before = log_in(uid, "doris-pw")
    guid = uuid.uuid4().bytes_le
    objectguid_on.modify(
        f"dn: uid={uid},ou=people,{LDAP_SUFFIX}\nchangetype: modify\nadd: objectClass\n"
        f"objectClass: activeDirectoryLike\n-\nadd: objectGUID\nobjectGUID:: {base64.b64encode(guid).decode()}\n"
    )

    after = log_in(uid, "doris-pw")

    assert after.pk == before.pk
    assert bound_subjects(after) == [str(uuid.UUID(bytes_le=guid))]


@pytest.mark.django_db
def test_a_dn_bound_to_an_account_of_another_name_is_not_moved_to_a_new_entry_that_reuses_the_dn(
    objectguid_on,
):
    # On Active Directory a DN is a CN, and a CN freed by a rename can be given to someone else.
    uid = unique_name("newcomer")
    dn = f"uid={uid},ou=people,{LDAP_SUFFIX}".lower()
    earlier = User.objects.create_user(username=unique_name("earlier"))
    SingleSignOnAccount.objects.create(user=earlier, issuer=objectguid_on.uri, subject=dn)
    active_directory_person_add(objectguid_on, uid, "new-pw", uuid.uuid4().bytes_le)

    newcomer = log_in(uid, "new-pw")

    assert newcomer.pk != earlier.pk
    assert bound_subjects(earlier) == [dn]
