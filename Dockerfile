# The 帮扶资产 image: web (gunicorn), Celery worker and beat all run from it (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's libraries (harfbuzz-subset keeps CJK PDFs fast) and a Chinese font;
# gettext compiles the translations below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN pip install . && rm -rf build ./*.egg-info

COPY . .

# Translations and hashed static files are built into the image. collectstatic imports the
# production settings, which insist on a secret key and the service URLs: give it throwaway
# values that exist only for this command (nothing is connected to).
RUN python manage.py compilemessages -v 0 --ignore=.venv \
    && DJANGO_SETTINGS_MODULE=config.settings.production \
       DJANGO_SECRET_KEY="collectstatic-only-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
       DJANGO_ALLOWED_HOSTS=localhost DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
       BANGFU_DATA_DIR=/tmp/build-data \
       python manage.py collectstatic --noinput -v 0 \
    && rm -rf /tmp/build-data

# Run as an unprivileged user; /data holds uploads (a volume) and Celery beat's schedule.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin bangfu \
    && mkdir -p /data/media \
    && chown -R bangfu:bangfu /data
USER bangfu

ENV DJANGO_SETTINGS_MODULE=config.settings.production \
    BANGFU_DATA_DIR=/data \
    BANGFU_MEDIA_ROOT=/data/media

EXPOSE 8000
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "config.wsgi:application"]
