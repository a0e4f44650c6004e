# shellcheck shell=bash
# What the two private stacks (scripts/stack.sh: nginx and FastCGI;
# scripts/cgi-stack.sh: Apache and CGI) share.  Sourced after the caller
# has defined die() and set LOG (where wait_for sends you) and
# SECRETS_DIR (where secret keeps its files).

# Started as root, every process of a stack runs as this user.
RUN_USER=
[ "$(id -u)" -eq 0 ] && RUN_USER=${STACK_USER:-safari}

# as_user CMD...: run CMD as the stack's user.  In a background subshell
# (CMD &) it execs, so $! is the pid of CMD itself, which stop signals.
as_user() {
	local pre=()
	[ -z "$RUN_USER" ] ||
	    pre=(setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups --)
	if [ "$BASHPID" != "$$" ]; then
		exec "${pre[@]}" "$@"
	fi
	"${pre[@]}" "$@"
}

free_port() {
	python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

wait_for() {	# wait_for SECONDS WHAT COMMAND...: until COMMAND succeeds
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "$what did not come up (see $LOG)"
}

secret() {	# secret NAME: a random secret kept in SECRETS_DIR/NAME (0600)
	local f=$SECRETS_DIR/$1
	[ -s "$f" ] || (umask 077; openssl rand -hex 16 >"$f")
	cat "$f"
}
