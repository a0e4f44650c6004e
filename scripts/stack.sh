#!/bin/bash
# Bring the whole stack up or down: a private MariaDB, the schema, the
# FastCGI programs, nginx, the demo Square (when no Square token is
# configured) and the 10-minute reconcile schedule.
#
#   scripts/stack.sh start|stop|status|db-stop|db-start
#
# Environment: STACK_DIR (default ./var; everything lives there: data,
# sockets, pids, logs), PORT (default 8080), BUILD (default build),
# NO_SCHEDULE=1 to skip the schedule, QUIET=1 for less output.  Settings
# of the product come from the environment or .env, as the programs read
# them; the stack only adds what it owns (the database socket and login,
# and the demo Square).  Every process it starts has a pid file in
# $STACK_DIR/run, and stop stops exactly those.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STACK_DIR=${STACK_DIR:-$ROOT/var}
mkdir -p "$STACK_DIR"
STACK_DIR=$(cd "$STACK_DIR" && pwd)
PORT=${PORT:-8080}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
ENV_FILE=${SAFARI_ENV_FILE:-$ROOT/.env}
RUN=$STACK_DIR/run
LOG=$STACK_DIR/log
SOCK=$RUN/mysqld.sock
PROGRAMS=${STACK_PROGRAMS:-"calendar:2 job:2 reconcile:2 webhook:2 photo:2"}

say() { [ -n "${QUIET:-}" ] || echo "$@"; }
die() { echo "stack: $*" >&2; exit 1; }

