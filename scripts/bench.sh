#!/bin/bash
# make bench: the performance figures of SPEC, printed as a table, each
# beside the bar or comparison it is judged by.  Runs a private stack (as
# the tests do) on free ports, with the fake Square on loopback.
#   reconcile of 10,000 bookings (100 pages): product time, calls, trips
#   calendar JSON of a 500-job week through nginx vs the same bytes static
#   an unchanged poll (304): bytes on the wire
#   resident memory of a FastCGI worker, before and after the load
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
export SAFARI_ENV_FILE=$ROOT/tests/test.env
for v in CRON_SECRET SQUARE_ACCESS_TOKEN SQUARE_BASE_URL MYSQL_SOCKET \
    MYSQL_HOST MYSQL_USER MYSQL_PASSWORD MYSQL_DATABASE; do unset "$v"; done
STACK_DIR=$(mktemp -d /tmp/sdo-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DURATION=${BENCH_SECONDS:-10}
export STACK_DIR PORT
trap 'scripts/stack.sh stop >/dev/null 2>&1; rm -rf "$STACK_DIR"' EXIT

NO_SCHEDULE=1 QUIET=1 scripts/stack.sh start || exit 1
set -a; . "$STACK_DIR/stack.env"; set +a
AUTH="Authorization: Basic $(printf '%s:%s' "$STAFF_USER" "$STAFF_PASSWORD" | base64 -w0)"
json() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const o=JSON.parse(s);console.log($1)})"; }
rows=()
row() { rows+=("$(printf '| %-44s | %16s | %-34s |' "$1" "$2" "$3")"); }

# --- reconcile of 10,000 bookings -------------------------------------------
curl -fsS -X POST "$FAKE_SQUARE_URL/__control/reset" -d '{"seed":"none"}' >/dev/null
start=$(date -u -d '+1 hour' +%Y-%m-%dT%H:00:00Z)
curl -fsS -X POST "$FAKE_SQUARE_URL/__control/generate" -H 'content-type: application/json' \
    -d "{\"count\":10000,\"start\":\"$start\",\"days\":29,\"prefix\":\"bench\",\"customers\":2000}" >/dev/null
for pass in first second; do
	out=$(curl -fsS -X POST -H "Authorization: Bearer $CRON_SECRET" \
	    "$BASE_URL/api/cron/reconcile")
	read -r dur wait pages lists trips created skipped <<<"$(echo "$out" | json \
	    "[o.data.durationMs,o.data.squareWaitMs,o.data.pages,o.data.listCalls,o.data.dbRoundTrips,o.data.created,o.data.skipped].join(' ')")"
	own=$((dur - wait))
	label="reconcile 10,000 bookings, $pass run"
	[ $pass = first ] && label="$label ($created created)" || label="$label ($skipped skipped)"
	row "$label: wall" "${dur} ms" ""
	row "  of which the product's own (wall - Square)" "${own} ms" "< 2000 ms: $([ $own -lt 2000 ] && echo pass || echo FAIL)"
	row "  list calls / pages" "$lists / $pages" "1 per page: $([ "$lists" = "$pages" ] && echo pass || echo FAIL)"
	perpage=$(awk "BEGIN{printf \"%.2f\", $trips/$pages}")
	row "  database round trips per page" "$perpage" "<= 3: $(awk "BEGIN{print ($perpage<=3)?\"pass\":\"FAIL\"}")"
done

# --- the calendar: a week of 500 jobs ----------------------------------------
curl -fsS -X POST "$FAKE_SQUARE_URL/__control/reset" -d '{"seed":"none"}' >/dev/null
mysql_q() { mariadb --no-defaults --socket="$MYSQL_SOCKET" -u "$(id -un)" safari -e "$1"; }
mysql_q "DELETE FROM jobs"
dow=$(TZ=America/Los_Angeles date +%u)
monday=$(TZ=America/Los_Angeles date -d "-$((dow - 1)) days" +%F)
sunday=$(TZ=America/Los_Angeles date -d "+$((7 - dow)) days" +%F)
curl -fsS -X POST "$FAKE_SQUARE_URL/__control/generate" -H 'content-type: application/json' \
    -d "{\"count\":500,\"start\":\"${monday}T16:00:00Z\",\"days\":6,\"prefix\":\"week\"}" >/dev/null
