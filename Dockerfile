# The Pantau Tambang API for docker-compose's `api` service: migrate, then serve.
# Build context is the repository root; `docker compose up` builds it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PANTAU_DATA_DIR=/var/lib/pantau

# An unprivileged user owns only the evidence/output folder.
RUN useradd --system --home-dir /var/lib/pantau --create-home --shell /usr/sbin/nologin pantau

WORKDIR /app
# Dependencies first (cached while only the code changes); the wheels of geopandas, pyogrio,
# shapely and psycopg carry GDAL, GEOS, PROJ and libpq, so no system packages are needed.
COPY pyproject.toml README.md ./
RUN mkdir geo api && touch geo/__init__.py api/__init__.py && pip install . \
    && pip uninstall -y pantau-tambang && rm -rf geo api
COPY geo ./geo
COPY api ./api
COPY data ./data
RUN pip install --no-deps .

USER pantau
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --retries=6 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/ready')"
# Migrations first, then serve: the API never runs against an old schema.
CMD ["sh", "-c", "pantau db upgrade && pantau serve --host 0.0.0.0 --port 8000"]
