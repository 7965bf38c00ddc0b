#!/usr/bin/env bash
# The ceiling rows of RESULTS.md: Debian's nginx (nginx-light) answering every request with the
# given body from memory (`return 200`), one process (master_process off, one worker's loop),
# keep-alive without a request limit, so wrk measures nginx's HTTP path alone. With `off` (the
# default) no access log; with `log`, the access log Debian's nginx.conf writes by default (the
# combined format, one write(2) per request), to a file in the prefix: nginx as a user runs it,
# beside this service at its defaults, which logs each hit at LOG_LEVEL=info.
# Runs in the foreground until SIGTERM/SIGQUIT; its files live in a temporary prefix.
#   benchmarks/nginx_ceiling.sh <port> <body-file> [off|log]
set -euo pipefail
port=$1 body=$2 access=${3:-off}
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "nginx not installed (scripts/install-deps.sh --bench)" >&2; exit 1; }
prefix=$(mktemp -d "${TMPDIR:-/tmp}/vapi-bench-nginx-XXXXXX")
trap 'rm -rf "$prefix"' EXIT
# nginx reads $name in a return text as a variable; a literal $ is written ${dollar} (geo below).
# In a single-quoted nginx string, \ and ' are escaped with a backslash.
text=$(python3 -c '
import sys
s = open(sys.argv[1], encoding="utf-8").read()
print(s.replace("\\", "\\\\").replace("\x27", "\\\x27").replace("$", "${dollar}"), end="")' "$body")
cat >"$prefix/nginx.conf" <<CONF
worker_processes 1;
master_process off;
daemon off;
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events { worker_connections 4096; }
http {
  access_log $([ "$access" = log ] && echo "$prefix/access.log" || echo off);
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  client_body_temp_path $prefix/body;
  proxy_temp_path $prefix/proxy;
  fastcgi_temp_path $prefix/fastcgi;
  uwsgi_temp_path $prefix/uwsgi;
  scgi_temp_path $prefix/scgi;
  geo \$dollar { default "\$"; }
  server {
    listen 127.0.0.1:$port;
    location / {
      default_type application/json;
      return 200 '$text';
    }
  }
}
CONF
# Not exec: the trap removes the prefix after nginx exits; the signal is passed on.
"$nginx" -e "$prefix/error.log" -p "$prefix" -c "$prefix/nginx.conf" &
child=$!
trap 'kill -TERM $child 2>/dev/null' TERM INT
wait $child || true
wait $child 2>/dev/null || true
