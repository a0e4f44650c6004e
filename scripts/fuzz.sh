#!/bin/sh
# make fuzz: build the parsers' libFuzzer targets with clang (ASan and
# UBSan on) and run each from its seed corpus in tests/:
#   fuzz_square   Square's answers (ListBookings, customers, catalog, a
#                 booking)     seeds tests/data/square, tests/data/fuzz/square
#   fuzz_http     a whole HTTP request            seeds tests/data/fuzz/http
#   fuzz_patch    a staff PATCH body              seeds tests/data/fuzz/patch
#   fuzz_webhook  a signed Square webhook body    seeds tests/data/fuzz/webhook
#   fuzz_media    an uploaded image (libvips)     seeds tests/data/media
# Each runs FUZZ_SECONDS (default 60), or FUZZ_RUNS executions when that
# is set (FUZZ_TARGETS picks some: FUZZ_TARGETS="square http").  A crash
# leaves its input in build/fuzz/ and fails; the last line of each target
# gives its executions and coverage.
set -eu
cd "$(dirname "$0")/.."
if ! command -v clang >/dev/null 2>&1; then
	if [ "$(id -u)" -eq 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang >/dev/null
	else
		echo "fuzzing needs clang: sudo apt-get install -y clang" >&2
		exit 1
	fi
fi
secs=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-square http patch webhook media}
out=build/fuzz
flags="-std=c11 -D_GNU_SOURCE -g -O1 -Ilib -fsanitize=fuzzer,address,undefined"
cflags=$(pkg-config --cflags json-c libcurl libmariadb fcgi)
libs=$(pkg-config --libs json-c libcurl libmariadb fcgi libcrypto libxcrypt)
lib="lib/http.c lib/jobs.c lib/patch.c lib/api.c lib/app.c lib/db.c lib/config.c
    lib/log.c lib/tz.c lib/runs.c lib/reconcile.c lib/square.c lib/square_json.c
    lib/webhook.c lib/api_square.c lib/login.c lib/origin.c lib/push.c lib/calendar.c lib/json.c"
mkdir -p "$out"

build() {	# target, sources...
	t=$1
	shift
	# shellcheck disable=SC2086
	clang $flags $cflags "$@" "tests/fuzz_$t.c" -o "$out/fuzz_$t" $libs
}

for t in $targets; do
	case $t in
	square)	build square lib/square.c lib/square_json.c lib/log.c lib/tz.c lib/json.c ;;
	http|patch|webhook)
		# shellcheck disable=SC2086
		build "$t" $lib ;;
	media)
		# The upload path's media code through libvips (the photo
		# program's own objects, not libsafari).
		# shellcheck disable=SC2046,SC2086
		clang $flags $(pkg-config --cflags vips) lib/media.c lib/log.c \
		    tests/fuzz_media.c -o "$out/fuzz_media" \
		    $(pkg-config --libs vips libcrypto) ;;
	*)	echo "fuzz: unknown target $t" >&2; exit 1 ;;
	esac
done

seeds() {
	case $1 in
	square)	echo "../../tests/data/square ../../tests/data/fuzz/square" ;;
	media)	echo ../../tests/data/media ;;
	*)	echo "../../tests/data/fuzz/$1" ;;
	esac
}

cd "$out"
for t in $targets; do
	mkdir -p "corpus-$t"
	if [ -n "${FUZZ_RUNS:-}" ]; then
		limit="-runs=$FUZZ_RUNS"
	else
		limit="-max_total_time=$secs"
	fi
	extra=
	[ "$t" = media ] && extra=-rss_limit_mb=1024
	# Square's golden files go to 40 KB, and libFuzzer would make every
	# input as long: 8 KB holds any real booking (the odd-bookings file
	# is there split in pages of one, tests/data/fuzz/square).
	[ "$t" = square ] && extra=-max_len=8192
	# shellcheck disable=SC2046,SC2086
	"./fuzz_$t" "$limit" -print_final_stats=1 $extra "corpus-$t" \
	    $(seeds "$t") >"fuzz_$t.log" 2>&1 || {
		tail -40 "fuzz_$t.log" >&2
		echo "fuzz: fuzz_$t failed; see build/fuzz/fuzz_$t.log" >&2
		exit 1
	}
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "fuzz_$t.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "fuzz_$t.log")
	cov=$(grep -o 'cov: [0-9]*' "fuzz_$t.log" | tail -1)
	echo "fuzz_$t: $execs executions ($rate/s), $cov edges, no report"
done
