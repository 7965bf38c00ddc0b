# Shell helpers shared by the benchmark scripts (sourced, not run).

# wait_port <port>: returns once something accepts connections on 127.0.0.1:<port>; fails after
# 10 s.
wait_port() {
  for _ in $(seq 1 200); do
    (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2
  return 1
}
