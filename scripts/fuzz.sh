#!/bin/sh
# make fuzz: build the parsers' libFuzzer targets with clang (ASan and
# UBSan on) and run each for FUZZ_SECONDS (default 60), starting from the
# golden files.  A crash leaves its input in build/fuzz/ and fails.
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
out=build/fuzz
mkdir -p "$out/corpus-square" "$out/corpus-http"
flags="-std=c11 -D_GNU_SOURCE -g -O1 -Ilib -fsanitize=fuzzer,address,undefined"
# shellcheck disable=SC2046
cflags=$(pkg-config --cflags json-c libcurl libmariadb fcgi)
libs=$(pkg-config --libs json-c libcurl libmariadb fcgi libcrypto)
# shellcheck disable=SC2086
clang $flags $cflags lib/square.c lib/log.c lib/tz.c tests/fuzz_square.c \
    -o "$out/fuzz_square" $libs
# shellcheck disable=SC2086
clang $flags $cflags lib/http.c lib/jobs.c lib/api.c lib/app.c lib/db.c \
    lib/config.c lib/log.c lib/tz.c lib/runs.c lib/reconcile.c lib/square.c \
    lib/webhook.c lib/api_square.c lib/origin.c lib/push.c lib/calendar.c \
    tests/fuzz_http.c -o "$out/fuzz_http" $libs
# The upload path's media code through libvips (the photo program's own
# objects, not libsafari).
# shellcheck disable=SC2046,SC2086
clang $flags $(pkg-config --cflags vips) lib/media.c lib/log.c \
    tests/fuzz_media.c -o "$out/fuzz_media" $(pkg-config --libs vips libcrypto)
mkdir -p "$out/corpus-media"
cd "$out"
./fuzz_square -max_total_time="$secs" -print_final_stats=1 corpus-square \
    ../../tests/data/square
./fuzz_http -max_total_time="$secs" -print_final_stats=1 corpus-http
./fuzz_media -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=1024 \
    corpus-media ../../tests/data/media
echo "fuzz: no crash in ${secs}s per target"
