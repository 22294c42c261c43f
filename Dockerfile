# syntax=docker/dockerfile:1
# Magnetiq's production image: gunicorn serving magnetiq.settings.production as an unprivileged user.
# The same image runs the web server (default command), the task worker (python -m deploy.worker),
# the scheduler (python -m deploy.scheduler) and one-off commands (python manage.py …); compose.yaml
# wires them together. Build: docker build -t magnetiq . (docs/operations.md "Docker").
ARG PYTHON_IMAGE=python:3.12-slim-trixie

# --- build: the virtualenv, compiled translations and collected static files -----------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
# gettext's msgfmt compiles the .po files; it stays in this stage.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# Throwaway values: the production settings refuse to load without them, and neither command reads
# a secret or the database. The real ones come from the environment when a container starts.
RUN export DJANGO_SETTINGS_MODULE=magnetiq.settings.production DJANGO_SECRET_KEY=build-only \
        DJANGO_ALLOWED_HOSTS=build JWT_PRIVATE_KEY=build-only JWT_PUBLIC_KEY=build-only \
    && python manage.py compilemessages --ignore='*/node_modules/*' --verbosity 0 \
    && python manage.py collectstatic --noinput --verbosity 0 \
    && python -m compileall -q /app

# --- runtime ---------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# WeasyPrint's libraries and fonts (whitepaper PDFs); the PostgreSQL client for manage.py backup.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core postgresql-client \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 magnetiq \
    && useradd --system --uid 10001 --gid magnetiq --home-dir /home/magnetiq --create-home magnetiq
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# The code is root's and read-only to the app; only its data folders are writable.
RUN mkdir -p /app/var/media /app/var/private /app/var/backups \
    && chown -R magnetiq:magnetiq /app/var/media /app/var/private /app/var/backups
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=magnetiq.settings.production \
    BIND=0.0.0.0:8000 \
    MEDIA_ROOT=/app/var/media \
    WHITEPAPER_PRIVATE_ROOT=/app/var/private \
    BACKUP_DIR=/app/var/backups
WORKDIR /app
USER magnetiq
EXPOSE 8000
VOLUME ["/app/var/media", "/app/var/private", "/app/var/backups"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["python", "-m", "deploy.healthcheck"]
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "magnetiq.wsgi"]
