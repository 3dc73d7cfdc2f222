"""The LDAP backend as settings install it when LDAP_SERVER_URI is set; a module of its own because
python-ldap comes only with the `ldap` extra."""

from __future__ import annotations

from annotation.auth import RolesSession
from people.ldap import DirectoryLDAPBackend


class LDAPRolesBackend(RolesSession, DirectoryLDAPBackend):
    """LDAP logins (people/ldap.py)."""
