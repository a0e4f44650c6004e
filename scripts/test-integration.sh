#!/bin/bash
# The integration and browser tests: a private stack (MariaDB, the
# FastCGI programs, nginx, the fake Square) in a temporary directory on a
# free port, so it runs beside a `make run`; then the tests; then stop.
# Settings come from tests/test.env only (the run starts from env -i):
# nothing of the host's .env or environment can point the tests at a
# real Square.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=scripts/clean-env.sh
. scripts/clean-env.sh
clean_env "$@"
BUILD=${BUILD:-build}
export SAFARI_ENV_FILE=$ROOT/tests/test.env

STACK_DIR=$(mktemp -d /tmp/sdo-test.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export STACK_DIR PORT BUILD
cleanup() {
	scripts/stack.sh stop >/dev/null 2>&1
	if [ -n "${KEEP_STACK:-}" ]; then
		echo "stack kept in $STACK_DIR"
	else
		rm -rf "$STACK_DIR"
	fi
}
trap cleanup EXIT

# The browser tests' one npm package, from the lock file.
if [ ! -d tests/node_modules/playwright-core ]; then
	(cd tests && npm ci --no-audit --no-fund --silent) || exit 1
fi

NO_SCHEDULE=1 QUIET=1 NO_DEMO_ACTIVITY=1 scripts/stack.sh start || {
	echo "the test stack did not start; its logs:"
	tail -n 20 "$STACK_DIR"/log/*.log
	exit 1
}
set -a
# shellcheck disable=SC1091
. "$STACK_DIR/stack.env"
set +a
case $BUILD in /*) BUILD_DIR=$BUILD ;; *) BUILD_DIR=$ROOT/$BUILD ;; esac
export BUILD_DIR

failed=0
echo "== the Square client against a fake Square of its own"
# (its tests change the fake's token and faults: not the stack's fake)
coproc FAKE { exec node tests/fake-square/server.mjs --port 0; }
read -r line <&"${FAKE[0]}"
FAKE_SQUARE_URL=${line##* } "$BUILD/tests/test_square_http" || failed=1
kill "$FAKE_PID" 2>/dev/null
wait "$FAKE_PID" 2>/dev/null
echo "== the fake Square's own tests"
node --test --test-concurrency=1 tests/fake-square/ || failed=1
echo "== browser tests (Chromium)"
node --test --test-concurrency=1 tests/browser/ || failed=1
echo "== integration tests through nginx"
node --test --test-concurrency=1 tests/integration/ || failed=1

# Under `make check-asan` a sanitizer report in any program's log fails.
scripts/stack.sh stop >/dev/null 2>&1
# The two deployments for real (README "Deploying"): the shared-hosting
# upload tree behind Apache, and the installed nginx and systemd files.
if [ -z "${NO_DEPLOY_TESTS:-}" ]; then
	scripts/test-apache.sh || failed=1
	[ ! -x scripts/test-install.sh ] || scripts/test-install.sh || failed=1
fi
if grep -l "Sanitizer\|runtime error:" "$STACK_DIR"/log/*.log 2>/dev/null; then
	echo "sanitizer reports in the logs above"
	failed=1
fi

if [ $failed -ne 0 ]; then
	echo "integration: FAILED (logs in $STACK_DIR/log)"
	KEEP_STACK=1
fi
exit $failed
