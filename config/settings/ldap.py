"""The django-auth-ldap settings that LDAP_* environment variables make (docs/sso.md).

A function rather than lines in base.py so that the tests configure their own slapd exactly as an
operator's environment configures theirs. python-ldap comes with the `ldap` extra: it is imported
only when LDAP is switched on."""

from __future__ import annotations

from typing import Any

GROUP_TYPES = ("groupOfNames", "groupOfUniqueNames", "posixGroup")


def ldap_settings(
    *,
    server_uri: str,
    bind_dn: str,
    bind_password: str,
    user_base: str,
    user_filter: str,
    group_base: str,
    group_type: str,
    start_tls: bool,
    id_attribute: str,
) -> dict[str, Any]:
    from django.core.exceptions import ImproperlyConfigured

    try:
        import ldap
        from django_auth_ldap import config
    except ImportError as missing:
        raise ImproperlyConfigured(
            "LDAP_SERVER_URI is set but django-auth-ldap is not installed: pip install -e '.[ldap]'."
        ) from missing
    if group_type not in GROUP_TYPES:
        raise ImproperlyConfigured(f"LDAP_GROUP_TYPE must be one of {', '.join(GROUP_TYPES)}.")
    object_class, kind = {
        "groupOfNames": ("groupOfNames", config.GroupOfNamesType),
        "groupOfUniqueNames": ("groupOfUniqueNames", config.GroupOfUniqueNamesType),
        "posixGroup": ("posixGroup", config.PosixGroupType),
    }[group_type]
    # Every user attribute, and the one that binds an entry to its account (people/ldap.py), named
    # since an operational one (entryUUID) comes only when asked for.
    attributes = ["*", id_attribute]
    return {
        "AUTH_LDAP_SERVER_URI": server_uri,
        "AUTH_LDAP_BIND_DN": bind_dn,
        "AUTH_LDAP_BIND_PASSWORD": bind_password,
        "AUTH_LDAP_START_TLS": start_tls,
        "AUTH_LDAP_USER_SEARCH": config.LDAPSearch(
            user_base, ldap.SCOPE_SUBTREE, user_filter, attrlist=attributes
        ),
        "AUTH_LDAP_USER_ATTRLIST": attributes,
        "AUTH_LDAP_GROUP_SEARCH": config.LDAPSearch(
            group_base or user_base, ldap.SCOPE_SUBTREE, f"(objectClass={object_class})"
        ),
        "AUTH_LDAP_GROUP_TYPE": kind(name_attr="cn"),
        "AUTH_LDAP_USER_ATTR_MAP": {"first_name": "givenName", "last_name": "sn", "email": "mail"},
        # Group memberships are read afresh at every login: a group taken away takes the role away.
        "AUTH_LDAP_CACHE_TIMEOUT": 0,
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        # Roles come from SSO_ROLE_GROUPS (people/directory.py), not from LDAP group permissions.
        "AUTH_LDAP_FIND_GROUP_PERMS": False,
        "AUTH_LDAP_MIRROR_GROUPS": False,
        "AUTH_LDAP_CONNECTION_OPTIONS": {ldap.OPT_NETWORK_TIMEOUT: 10, ldap.OPT_TIMEOUT: 10},
    }
