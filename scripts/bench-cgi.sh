# make bench, shared hosting (sourced by scripts/bench.sh, which defines
# row, json, wrk_run's format and DURATION):
#   - the CGI start time of each program: run as CGI N times as a web
#     server would (tests/bench/cgi-start.c: fork, exec with the CGI
#     variables, read the answer, wait), median and p95, beside the same
#     for /bin/true (the machine's own fork+exec);
#   - the 500-job week's req/s in CGI mode through Apache (the upload tree
#     of make dist-cgi behind scripts/cgi-stack.sh) at 8 connections,
#     beside Apache serving the same bytes as a static file.
cgi_n=${CGI_START_RUNS:-300}
cc -std=c11 -D_GNU_SOURCE -O2 -o "$STACK_DIR/cgi-start" "$ROOT/tests/bench/cgi-start.c"
cgi_bin=$ROOT/${DIST:-dist}/cgi/cgi-bin
read -r t50 t95 _ <<<"$("$STACK_DIR/cgi-start" "$cgi_n" /bin/true GET /)"
row "CGI start ($cgi_n runs): /bin/true, for scale" "$t50 / $t95 ms" "median / p95"
true_ins=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null /bin/true 2>&1 |
    awk '/refs:/{gsub(",","",$NF); printf "%.2f M", $NF/1e6}')
while read -r prog method uri; do
	read -r c50 c95 code <<<"$("$STACK_DIR/cgi-start" "$cgi_n" "$cgi_bin/$prog" "$method" "$uri" \
	    SAFARI_ENV_FILE="$ROOT/tests/test.env")"
	bar=""
	case $prog in calendar | job)
		bar="< 2 ms: $(awk "BEGIN{print ($c50<2)?\"met\":\"NOT MET\"}") ($(awk "BEGIN{printf \"%.2f\", $c50-$t50}") over true)" ;;
	esac
	row "  $prog ($method $uri: $code)" "$c50 / $c95 ms" "$bar"
	# The same start counted in instructions (callgrind): the figure that
	# does not move with the machine's load.
	ins=$(env -i SAFARI_ENV_FILE="$ROOT/tests/test.env" REQUEST_METHOD="$method" \
	    REQUEST_URI="$uri" GATEWAY_INTERFACE=CGI/1.1 valgrind --tool=callgrind \
	    --callgrind-out-file=/dev/null "$cgi_bin/$prog" 2>&1 >/dev/null |
	    awk '/refs:/{gsub(",","",$NF); printf "%.2f M", $NF/1e6}')
	row "    instructions, exec to exit" "$ins" "/bin/true: $true_ins"
done <<'PROGS'
calendar GET /api/me
job GET /api/jobs/a.b
reconcile GET /api/cron/reconcile
webhook POST /api/webhooks/square
photo DELETE /api/jobs/x/photos/y
PROGS

# The 500-job week through Apache, in CGI mode.
CGI_STACK_DIR=$(mktemp -d /tmp/sdo-benchcgi.XXXXXX)
export CGI_STACK_DIR
if scripts/cgi-stack.sh start >"$STACK_DIR/cgi-stack.log" 2>&1; then
	cgi_base=$(sed -n 's/^BASE_URL=//p' "$CGI_STACK_DIR/cgi.env")
	cgi_sq=$(sed -n 's/^FAKE_SQUARE_URL=//p' "$CGI_STACK_DIR/cgi.env")
	cgi_cron=$(sed -n 's/^CRON_SECRET=//p' "$CGI_STACK_DIR/cgi.env")
	cgi_auth="Authorization: Basic $(printf 'staff:%s' "$(sed -n 's/^STAFF_PASSWORD=//p' "$CGI_STACK_DIR/cgi.env")" | base64 -w0)"
	curl -fsS -X POST "$cgi_sq/__control/reset" -d '{"seed":"none"}' >/dev/null
	curl -fsS -X POST "$cgi_sq/__control/generate" -H 'content-type: application/json' \
	    -d "{\"count\":500,\"start\":\"${monday}T16:00:00Z\",\"days\":6,\"prefix\":\"week\"}" >/dev/null
	curl -fsS -X POST -H "Authorization: Bearer $cgi_cron" \
	    "$cgi_base/api/cron/reconcile?from=$monday&to=$sunday" >/dev/null
	cgi_jobs=$(curl -fsS -H "$cgi_auth" "$cgi_base/api/calendar" | json 'o.data.jobs.length')
	curl -fsS -H "$cgi_auth" -H 'Accept-Encoding: identity' "$cgi_base/api/calendar" \
	    >"$CGI_STACK_DIR/www/bench-calendar.json"
	cgi_wrk() {	# cgi_wrk PATH [AUTH]: "req/s p50 p99"
		wrk -t2 -c8 -d"${DURATION}s" --latency -H "${2-$cgi_auth}" "$cgi_base$1" 2>&1 |
		    awk 'function ms(v) { if (v ~ /us$/) { sub(/us/,"",v); return v/1000 } if (v ~ /ms$/) { sub(/ms/,"",v); return v } sub(/s/,"",v); return v*1000 }
		    /Requests\/sec/{rps=$2} /^ +50%/{p50=ms($2)} /^ +99%/{p99=ms($2)} END{ printf "%d %.2f %.2f\n", rps, p50, p99 }'
	}
	read -r a_rps a50 a99 <<<"$(cgi_wrk /api/calendar)"
	read -r s_rps _ _ <<<"$(cgi_wrk /bench-calendar.json)"
	row "CGI via Apache: calendar of $cgi_jobs jobs, 8 conn" "$a_rps / $s_rps req/s" "product / static file (Apache)"
	row "  p50 / p99 ms (product)" "$a50 / $a99" ""
	# Without the login (Apache checks the SHA-512 crypt password on
	# every request, as it has no cache of verified logins).
	read -r h_rps h50 _ <<<"$(cgi_wrk /api/health "X-No-Login: 1")"
	read -r e_rps _ _ <<<"$(cgi_wrk /_error/404.json "X-No-Login: 1")"
	row "  no login: /api/health / a static file" "$h_rps / $e_rps req/s" "health p50 $h50 ms"
else
	row "CGI via Apache" "failed" "see $STACK_DIR/cgi-stack.log"
fi
scripts/cgi-stack.sh stop >/dev/null 2>&1
rm -rf "$CGI_STACK_DIR"
