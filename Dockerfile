# The conduit image: a static-stdlib release binary on Debian bookworm slim, running as uid
# 10001 (group 0, so any UID with group 0 works too), its own `conduit healthcheck` as the
# HEALTHCHECK (no curl, no shell needed). CI builds this file and tests the running image under
# a real Docker engine: Scripts/container-test.sh, run by Scripts/test.sh.
#
# The binary comes from one of two stages, chosen with the build argument CONDUIT_BINARY:
#
#   build     (the default) compiled here, in swift:6.3-bookworm:
#                 docker build -t conduit:local .
#   prebuilt  a binary built outside, on Debian bookworm (the runtime's glibc and libevent), at
#             .build-static/conduit in the build context; no Swift image needed (CI does this):
#                 swift build -c release --product conduit --static-swift-stdlib --traits OTLPExport --scratch-path .build-static
#                 cp .build-static/release/conduit .build-static/conduit
#                 DOCKER_BUILDKIT=1 docker build --build-arg CONDUIT_BINARY=prebuilt -t conduit:local .
#
# Either way the runtime stage (the last one) is the same. `prebuilt` needs BuildKit, which
# builds only the stages the image needs: the default builder since Docker 23; on older engines
# (Debian's docker.io 20.10) set DOCKER_BUILDKIT=1. The legacy builder builds every stage, so it
# would pull swift:6.3-bookworm even for `prebuilt`.
ARG CONDUIT_BINARY=build

FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libevent-dev libsqlite3-dev zlib1g-dev pkg-config libtcmalloc-minimal4 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
# With the OTLP exporter (trait OTLPExport): the image traces when OTEL_EXPORTER_OTLP_ENDPOINT is set.
RUN swift build -c release --product conduit --static-swift-stdlib --traits OTLPExport \
    && cp "$(swift build -c release --show-bin-path)/conduit" /conduit

FROM scratch AS prebuilt
# The wildcard (beside a file that is always there) lets this stage build without the binary:
# the legacy builder builds every stage, even for the default `build`.
COPY Package.swift .build-static/conduit* /

FROM ${CONDUIT_BINARY} AS binary

FROM debian:bookworm-slim
# libevent, libsqlite3 and tcmalloc (conduit's malloc) at run time; ca-certificates for PostgreSQL
# over TLS (sslmode=verify-full).
# The data directory belongs to group 0 and is group-writable (chmod g=u), so an arbitrary UID
# in group 0 (OpenShift, `docker run --user 12345:0`) can write it, not only uid 10001.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libevent-2.1-7 libevent-pthreads-2.1-7 libsqlite3-0 libtcmalloc-minimal4 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --gid 0 --home-dir /app --no-create-home --shell /usr/sbin/nologin conduit \
    && mkdir -p /app/data && chown 10001:0 /app/data && chmod g=u /app/data
COPY --from=binary /conduit /usr/local/bin/conduit
WORKDIR /app
# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:0
ENV HOST=0.0.0.0 PORT=8080 APP_ENV=production LOG_FORMAT=json DATABASE_URL=sqlite:/app/data/conduit.sqlite
VOLUME ["/app/data"]
EXPOSE 8080
# `conduit healthcheck` reads the same configuration as the server (PORT, HOST) and probes
# GET /healthz on the loopback address: exit 0 on 200, 1 otherwise.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/conduit", "healthcheck"]
# conduit installs its own SIGTERM/SIGINT handling, so it behaves as PID 1.
ENTRYPOINT ["/usr/local/bin/conduit"]
CMD ["serve"]
