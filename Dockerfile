# Sitrep: python app.py in HTTP mode (or Socket Mode with SLACK_APP_TOKEN), as a non-root user.
#   docker build -t sitrep .
#   docker run --env-file .env -p 3000:3000 sitrep
FROM python:3.11-slim

# .venv first on PATH: app.py's first-run bootstrap finds itself already inside it. Without
# a DATABASE_URL (PostgreSQL in production), SQLite on the /data volume.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/app/.venv/bin:$PATH \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json \
    MPLCONFIGDIR=/tmp/matplotlib \
    DATABASE_URL=sqlite:////data/sitrep.db

WORKDIR /app
COPY . .
# The bootstrap app.py runs at start-up does the install now, at build time: .venv with the
# pinned dependencies and Sitrep itself (pip install -e .), and the stamp that says so.
RUN python -c "from bootstrap import ensure_environment; ensure_environment(argv=['-c', 'pass'])" \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin sitrep \
    && mkdir /data && chown sitrep /data

USER sitrep
VOLUME ["/data"]
EXPOSE 3000

# Liveness only: readiness (database reachable, schema current) is GET /readyz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)" || exit 1

# SIGTERM (docker stop) drains in-flight requests and acknowledged work, then exits.
# `run`, not the bare command: without Slack credentials it stops naming them, rather than
# starting the sandbox.
CMD ["python", "app.py", "run"]
