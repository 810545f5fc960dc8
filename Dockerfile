# Multi-stage build of the conduit server. (Not built in this project's CI: no Docker engine
# runs there. The same binary is tested as PID 1 of a PID namespace instead.)
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libevent-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product conduit --static-swift-stdlib \
    && cp "$(swift build -c release --show-bin-path)/conduit" /conduit

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        libevent-2.1-7 libevent-pthreads-2.1-7 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin conduit \
    && mkdir -p /app/data && chown conduit:conduit /app/data
COPY --from=build /conduit /usr/local/bin/conduit
WORKDIR /app
USER conduit
ENV HOST=0.0.0.0 PORT=8080 APP_ENV=production LOG_FORMAT=json DATABASE_URL=sqlite:/app/data/conduit.sqlite
VOLUME ["/app/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s --start-period=5s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${PORT}/healthz" || exit 1
# conduit installs its own SIGTERM/SIGINT handling, so it behaves as PID 1.
ENTRYPOINT ["/usr/local/bin/conduit"]
CMD ["serve"]
