# Production image: gunicorn serves the web app; the same image runs uvicorn for the attack
# workspace's streamed answers, the Celery workers and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# pyproject.toml installs only the pinned dependencies ([tool.setuptools] packages = []); copying
# it before the source keeps that slow layer cached across code changes.
COPY pyproject.toml README.md ./
# LDAP logins (docs/sso.md) need the `ldap` extra, whose python-ldap is built here against Debian's
# libldap: docker compose build --build-arg EXTRAS=parquet,ldap.
ARG EXTRAS=parquet
RUN case ",$EXTRAS," in *,ldap,*) apt-get update \
        && apt-get install -y --no-install-recommends gcc libldap2-dev libsasl2-dev \
        && rm -rf /var/lib/apt/lists/* ;; esac \
    && pip install ".[$EXTRAS]"

COPY . .

# The manifest storage needs the hashed file names at build time; these two values exist only
# for this step and never reach the running containers.
RUN DEBUG=0 SECRET_KEY=build-only-dummy python manage.py collectstatic --noinput

# The media directory is created here, owned by the app user, so that the named volume mounted
# over it starts with the same owner.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app \
    && mkdir -p /app/var/media \
    && chown -R app:app /app/var
USER app

# 8000: gunicorn (web); 8001: uvicorn (stream).
EXPOSE 8000 8001
CMD ["gunicorn", "config.wsgi:application", "-c", "config/gunicorn.conf.py"]