curl -fsS -X POST -H "Authorization: Bearer $CRON_SECRET" \
    "$BASE_URL/api/cron/reconcile?from=$monday&to=$sunday" >/dev/null
njobs=$(curl -fsS -H "$AUTH" "$BASE_URL/api/calendar" | json 'o.data.jobs.length')
curl -fsS -H "$AUTH" -H 'Accept-Encoding: identity' "$BASE_URL/api/calendar" \
    >"$STACK_DIR/bench-calendar.json"
size=$(stat -c %s "$STACK_DIR/bench-calendar.json")

workers() { pgrep -P "$(cat "$STACK_DIR/run/calendar.pid")" | tr '\n' ' '; }
rss() { local t=0 p; for p in $(workers); do t=$((t > $(awk '/VmRSS/{print $2}' /proc/$p/status) ? t : $(awk '/VmRSS/{print $2}' /proc/$p/status))); done; echo $t; }
wrk_run() {	# wrk_run PATH: "requests/s p99-ms requests"
	wrk -t2 -c64 -d"${DURATION}s" --latency -H "$AUTH" "$BASE_URL$1" 2>&1 |
	    awk '/Requests\/sec/{rps=$2} /^ +99%/{p=$2} /requests in/{n=$1}
	    END{ if (p ~ /us$/) {sub(/us/,"",p); p=p/1000} else if (p ~ /ms$/) {sub(/ms/,"",p)} else if (p ~ /s$/) {sub(/s/,"",p); p=p*1000}
	    printf "%d %.2f %d\n", rps, p, n }'
}
read -r srps sp99 _ <<<"$(wrk_run /_bench/calendar.json)"
read -r drps dp99 _ <<<"$(wrk_run /api/calendar)"
rss_before=$(rss)
row "calendar JSON, $njobs jobs ($size bytes), 64 conn" "$drps req/s" ""
row "  the same bytes as a static file" "$srps req/s" "within 2x: $(awk "BEGIN{print ($drps*2>=$srps)?\"pass\":\"FAIL\"}")"
row "  p99 latency (dynamic / static)" "$dp99 / $sp99 ms" "< 10 ms: $(awk "BEGIN{print ($dp99<10)?\"pass\":\"FAIL\"}")"

# --- an unchanged poll ---------------------------------------------------------
etag=$(curl -fsS -D - -o /dev/null -H "$AUTH" "$BASE_URL/api/calendar" | awk -F': ' 'tolower($1)=="etag"{print $2}' | tr -d '\r')
bytes=$(curl -sS -o /dev/null -w '%{size_header} %{size_download} %{http_code}' -H "$AUTH" \
    -H "If-None-Match: $etag" "$BASE_URL/api/calendar")
read -r hb bb code <<<"$bytes"
row "unchanged poll ($code): answer on the wire" "$((hb + bb)) bytes" "< 300 bytes: $([ $((hb + bb)) -lt 300 ] && echo pass || echo FAIL)"

# --- memory: requests that reach the program (random ranges miss the cache)
served=0
for _ in $(seq 1 30); do
	[ "$served" -ge 100000 ] && break
	n=$(wrk -t2 -c16 -d10s -s tests/bench/calendar-ranges.lua -H "$AUTH" "$BASE_URL" 2>&1 |
	    awk '/requests in/{print $1}')
	served=$((served + ${n:-0}))
done
rss_after=$(rss)
row "calendar worker RSS before the load" "$((rss_before / 1024)).$(((rss_before % 1024) * 10 / 1024)) MiB" ""
row "  after $served more, of random ranges" "$((rss_after / 1024)).$(((rss_after % 1024) * 10 / 1024)) MiB" "< 8 MiB, no growth: $([ $rss_after -lt 8192 ] && [ $rss_after -le $((rss_before + 512)) ] && echo pass || echo FAIL)"

# --- photos (uploads, and the calendar while they run) ------------------------
# shellcheck source=scripts/bench-photos.sh
. "$ROOT/scripts/bench-photos.sh"

echo
echo "Safari Detail Ops bench ($(nproc) cores, wrk ${DURATION}s runs, $(date -u +%F))"
printf '| %-44s | %16s | %-34s |\n' "measure" "figure" "bar"
printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" "$(printf -- '-%.0s' {1..18})" "$(printf -- '-%.0s' {1..36})"
printf '%s\n' "${rows[@]}"