# The value of a setting: the environment, else .env (last line wins;
# SAFARI_ENV_FILE names another file, as it does for the programs).
setting() {
	local name=$1 v
	if [ -n "${!name+x}" ]; then
		printf '%s' "${!name}"
		return
	fi
	[ -f "$ENV_FILE" ] || return 0
	v=$(sed -n "s/^[[:space:]]*\(export[[:space:]]\+\)\?$name[[:space:]]*=[[:space:]]*//p" \
	    "$ENV_FILE" | tail -n 1)
	v=${v%\"}; v=${v#\"}; v=${v%\'}; v=${v#\'}
	printf '%s' "$v"
}

# A secret kept in $STACK_DIR (made once, so re-running keeps it).
secret() {
	local f=$STACK_DIR/$1
	[ -s "$f" ] || (umask 077; openssl rand -hex 16 >"$f")
	cat "$f"
}

running() {	# running PID: the process exists and is no zombie
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st#Z}" = "$st" ]
}

alive() {	# alive PIDFILE: the process of the pid file runs
	local pid
	[ -s "$1" ] || return 1
	pid=$(head -n 1 "$1" 2>/dev/null) || return 1
	running "$pid"
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

db() {	# run SQL as the database's administrator
	mariadb --no-defaults --default-character-set=utf8mb4 --socket="$SOCK" \
	    -u "$(id -un)" "$@"
}

start_db() {
	local user
	user=$(id -un)
	if ! alive "$RUN/mariadb.pid"; then
		rm -f "$SOCK"
		if [ ! -d "$STACK_DIR/mysql/mysql" ]; then
			say "Creating the database in $STACK_DIR/mysql"
			mariadb-install-db --no-defaults --user="$user" \
			    --datadir="$STACK_DIR/mysql" \
			    --auth-root-authentication-method=socket \
			    --skip-test-db >"$LOG/mariadb-install.log" 2>&1 ||
			    die "mariadb-install-db failed (see $LOG/mariadb-install.log)"
		fi
		mariadbd --no-defaults --user="$user" \
		    --datadir="$STACK_DIR/mysql" --socket="$SOCK" \
		    --pid-file="$RUN/mariadb.pid" --skip-networking \
		    --log-error="$LOG/mariadb.log" \
		    --innodb-buffer-pool-size=128M \
		    --innodb-flush-log-at-trx-commit=2 \
		    --max-connections=200 >/dev/null 2>&1 &
		wait_for 60 MariaDB db -e 'SELECT 1'
	fi
	db <<SQL
CREATE DATABASE IF NOT EXISTS safari CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS 'safari'@'localhost' IDENTIFIED BY '$(secret db_password)';
GRANT ALL PRIVILEGES ON safari.* TO 'safari'@'localhost';
SQL
	migrate
}

# Apply each sql/NNN-*.sql once, in order, recording it.
migrate() {
	local f name
	db safari -e "CREATE TABLE IF NOT EXISTS schema_migrations (
	    name VARCHAR(128) NOT NULL PRIMARY KEY,
	    applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)"
	for f in "$ROOT"/sql/[0-9]*.sql; do
		name=$(basename "$f")
		[ -n "$(db -N safari -e "SELECT 1 FROM schema_migrations WHERE name = '$name'")" ] &&
		    continue
		say "Applying $name"
		db safari <"$f" || die "migration $name failed"
		db safari -e "INSERT INTO schema_migrations (name) VALUES ('$name')"
	done
}

start_fake_square() {
	local port
	if alive "$RUN/fake-square.pid" && [ -s "$STACK_DIR/fake-square.url" ]; then
		return
	fi
	port=$(free_port)
	node "$ROOT/tests/fake-square/server.mjs" --port "$port" \
	    --token "$(secret demo_square_token)" --seed demo \
	    --tz "$TZ_NAME" >"$LOG/fake-square.log" 2>&1 &
	echo $! >"$RUN/fake-square.pid"
	echo "http://127.0.0.1:$port" >"$STACK_DIR/fake-square.url"
	wait_for 20 "the demo Square" curl -fsS "http://127.0.0.1:$port/__control/state"
}

start_programs() {
	local p name workers
	for p in $PROGRAMS; do
		name=${p%%:*}
		workers=${p##*:}
		alive "$RUN/$name.pid" && continue
		rm -f "$RUN/$name.sock"
		"$BUILD/cgi-bin/$name" --socket "$RUN/$name.sock" \
		    --workers "$workers" >>"$LOG/$name.log" 2>&1 &
		echo $! >"$RUN/$name.pid"
	done
	for p in $PROGRAMS; do
		wait_for 10 "${p%%:*}" test -S "$RUN/${p%%:*}.sock"
	done
}

start_nginx() {
	local userline=""
	mkdir -p "$STACK_DIR/nginx"
	[ "$(id -u)" -eq 0 ] && userline="user $(id -un) $(id -gn);"
	sed -e "s|@VAR@|$STACK_DIR|g" -e "s|@ROOT@|$ROOT|g" \
	    -e "s|@PORT@|$PORT|g" -e "s|@USER@|$userline|g" \
	    -e "s|@MEDIA@|$MEDIA_DIR|g" \
	    "$ROOT/nginx/nginx.conf.in" >"$STACK_DIR/nginx.conf"
	if alive "$RUN/nginx.pid"; then
		nginx -q -p "$STACK_DIR/nginx" -c "$STACK_DIR/nginx.conf" -s reload
		return
	fi
	nginx -q -p "$STACK_DIR/nginx" -c "$STACK_DIR/nginx.conf" ||
	    die "nginx did not start (see $LOG/nginx-error.log)"
	wait_for 10 nginx curl -fsS "http://127.0.0.1:$PORT/api/health"
}

start_schedule() {
	[ -n "${NO_SCHEDULE:-}" ] && return
	alive "$RUN/schedule.pid" && return
	"$ROOT/scripts/schedule.sh" "http://127.0.0.1:$PORT/api/cron/reconcile" \
	    "$STACK_DIR/cron-header" >>"$LOG/schedule.log" 2>&1 &
	echo $! >"$RUN/schedule.pid"
}

start() {
	local staff_user staff_password demo=""
	mkdir -p "$RUN" "$LOG"
	for p in $PROGRAMS; do
		[ -x "$BUILD/cgi-bin/${p%%:*}" ] || die "build first: make"
	done
	TZ_NAME=$(setting BUSINESS_TIMEZONE)
	TZ_NAME=${TZ_NAME:-America/Los_Angeles}

	start_db
	export MYSQL_SOCKET=$SOCK MYSQL_USER=safari MYSQL_DATABASE=safari
	MYSQL_PASSWORD=$(secret db_password)
	export MYSQL_PASSWORD

	# The reconcile secret: the configured one, else one made here.
	if [ -z "$(setting CRON_SECRET)" ]; then
		CRON_SECRET=$(secret cron_secret)
	else
		CRON_SECRET=$(setting CRON_SECRET)
	fi
	export CRON_SECRET
	# The token goes in a header file, not on a command line.
	(umask 077; printf 'Authorization: Bearer %s\n' "$CRON_SECRET" \
	    >"$STACK_DIR/cron-header")

	# No Square token configured: the demo Square, seeded with a week.
	if [ -z "$(setting SQUARE_ACCESS_TOKEN)" ]; then
		demo=1
		start_fake_square
		SQUARE_BASE_URL=$(cat "$STACK_DIR/fake-square.url")
		SQUARE_ACCESS_TOKEN=$(secret demo_square_token)
		SQUARE_ENVIRONMENT=sandbox
		export SQUARE_BASE_URL SQUARE_ACCESS_TOKEN SQUARE_ENVIRONMENT
		if [ -z "$(setting SQUARE_WEBHOOK_SIGNATURE_KEY)" ]; then
			SQUARE_WEBHOOK_SIGNATURE_KEY=$(secret demo_webhook_key)
			SQUARE_WEBHOOK_URL=http://127.0.0.1:$PORT/api/webhooks/square
			export SQUARE_WEBHOOK_SIGNATURE_KEY SQUARE_WEBHOOK_URL
		fi
	fi

	# Photos: MEDIA_DIR as configured (relative to the root), else
	# media/ in the stack's directory; nginx serves it as /media/.
	MEDIA_DIR=$(setting MEDIA_DIR)
	MEDIA_DIR=${MEDIA_DIR:-$STACK_DIR/media}
	case $MEDIA_DIR in /*) ;; *) MEDIA_DIR=$ROOT/$MEDIA_DIR ;; esac
	mkdir -p "$MEDIA_DIR" && chmod 750 "$MEDIA_DIR"
	export MEDIA_DIR

	staff_user=$(setting STAFF_USER)
	staff_user=${staff_user:-staff}
	staff_password=$(setting STAFF_PASSWORD)
	[ -n "$staff_password" ] || staff_password=$(secret staff_password)
	printf '%s:%s\n' "$staff_user" \
	    "$(printf '%s' "$staff_password" | openssl passwd -apr1 -stdin)" \
	    >"$STACK_DIR/htpasswd"

	"$BUILD/cgi-bin/calendar" --check-config ||
	    die "fix the settings named above (see .env.example)"
	start_programs
	start_nginx
	start_schedule

	# The first reconcile at once, from this week's Monday (business
	# time), so the calendar is not empty.
	local dow monday ahead
	dow=$(TZ=$TZ_NAME date +%u)
	monday=$(TZ=$TZ_NAME date -d "-$((dow - 1)) days" +%F)
	ahead=$(TZ=$TZ_NAME date -d "+30 days" +%F)
	curl -fsS -X POST -H @"$STACK_DIR/cron-header" \
	    "http://127.0.0.1:$PORT/api/cron/reconcile?from=$monday&to=$ahead" \
	    >/dev/null 2>&1 ||
	    say "(the first reconcile did not succeed; see $LOG/reconcile.log)"
	# The demo week, worked as staff would (once; nothing if worked).
	if [ -n "$demo" ] && [ -z "${NO_DEMO_ACTIVITY:-}" ]; then
		node "$ROOT/scripts/demo-activity.mjs" "http://127.0.0.1:$PORT" \
		    "$staff_user" "$staff_password" >>"$LOG/demo.log" 2>&1 ||
		    say "(the demo activity did not complete; see $LOG/demo.log)"
	fi

	cat >"$STACK_DIR/stack.env" <<ENV
BASE_URL=http://127.0.0.1:$PORT
STAFF_USER=$staff_user
STAFF_PASSWORD=$staff_password
CRON_SECRET=$CRON_SECRET
FAKE_SQUARE_URL=${demo:+$(cat "$STACK_DIR/fake-square.url")}
SQUARE_ACCESS_TOKEN=${demo:+$SQUARE_ACCESS_TOKEN}
SQUARE_WEBHOOK_SIGNATURE_KEY=${SQUARE_WEBHOOK_SIGNATURE_KEY:-}
SQUARE_WEBHOOK_URL=${SQUARE_WEBHOOK_URL:-}
MYSQL_SOCKET=$SOCK
STACK_DIR=$STACK_DIR
MEDIA_DIR=$MEDIA_DIR
ENV
	chmod 600 "$STACK_DIR/stack.env"
	say ""
	say "Safari Detail Ops is running."
	say "  Calendar:    http://127.0.0.1:$PORT/en/calendar  (Spanish: /es/calendar)"
	say "  Reconcile:   http://127.0.0.1:$PORT/en/admin/reconcile"
	say "  Staff login: $staff_user / $staff_password"
	say "  Cron secret: $CRON_SECRET"
	say "  Reconcile now: curl -H \"Authorization: Bearer \$CRON_SECRET\" http://127.0.0.1:$PORT/api/cron/reconcile"
	[ -n "$demo" ] && say "  Square:      the demo Square at $(cat "$STACK_DIR/fake-square.url") (no SQUARE_ACCESS_TOKEN set)"
	say "  Logs:        $LOG"
	say "Stop it with: make stop"
}

stop_pid() {	# stop_pid NAME: TERM, wait, then KILL
	local f=$RUN/$1.pid pid i
	[ -s "$f" ] || return 0
	pid=$(head -n 1 "$f" 2>/dev/null) || return 0
	if running "$pid"; then
		kill "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			running "$pid" || break
			sleep 0.1
		done
		running "$pid" && kill -9 "$pid" 2>/dev/null
	fi
	rm -f "$f"
}

stop() {
	[ -d "$RUN" ] || return 0
	stop_pid schedule
	stop_pid nginx
	for p in $PROGRAMS; do
		stop_pid "${p%%:*}"
	done
	stop_pid fake-square
	stop_pid mariadb
	say "Stopped."
}

case ${1:-} in
start)		start ;;
stop)		stop ;;
db-stop)	stop_pid mariadb ;;
db-start)	QUIET=1 start_db ;;
status)
	for f in "$RUN"/*.pid; do
		[ -e "$f" ] || continue
		n=$(basename "$f" .pid)
		if alive "$f"; then echo "$n: running"; else echo "$n: stopped"; fi
	done ;;
*)	echo "usage: $0 start|stop|status|db-stop|db-start" >&2; exit 2 ;;
esac
