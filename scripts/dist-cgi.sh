#!/bin/bash
# make dist-cgi: the shared-hosting upload tree, $DIST/cgi/ (default
# dist/cgi), to copy as it is to the root of a (sub)domain:
#   .htaccess          routes, the login, refusals, headers, JSON errors
#   *.html js/ css/ …  the pages (htdocs/)
#   cgi-bin/           the programs (plain CGI), .htaccess: ExecCGI
#   lib/               libsafari*.so and the libraries a stock host may
#                      lack (libfcgi, json-c, libcurl, the MariaDB client),
#                      found through the programs' RUNPATH ($ORIGIN/../lib)
#   bin/safari-migrate and sql/   the migrations (run over SSH)
#   _error/            the JSON bodies of Apache's own errors under /api/
#   media/             the photos (MEDIA_DIR), served behind the login
#   .env.example       the settings (put the real file outside the web root:
#                      ~/.config/safari/safari.env)
# lib/, bin/ and sql/ are refused to every client (.htaccess).  The photo
# program needs the host's libvips (libvips42); the others need only libc,
# libcrypto/libssl 3 and zlib of the host.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
DIST=${DIST:-dist}
case $DIST in /*) ;; *) DIST=$ROOT/$DIST ;; esac
OUT=$DIST/cgi
# Carried beside the programs: what Debian and Ubuntu hosts often lack.
CARRY="libfcgi.so.0 libjson-c.so.5 libcurl.so.4 libmariadb.so.3"

for p in calendar job reconcile webhook photo; do
	[ -x "$BUILD/cgi-bin/$p" ] || { echo "dist-cgi: build first: make" >&2; exit 1; }
done
rm -rf "$OUT"
mkdir -p "$OUT/cgi-bin" "$OUT/lib" "$OUT/bin" "$OUT/sql" "$OUT/_error" "$OUT/media"

cp -R "$ROOT/htdocs/." "$OUT/"
for p in calendar job reconcile webhook photo; do
	install -m 0755 "$BUILD/cgi-bin/$p" "$OUT/cgi-bin/$p"
done
install -m 0755 "$BUILD/bin/safari-migrate" "$OUT/bin/safari-migrate"
install -m 0644 "$BUILD/lib/libsafari.so" "$BUILD/lib/libsafari-square.so" "$OUT/lib/"
install -m 0644 "$ROOT"/sql/[0-9]*.sql "$OUT/sql/"

# The libraries the programs load, from where this machine resolves them.
for so in $CARRY; do
	path=$(ldd "$BUILD/cgi-bin/reconcile" | awk -v so="$so" '$1 == so { print $3 }')
	[ -n "$path" ] && [ -f "$path" ] ||
	    { echo "dist-cgi: $so not found (is its -dev package installed?)" >&2; exit 1; }
	install -m 0644 "$(readlink -f "$path")" "$OUT/lib/$so"
done

install -m 0644 "$ROOT/dist-cgi/htaccess" "$OUT/.htaccess"
install -m 0644 "$ROOT/dist-cgi/htaccess-cgi-bin" "$OUT/cgi-bin/.htaccess"
for d in lib bin sql; do
	install -m 0644 "$ROOT/dist-cgi/htaccess-deny" "$OUT/$d/.htaccess"
done
install -m 0644 "$ROOT/.env.example" "$OUT/.env.example"

# Apache's own errors under /api/, as the programs would answer them.
while read -r status code message; do
	printf '{"success":false,"error":{"code":"%s","message":"%s"}}\n' \
	    "$code" "$message" >"$OUT/_error/$status.json"
done <<'ERRORS'
400 bad_request The request is malformed.
401 unauthorized Sign in as staff.
403 forbidden This is not served.
404 not_found No such endpoint.
405 method_not_allowed This endpoint does not take that method.
408 request_timeout The request took too long to arrive.
413 payload_too_large The body is too large.
414 uri_too_long The address is too long.
429 too_many_requests Too many requests; try again shortly.
500 internal_error The server could not complete the request.
501 not_implemented The server does not do that.
502 bad_gateway The program did not answer properly.
503 unavailable The service is unavailable; try again shortly.
504 gateway_timeout The program took too long.
ERRORS
echo "dist-cgi: the upload tree is in $OUT"
