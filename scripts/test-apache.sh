#!/bin/bash
# make test's shared-hosting part: the upload tree (make dist-cgi) behind
# a real Apache with the system's libraries hidden (scripts/cgi-stack.sh),
# then the API checks (tests/deploy/cgi.test.mjs) and the calendar page in
# Chromium (tests/browser/calendar.test.mjs) against it.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=scripts/clean-env.sh
. scripts/clean-env.sh
clean_env "$@"

CGI_STACK_DIR=$(mktemp -d /tmp/sdo-cgi.XXXXXX)
export CGI_STACK_DIR
cleanup() {
	scripts/cgi-stack.sh stop >/dev/null 2>&1
	if [ -n "${KEEP_STACK:-}" ]; then
		echo "shared-hosting stack kept in $CGI_STACK_DIR"
	else
		rm -rf "$CGI_STACK_DIR"
	fi
}
trap cleanup EXIT

scripts/cgi-stack.sh start || {
	echo "the Apache stack did not start; its logs:"
	tail -n 20 "$CGI_STACK_DIR"/log/*.log
	KEEP_STACK=1
	exit 1
}
set -a
# shellcheck disable=SC1091
. "$CGI_STACK_DIR/cgi.env"
set +a
failed=0
echo "== shared hosting: the upload tree behind Apache (CGI)"
node --test --test-concurrency=1 tests/deploy/ || failed=1
echo "== shared hosting: the calendar page in Chromium, through Apache"
node --test --test-concurrency=1 tests/browser/calendar.test.mjs || failed=1
if [ $failed -ne 0 ]; then
	echo "shared hosting: FAILED (logs in $CGI_STACK_DIR/log)"
	KEEP_STACK=1
fi
exit $failed
