#!/usr/bin/env bash
# Run the whole test suite against real PostgreSQL and Redis, with a real Celery worker and a real
# browser (Debian's chromium). Installs and starts what is missing; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

command -v chromium >/dev/null || apt_install chromium
# makemessages (xgettext) and msgfmt, for the test that every string has its Chinese translation.
command -v xgettext >/dev/null || apt_install gettext
command -v redis-server >/dev/null || apt_install redis-server
command -v pg_ctlcluster >/dev/null || apt_install postgresql
# The LDAP tests start their own slapd (seeded with ldapadd); python-ldap (the `ldap` extra) builds
# against libldap and libsasl. The tests start a slapd of their own on a free port.
command -v gcc >/dev/null || apt_install gcc
command -v slapd >/dev/null || [ -x /usr/sbin/slapd ] || apt_install slapd
command -v ldapadd >/dev/null || apt_install ldap-utils
[ -f /usr/include/ldap.h ] && [ -f /usr/include/sasl/sasl.h ] || apt_install libldap2-dev libsasl2-dev
# The paper bundle's LaTeX is compiled for real (tests/evaluation/test_paper_bundle_latex.py): pdfLaTeX
# with booktabs, lmodern and the CJK package (Chinese names) for the English document, XeLaTeX with ctex
# for the Chinese one, pdftotext to read the PDFs back. About 155 MB to download, 2.5 minutes to install.
command -v pdflatex >/dev/null && command -v xelatex >/dev/null \
  && kpsewhich booktabs.sty lmodern.sty CJKutf8.sty c70gbsn.fd ctex.sty >/dev/null 2>&1 \
  || apt_install --no-install-recommends texlive-latex-base texlive-latex-recommended lmodern texlive-xetex \
    texlive-lang-chinese latex-cjk-chinese latex-cjk-chinese-arphic-gbsn00lp
command -v pdftotext >/dev/null || apt_install poppler-utils

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi

source scripts/_venv.sh
venv_ready "${VALUELENS_EXTRAS:-dev,local-model,parquet,ldap}"

export DJANGO_SETTINGS_MODULE=config.settings.test
export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/valuelens}"
export CELERY_BROKER_URL="${TEST_CELERY_BROKER_URL:-redis://127.0.0.1:6379/15}"

# The checks below connect to the main database (pytest makes its own test_ database).
psql "$(echo "$DATABASE_URL" | sed 's#/[^/]*$#/postgres#')" -Atqc "SELECT 1 FROM pg_database WHERE datname = '${DATABASE_URL##*/}'" | grep -q 1 \
  || psql "$(echo "$DATABASE_URL" | sed 's#/[^/]*$#/postgres#')" -qc "CREATE DATABASE \"${DATABASE_URL##*/}\""

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python manage.py makemigrations --check --dry-run
.venv/bin/python manage.py check

# Two processes (pytest-xdist), each with its own test database and Redis database
# (config/settings/test.py); tests that share a costly fixture stay together (tests/conftest.py).
# TEST_WORKERS=0 runs everything in this one process.
workers=(-n "${TEST_WORKERS:-2}" --dist loadgroup)
set +e
.venv/bin/pytest "${workers[@]}" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "No test ran: that is a failure." >&2
  exit 1
fi
# The quickstart runs on SQLite: the tests marked `sqlite` (the whole flow, and what differs there)
# run a second time on a SQLite file. A selection holding none of them is fine (exit 5).
sqlite_dir="$(mktemp -d)"
set +e
DATABASE_URL="sqlite:///${sqlite_dir}/valuelens.sqlite3" .venv/bin/pytest -m sqlite "$@"
sqlite_status=$?
set -e
rm -rf "$sqlite_dir"
if [ "$sqlite_status" -ne 0 ] && [ "$sqlite_status" -ne 5 ]; then
  echo "The SQLite pass failed." >&2
  [ "$status" -eq 0 ] && status="$sqlite_status"
fi
exit "$status"
