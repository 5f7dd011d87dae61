# The assembly news bot: one image for `newsbot run` (commands) and `newsbot deliver` (sender).
# Build: docker build -t newsbot .   Run: see compose.yaml and README "Going live".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Pinned versions first (a layer that changes only with the lock), then the project.
COPY constraints.txt pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install -c constraints.txt . \
    && useradd --system --uid 10001 --home-dir /data --create-home newsbot

USER newsbot
WORKDIR /data
VOLUME ["/data"]
# SQLite by default lives in the volume; compose.yaml points the bot at PostgreSQL instead.
ENV NEWSBOT_DATABASE__URL=sqlite+aiosqlite:////data/newsbot.db \
    NEWSBOT_HTTP__LISTEN=0.0.0.0 \
    NEWSBOT_HTTP__PORT=8080
EXPOSE 8080 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["newsbot"]
CMD ["run"]
