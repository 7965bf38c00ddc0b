#!/usr/bin/env bash
# Builds the image from the Dockerfile with Debian's podman and runs it as a deployment would:
# /health, a non-root user, the HEALTHCHECK, a webhook stored and read back, the result kept
# across a restart and in a new container on the same volume, SIGTERM ending in exit 0. Removes
# every container, volume and image it made, except the base image, kept for the next run.
#
# Exit 77 (ctest: skipped) when podman or debootstrap is missing and cannot be installed, or
# when not root; any other failure is a failure.
#
# No container registry can be reached from the test machines, so the base image is made from
# Debian's archive with debootstrap (about 25 s) and kept as $base_image; remove it to remake it.
# VAPI_CACHE_TEST_BASE=debian:bookworm-slim uses that image instead, where a registry is there.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
started=$(date +%s%N)

skip() { echo "container_image: SKIPPED: $*"; exit 77; }
fail() { echo "container_image: FAILED: $*" >&2; exit 1; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# ---- Tools -----------------------------------------------------------------------------------
# Root podman is what was measured here; rootless podman needs subordinate IDs set up (uidmap,
# /etc/subuid), which a test should not do to a machine.
[ "$(id -u)" -eq 0 ] || skip "needs root (rootful podman); run as root or skip"
# The list scripts/install-deps.sh --test installs (it says why these and not podman's
# alternatives), installed here too when the test is run on its own.
tools=(podman runc netavark debootstrap)
missing=()
for p in "${tools[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "container_image: installing ${missing[*]}"
  { apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  } >/dev/null 2>&1 || skip "${missing[*]} missing and apt-get could not install them"
fi
command -v python3 >/dev/null || skip "python3 (to pick a free port) is missing"

# crun may be installed beside runc (by hand, or as a recommendation elsewhere): name runc for
# every container, the build's included. Root cannot raise RLIMIT_NOFILE past its own hard
# limit here (20000), and podman's defaults ask for more (nofile 1048576, nproc 32768), so every
# container gets limits it can have; the service sizes MAX_CONNECTIONS from what it gets.
podman=(podman --runtime runc)
nofile=$(ulimit -Hn)
if [ "$nofile" = unlimited ] || [ "$nofile" -gt 1048576 ]; then nofile=1048576; fi
limits=(--ulimit "nofile=$nofile:$nofile" --ulimit nproc=4096:4096)

# ---- What this run makes, and removes whatever happens ---------------------------------------
run_id="$$-$RANDOM"
image="localhost/vapi-cache-test:$run_id"
volume="vapi-cache-test-$run_id"
containers=("vapi-cache-test-$run_id-a" "vapi-cache-test-$run_id-b")
work=$(mktemp -d /var/tmp/vapi-cache-container-test.XXXXXX)
cleanup() {
  local status=$?
  for c in "${containers[@]}"; do
    if [ "$status" -ne 0 ] && "${podman[@]}" container exists "$c"; then
      echo "--- logs of $c" >&2
      "${podman[@]}" logs --tail 30 "$c" >&2 || true
    fi
    "${podman[@]}" rm -f -t 0 "$c" >/dev/null 2>&1 || true
  done
  "${podman[@]}" volume rm -f "$volume" >/dev/null 2>&1 || true
  "${podman[@]}" rmi -f "$image" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# ---- The base image ----------------------------------------------------------------------------
base_image=${VAPI_CACHE_TEST_BASE:-localhost/vapi-cache-test-base:bookworm}
base_ms=0
if ! "${podman[@]}" image exists "$base_image"; then
  [ -z "${VAPI_CACHE_TEST_BASE:-}" ] || fail "VAPI_CACHE_TEST_BASE=$base_image is not in podman's store"
  t=$(date +%s%N)
  rootfs="$work/rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian \
    >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap"; }
  # Made like debian:bookworm-slim, so the image measured here is the size it will be there:
  # the same archive suites, no package caches or lists, and dpkg told to leave documentation,
  # manuals and translations out of every package installed later.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/excludes" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* \
         "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
  # Imported under a temporary name and tagged at the end, so a run cut short never leaves a
  # half-made base under the name the next run trusts.
  tar -C "$rootfs" -c . | "${podman[@]}" import -q - "$base_image-partial-$run_id" >/dev/null
  "${podman[@]}" tag "$base_image-partial-$run_id" "$base_image"
  "${podman[@]}" rmi "$base_image-partial-$run_id" >/dev/null
  rm -rf "$rootfs"
  base_ms=$(ms_since "$t")
  echo "container_image: base image $base_image made in $base_ms ms"
else
  echo "container_image: base image $base_image reused"
fi

# ---- The build ---------------------------------------------------------------------------------
# --format docker: podman's default OCI format has no HEALTHCHECK and drops it.
# --layers=false: no cached layers, so the build stage (~800 MB of compilers) is not left behind.
# --network host: the RUN steps reach Debian's archive without netavark's NAT (iptables).
t=$(date +%s%N)
"${podman[@]}" build --format docker --layers=false --force-rm --network host "${limits[@]}" \
  --build-arg BASE="$base_image" -t "$image" "$source_dir" >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log" >&2; fail "podman build"; }
build_ms=$(ms_since "$t")
echo "container_image: image built in $build_ms ms"

inspect() { "${podman[@]}" image inspect --format "$1" "$image"; }
size=$(inspect '{{.Size}}')
echo "container_image: image size $size bytes ($(( size / 1000000 )) MB)"
[ "$size" -lt 120000000 ] || fail "image is $size bytes, over the 120 MB target"
user=$(inspect '{{.Config.User}}')
[[ -n $user && ${user%%:*} != 0 && ${user%%:*} != root ]] || fail "image User is '$user'"
[ "$(inspect '{{.Config.StopSignal}}')" = SIGTERM ] || fail "StopSignal is not SIGTERM"
inspect '{{json .Config.ExposedPorts}}' | grep -q '"8000/tcp"' || fail "8000/tcp not exposed"
inspect '{{json .Config.Volumes}}' | grep -q '"/var/lib/vapi-cache"' || fail "no VOLUME"
inspect '{{json .Config.Env}}' | grep -q '"DATA_DIR=/var/lib/vapi-cache"' || fail "no DATA_DIR"
health_script=$(inspect '{{index .Config.Healthcheck.Test 3}}') || fail "image has no HEALTHCHECK"

# ---- HTTP over bash's /dev/tcp: this host needs no curl ----------------------------------------
# Sets code and body from one request on its own connection. Connection: close is sent, so the
# reply must end with the connection: a service that kept it open makes this time out (code 124).
request() {
  local method=$1 path=$2 data=${3-} response status=0
  response=$(
    { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || exit 1  # refused: not up yet
    printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n' "$method" "$path" >&3
    printf 'Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' "${#data}" "$data" >&3
    timeout 5 cat <&3
  ) || status=$?
  code=000 body=
  [ "$status" -ne 124 ] || fail "$method $path: the connection stayed open after Connection: close"
  [ "$status" -eq 0 ] || return 1
  code=${response#HTTP/1.1 }
  code=${code%% *}
  body=${response#*$'\r\n\r\n'}
}
# Polls /health until 200 (or the container dies, or 30 s pass).
wait_healthy() {
  local container=$1 deadline=$(( $(date +%s) + 30 ))
  until request GET /health && [ "$code" = 200 ]; do
    [ "$("${podman[@]}" inspect --format '{{.State.Running}}' "$container")" = true ] ||
      fail "$container exited before /health answered 200"
    [ "$(date +%s)" -lt "$deadline" ] || fail "no 200 from /health within 30 s"
    sleep 0.02
  done
}
# The service listens on loopback only (HOST=127.0.0.1) on a free port: host networking needs no
# port forwarding (netavark would need iptables) and sends nothing beyond this machine.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Podman wants systemd to schedule the HEALTHCHECK and logs an error where there is none (as here);
# the container runs regardless, and the check is run by hand below.
start() {
  "${podman[@]}" run -d --name "$1" --network host "${limits[@]}" -e HOST=127.0.0.1 -e PORT="$port" \
    -v "$volume:/var/lib/vapi-cache" "$image" >/dev/null 2>"$work/run.err" ||
    { cat "$work/run.err" >&2; fail "podman run"; }
}

# ---- Run, health, user -------------------------------------------------------------------------
a=${containers[0]}
"${podman[@]}" volume create "$volume" >/dev/null
t=$(date +%s%N)
start "$a"
wait_healthy "$a"
healthy_ms=$(ms_since "$t")
echo "container_image: podman run to /health 200 in $healthy_ms ms (target: under 1000)"
[[ $body == *'"status":"ok"'* ]] || fail "/health said $body"
# A failure, not a warning, only far past the target: a loaded machine is slow, not broken.
[ "$healthy_ms" -lt 10000 ] || fail "run to healthy took $healthy_ms ms"

uid=$("${podman[@]}" exec "$a" id -u)
[ "$uid" != 0 ] || fail "the service runs as root"
echo "container_image: runs as uid $uid"

# The HEALTHCHECK passes, and is no formality: the same script against a port with nothing on it
# fails.
"${podman[@]}" healthcheck run "$a" 2>"$work/hc.err" || { cat "$work/hc.err" >&2; fail "healthcheck run"; }
! "${podman[@]}" exec -e PORT=1 "$a" bash -c "$health_script" 2>/dev/null ||
  fail "the HEALTHCHECK passes with nothing listening"

# ---- A webhook stored, read back, kept across restarts ------------------------------------------
webhook='{"message":{"type":"end-of-call-report","endedReason":"customer-ended-call","call":{"id":"c1"}}}'
request POST /api/v1/vapi/webhook "$webhook" || fail "POST webhook: no answer"
[ "$code" = 200 ] || fail "POST webhook answered $code: $body"
read_back() {
  request GET /api/v1/vapi/calls/c1 || fail "GET c1: no answer"
  { [ "$code" = 200 ] && [[ $body == *'"c1"'* ]]; } || fail "GET c1 ($1) answered $code: $body"
}
read_back "after the webhook"

# podman restart stops with the STOPSIGNAL and starts the same container: the journal replays.
"${podman[@]}" restart "$a" >/dev/null 2>&1 || fail "podman restart"
wait_healthy "$a"
read_back "after podman restart"

# SIGTERM (podman stop): drained, exit 0, well inside podman's 10 s before it would SIGKILL.
t=$(date +%s%N)
"${podman[@]}" stop "$a" >/dev/null 2>&1 || fail "podman stop"
stop_ms=$(ms_since "$t")
exit_code=$("${podman[@]}" inspect --format '{{.State.ExitCode}}' "$a")
[ "$exit_code" = 0 ] || fail "exit code $exit_code after SIGTERM"
"${podman[@]}" logs "$a" 2>&1 | grep -q '"signal":"SIGTERM"' || fail "no SIGTERM in the log"
echo "container_image: podman stop: exit 0 in $stop_ms ms"

# A new container on the same volume: the result was in the volume (DATA_DIR), not in the first
# container's own layer.
b=${containers[1]}
start "$b"
wait_healthy "$b"
read_back "in a new container on the volume"
"${podman[@]}" stop "$b" >/dev/null 2>&1
[ "$("${podman[@]}" inspect --format '{{.State.ExitCode}}' "$b")" = 0 ] || fail "second container's exit code"

echo "container_image: timings: base image ${base_ms} ms (0: reused), build ${build_ms} ms," \
     "run to healthy ${healthy_ms} ms, total $(ms_since "$started") ms"
echo "container_image: passed"
