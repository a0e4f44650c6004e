# Sourced by the test and bench runners: start them again from a clean
# environment (env -i) holding only what is named here, so no exported
# setting of the host (SQUARE_MAX_RETRIES, STAFF_ANONYMOUS_WRITES, a real
# Square token) can change a run.  Every setting of the product the run
# uses comes from tests/test.env and the stack.
#   clean_env "$@"    (at the top of the script, after ROOT is known)
clean_env() {
	local keep v
	[ -n "${SAFARI_CLEAN_ENV:-}" ] && return 0
	keep=(SAFARI_CLEAN_ENV=1 "PATH=$PATH" "HOME=${HOME:-/nonexistent}")
	# What the runners and their tools take: the build, sanitizers,
	# bench length, the browser, locale and terminal.
	for v in BUILD TMPDIR TERM LANG LC_ALL USER LOGNAME CI ASAN_OPTIONS \
	    UBSAN_OPTIONS KEEP_STACK STACK_USER BENCH_SECONDS CHROMIUM DIST CGI_START_RUNS CGI_PORT \
	    BROWSER_TESTS_NO_RECONCILE NO_DEPLOY_TESTS; do
		[ -n "${!v+x}" ] && keep+=("$v=${!v}")
	done
	exec env -i "${keep[@]}" "$BASH" "$ROOT/scripts/${0##*/}" "$@"
}
