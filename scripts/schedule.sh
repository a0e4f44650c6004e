#!/bin/sh
# The reconcile schedule of `make run`: every 10 minutes, as production
# cron would, through nginx with curl.  Arguments: the endpoint URL and a
# file holding the Authorization header (so no token is on a command line).
# INTERVAL (seconds, default 600) is for tests.
url=$1
header=$2
interval=${INTERVAL:-600}
trap 'kill $! 2>/dev/null; exit 0' TERM INT
while :; do
	sleep "$interval" &
	wait $!
	printf '%s ' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	curl -sS -m 150 -X POST -H @"$header" -o /dev/null \
	    -w 'reconcile: HTTP %{http_code} in %{time_total}s\n' "$url" ||
	    echo "reconcile: curl failed"
done
