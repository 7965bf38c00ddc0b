#!/usr/bin/env bash
# The Prometheus examples (examples/prometheus) must load: the dashboard is valid JSON, and, when
# promtool is installed, every dashboard query parses, the scrape config and the rules pass
# `promtool check` and the rules pass their unit tests (alerts_test.yml).
set -u
root=${1:-$(dirname "$0")/..}
cd "$root/examples/prometheus" || exit 2  # promtool resolves rule_files relative to each file
status=0
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3) || python=
if [ -z "$python" ]; then
  echo "python3 not found: grafana-dashboard.json not checked"; status=1
elif ! out=$("$python" -m json.tool grafana-dashboard.json 2>&1 >/dev/null); then
  echo "grafana-dashboard.json is not valid JSON:"; echo "$out"; status=1
fi
if command -v promtool >/dev/null 2>&1; then
  # Every query of the dashboard must parse: each becomes a recording rule in a scratch file
  # (JSON is YAML), with Grafana's variables given values.
  if [ -n "$python" ]; then
    queries=$(mktemp --suffix=.yml)
    trap 'rm -f "$queries"' EXIT
    "$python" - "$queries" <<'PY'
import json, sys
board = json.load(open("grafana-dashboard.json"))
rules = [{"record": f"dashboard:panel{p['id']}:{t['refId']}",
          "expr": t["expr"].replace("$__rate_interval", "5m").replace("$instance", ".*")}
         for p in board["panels"] for t in p.get("targets", [])]
json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(sys.argv[1], "w"))
PY
    if ! out=$(promtool check rules "$queries" 2>&1); then
      echo "a query of grafana-dashboard.json does not parse:"; echo "$out"; status=1
    fi
  fi
  for check in "check config prometheus.yml" "check rules alerts.yml" "test rules alerts_test.yml"; do
    # shellcheck disable=SC2086  # the words of $check are promtool's arguments
    if ! out=$(promtool $check 2>&1); then
      echo "promtool $check failed:"; echo "$out"; status=1
    fi
  done
else
  echo "promtool not installed: rules not checked (Debian package prometheus)"
fi
[ $status -eq 0 ] && echo "Prometheus examples hold"
exit $status
