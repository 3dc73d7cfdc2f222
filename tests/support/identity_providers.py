"""Real identity providers for the single sign-on tests, started on free ports in a temp directory:
an OpenID Connect provider (the tiny django-oidc-provider project in tests/support/test_idp/)
and Debian's slapd, seeded with ldapadd. Each is started once per test session and stopped after."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.processes import NOT_INHERITED, REPO, free_port, processes_stop

OIDC_CLIENT_ID, OIDC_CLIENT_SECRET = "valuelens", "valuelens-test-secret"
LDAP_SUFFIX = "dc=valuelens,dc=test"
LDAP_ROOT_DN, LDAP_ROOT_PASSWORD = f"cn=admin,{LDAP_SUFFIX}", "slapd-test-root"


def _wait_for(url: str, process: subprocess.Popen, what: str) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer at {url}")


@dataclass
class OIDCProvider:
    url: str
    env: dict[str, str]
    process: subprocess.Popen | None = None

    @property
    def issuer(self) -> str:
        return f"{self.url}/openid"

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "django", *args], cwd=REPO, env=self.env, check=True, capture_output=True
        )

    def person_set(self, username: str, password: str, *, groups: list[str], email: str = "") -> None:
        """The person's account at the provider, with exactly these groups (the `groups` claim)."""
        self.manage("provider_user", username, password, "--email", email, "--groups", ",".join(groups))

    def client_register(self, *redirect_uris: str, consent: bool = False) -> None:
        extra = ["--consent"] if consent else []
        self.manage("provider_client", OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, *redirect_uris, *extra)


def oidc_provider_start(workdir: Path) -> OIDCProvider:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.support.test_idp.settings",
        OIDC_PROVIDER_DB=str(workdir / "provider.sqlite3"),
        OIDC_PROVIDER_URL=url,
        PYTHONPATH=str(REPO),
    )
    provider = OIDCProvider(url=url, env=env)
    provider.manage("migrate", "--noinput")
    provider.manage("creatersakey")
    provider.process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "provider.log").open("ab"),
    )
    _wait_for(f"{provider.issuer}/.well-known/openid-configuration", provider.process, "The OIDC provider")
    return provider


@dataclass
class Slapd:
    uri: str
    process: subprocess.Popen

    def _tool(self, tool: str, ldif: str = "", *args: str) -> str:
        return subprocess.run(
            [tool, "-x", "-H", self.uri, "-D", LDAP_ROOT_DN, "-w", LDAP_ROOT_PASSWORD, *args],
            input=ldif,
            text=True,
            check=True,
            capture_output=True,
        ).stdout

    def add(self, ldif: str) -> None:
        self._tool("ldapadd", ldif)

    def modify(self, ldif: str) -> None:
        self._tool("ldapmodify", ldif)

    def delete(self, dn: str) -> None:
        self._tool("ldapdelete", "", dn)

    def entry_uuid(self, dn: str) -> str:
        """The entryUUID slapd gave the entry when it was added."""
        found = self._tool("ldapsearch", "", "-LLL", "-b", dn, "-s", "base", "entryUUID")
        return next(line.split(": ", 1)[1] for line in found.splitlines() if line.startswith("entryUUID: "))


def _slapd_config(workdir: Path) -> Path:
    schema = Path("/etc/ldap/schema")
    includes = "".join(
        f"include {schema / name}.schema\n" for name in ("core", "cosine", "inetorgperson", "nis")
    )
    # Active Directory's objectGUID (its OID and syntax: 16 bytes, no entryUUID-like text), for the
    # tests of directories that bind by it; the object class is in OpenLDAP's experimental arc.
    active_directory = workdir / "active-directory.schema"
    active_directory.write_text(
        "attributetype ( 1.2.840.113556.1.4.2 NAME 'objectGUID' EQUALITY octetStringMatch\n"
        "  SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )\n"
        "objectclass ( 1.3.6.1.4.1.4203.666.11.99.1 NAME 'activeDirectoryLike' AUXILIARY MAY objectGUID )\n"
    )
    includes += f"include {active_directory}\n"
    config = workdir / "slapd.conf"
    (workdir / "data").mkdir()
    config.write_text(
        f"{includes}"
        "modulepath /usr/lib/ldap\nmoduleload back_mdb\n"
        f"pidfile {workdir / 'slapd.pid'}\n"
        f'database mdb\nmaxsize 10485760\nsuffix "{LDAP_SUFFIX}"\n'
        f'rootdn "{LDAP_ROOT_DN}"\nrootpw {LDAP_ROOT_PASSWORD}\n'
        f"directory {workdir / 'data'}\n"
    )
    return config


def slapd_start(workdir: Path) -> Slapd:
    slapd_binary = shutil.which("slapd") or "/usr/sbin/slapd"
    port = free_port()
    uri = f"ldap://127.0.0.1:{port}"
    process = subprocess.Popen(
        # -d: stay in the foreground (so that the tests own the process), logging only startup errors.
        [slapd_binary, "-h", f"{uri}/", "-f", str(_slapd_config(workdir)), "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "slapd.log").open("ab"),
    )
    slapd = Slapd(uri=uri, process=process)
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(
                f"slapd exited with {process.returncode}: {(workdir / 'slapd.log').read_text()}"
            )
        try:
            slapd.add(
                f"dn: {LDAP_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: valuelens\no: ValueLens\n"
            )
            break
        except subprocess.CalledProcessError as not_yet:
            if "Can't contact LDAP server" not in (not_yet.stderr or ""):
                raise
            time.sleep(0.1)
    for ou in ("people", "groups"):
        slapd.add(f"dn: ou={ou},{LDAP_SUFFIX}\nobjectClass: organizationalUnit\nou: {ou}\n")
    return slapd


def servers_stop(*servers: OIDCProvider | Slapd) -> None:
    processes_stop(*(s.process for s in servers if s.process is not None), timeout=10)
