#!/usr/bin/env bash
# Installs the Debian (bookworm) packages vapi-cache needs and the machine lacks; does nothing
# when all are there. --test adds the test dependencies, --bench the benchmark ones.
set -euo pipefail

packages=(cmake g++ make pkg-config libcaf-dev libpistache-dev nlohmann-json3-dev
          libssl-dev libjemalloc-dev libsimdjson-dev
          liblz4-dev libisal-dev libhiredis-dev libcurl4-openssl-dev
          python3-yaml)  # the build embeds openapi.yaml as JSON (scripts/openapi_to_cpp.py)
for arg in "$@"; do
  case "$arg" in
    --test)
      # python3-prometheus-client is the referee of the /metrics page (tests/check_exposition.py);
      # prometheus brings promtool, which checks examples/prometheus/ (its server is not used).
      packages+=(libgtest-dev python3-prometheus-client prometheus)
      # tests/journal_record_test checks the journal's checksum against zlib's own crc32.
      packages+=(zlib1g-dev)
      # The Redis store's tests start their own redis-server on a free loopback port.
      packages+=(redis-server)
      # tests/kestra_flows_test reads the example flows (PyYAML) and runs their jq expressions.
      packages+=(python3-yaml jq)
      # tests/kestra_script_test runs examples/kestra/poll-call-result.js, which needs Node 18+.
      command -v node >/dev/null || packages+=(nodejs)
      # tests/openapi/check.sh installs its validators (ajv, an OpenAPI linter) with npm ci.
      command -v npm >/dev/null || packages+=(npm)
      # tests/container/image_test.sh builds the Dockerfile with root podman on a base image it
      # makes with debootstrap. runc and netavark are named so apt does not pick podman's other
      # alternatives (crun refuses this kernel's mixed cgroup v1/v2; containernetworking-plugins).
      # That the install below is --no-install-recommends matters: podman recommends buildah,
      # fuse-overlayfs, slirp4netns, uidmap..., which root podman on overlay does not use.
      packages+=(podman runc netavark debootstrap)
      ;;
    # -fsanitize=fuzzer,address,undefined links compiler-rt's runtimes, which are in
    # libclang-rt-14-dev, which clang-14 only recommends; libfuzzer-14-dev is unused by it.
    --fuzz) packages+=(clang-14 libclang-rt-14-dev) ;;
    --bench)
      packages+=(wrk libbenchmark-dev util-linux procps)
      # nginx answering the cache-hit body with `return 200`: the ceiling row in RESULTS.md.
      packages+=(nginx-light)
      # benchmarks/redis_mode.py runs its own redis-server beside each server under test.
      packages+=(redis-server)
      # The Fastify peer needs Node 20+ and npm; a machine may have them from outside Debian.
      command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
      ;;
    *) echo "usage: $0 [--test] [--bench] [--fuzz]" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing missing Debian packages: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

# Debian starts the Prometheus server on install where systemd runs; the tests need only its
# promtool, so a server we just installed is stopped again rather than left scraping itself.
if [[ " ${missing[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
  $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
# Likewise nginx: the benchmarks start their own on a loopback port, never the system's on 80.
if [[ " ${missing[*]} " == *" nginx-light "* ]] && [ -d /run/systemd/system ]; then
  $sudo systemctl disable --now nginx >/dev/null 2>&1 || true
fi
# And redis-server: the tests start their own Redis on free loopback ports, never the system's.
if [[ " ${missing[*]} " == *" redis-server "* ]] && [ -d /run/systemd/system ]; then
  $sudo systemctl disable --now redis-server >/dev/null 2>&1 || true
fi
