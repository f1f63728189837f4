#!/bin/bash
# Ingestion throughput and CPU per delivery of one server binary on a copy of a database:
#
#   tools/bench/ingest-cpu.sh LABEL SERVER_BINARY BASE_DATABASE [INGEST_BENCH]
#
# Starts SERVER_BINARY (WHATSAPP_APP_SECRET=bench-secret, port 18082) on a fresh copy of
# BASE_DATABASE (an empty database the binary has migrated: start it once on a new path, stop
# it), drives it with `ingest-bench --url … --duration 8 --warmup 2 --concurrency 64 --modes
# group`, and prints durable events/s and the writer thread's and the whole server's CPU per
# delivery stored (from /proc/PID/task/TID/stat). Alternate builds in one sitting and compare
# ratios (docs/BENCHMARKS.md, "What the counting triggers cost ingestion").
set -euo pipefail
label=$1; bin=$2; base=$3; bench=${4:-target/release/ingest-bench}
work=$(mktemp -d); spid=
trap 'kill ${spid:-} 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$base" "$work/run.sqlite"
DATABASE_URL="$work/run.sqlite" WACLOUD_BIND=127.0.0.1:18082 WHATSAPP_APP_SECRET=bench-secret \
  RUST_LOG=warn "$bin" serve >"$work/server.log" 2>&1 &
spid=$!
for _ in $(seq 50); do curl -sf localhost:18082/api/whatsapp/health >/dev/null && break; sleep 0.2; done
tid=$(for t in /proc/$spid/task/*; do if [ "$(cat "$t/comm")" = "wacloud-db-writ" ]; then basename "$t"; fi; done)
cpu() { awk '{print $14+$15}' "$1"; }
w0=$(cpu /proc/$spid/task/$tid/stat); p0=$(cpu /proc/$spid/stat)
row=$("$bench" --url http://127.0.0.1:18082 --duration 8 --warmup 2 --concurrency 64 --modes group 2>&1 | grep "^| group")
w1=$(cpu /proc/$spid/task/$tid/stat); p1=$(cpu /proc/$spid/stat)
kill $spid; wait $spid 2>/dev/null || true
n=$(sqlite3 "$work/run.sqlite" "select count(*) from whatsapp_webhooks")
tick=$((1000000 / $(getconf CLK_TCK)))
echo "$label events/s=$(echo "$row" | awk -F'|' '{print $3}' | tr -d ' ') deliveries=$n" \
  "writer_us/delivery=$(( (w1 - w0) * tick / n )) server_us/delivery=$(( (p1 - p0) * tick / n ))"
