# The vapi-cache image: Debian bookworm's packages only, built in one stage and run in a second
# that has the shared libraries, the binary and nothing else.
#   podman build --format docker -t vapi-cache .      (docker build -t vapi-cache .)
#   podman run -d -p 8000:8000 -v vapi-cache-data:/var/lib/vapi-cache vapi-cache
# --format docker matters to podman: its default (OCI) image format has no HEALTHCHECK, and
# podman drops it. BASE names another bookworm image (a mirror, or one made with debootstrap as
# tests/container/image_test.sh does where no registry can be reached).
ARG BASE=debian:bookworm-slim

FROM ${BASE} AS build
# The script alone first: the packages are the slow part and change far less often than the
# sources, so a builder that caches layers keeps them across source edits.
COPY scripts/install-deps.sh /src/scripts/install-deps.sh
RUN /src/scripts/install-deps.sh
COPY . /src
# The same build as scripts/run.sh, which is what the README measures. Tests are off: their
# packages (gtest, redis-server, node...) stay out of the build, and the test hooks out of the
# binary.
RUN /src/scripts/build.sh -DVAPI_CACHE_TESTS=OFF \
 && install -D -s -m 755 /src/build/vapi-cache /out/vapi-cache

FROM ${BASE}
# What the binary links (ldd build/vapi-cache, then dpkg -S on each library), less what every
# Debian base already has (libc6, libstdc++6, libgcc-s1); the packages bring their own
# dependencies. ca-certificates: outbound/transfers.cpp lets libcurl POST to https:// URLs
# (KESTRA_URL, FORWARD_URL), which it cannot verify without them; libcurl4 only recommends them.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libcaf-core0.17 libpistache0 libjemalloc2 libsimdjson14 liblz4-1 libisal2 libssl3 \
      libhiredis0.14 libcurl4 ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
# A numeric user, so a runtime can tell it is not root without reading /etc/passwd (Kubernetes'
# runAsNonRoot refuses a named USER). The journal directory is the user's, and a new named
# volume mounted there starts as a copy of it, owner included.
# --no-log-init: a high UID would otherwise grow /var/log/lastlog and faillog into large sparse
# files, which image layers store at full size.
RUN groupadd --gid 10001 vapi-cache \
 && useradd --uid 10001 --gid 10001 --no-log-init --no-create-home \
      --home-dir /var/lib/vapi-cache --shell /usr/sbin/nologin vapi-cache \
 && install -d -o 10001 -g 10001 -m 700 /var/lib/vapi-cache
COPY --from=build /out/vapi-cache /usr/local/bin/vapi-cache

USER 10001:10001
WORKDIR /var/lib/vapi-cache
ENV DATA_DIR=/var/lib/vapi-cache
VOLUME /var/lib/vapi-cache
EXPOSE 8000
# vapi-cache drains on SIGTERM and exits 0 (README "Deploy"); SHUTDOWN_DELAY_SECONDS plus
# SHUTDOWN_GRACE_SECONDS (0 + 5 by default) must stay under the runtime's stop timeout (10 s for
# docker and podman) or the drain is cut by SIGKILL.
STOPSIGNAL SIGTERM
# Liveness through bash alone (every Debian base has it; no curl in the image): bash's /dev/tcp
# opens the connection and the status line is all that is read. PORT is honoured if the run
# changes it; the service answers Connection: close by closing, so nothing is left open.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-8000} && printf 'GET /health HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && read -r -t 2 status <&3 && [[ $status == 'HTTP/1.1 200 '* ]]"]
# Exec form: vapi-cache is PID 1 and receives the stop signal itself (it waits for it with
# sigwait, so PID 1's ignored-by-default signals are not a problem).
ENTRYPOINT ["/usr/local/bin/vapi-cache"]
