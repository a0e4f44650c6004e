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
#
# Started as root, every process of the stack runs as the unprivileged
# user STACK_USER (default safari, made when missing), MariaDB included;
# only nginx's master stays root.  $STACK_DIR belongs to that user.
set -euo pipefail
# Nothing the stack writes (logs, secrets, data) is world-readable.
umask 027

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STACK_DIR=${STACK_DIR:-$ROOT/var}
mkdir -p "$STACK_DIR"
STACK_DIR=$(cd "$STACK_DIR" && pwd)
PORT=${PORT:-8080}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
# The settings file: SAFARI_ENV_FILE, else the root's .env (which the
# programs, in build/cgi-bin, would not look for on their own).
if [ -z "${SAFARI_ENV_FILE+x}" ] && [ -f "$ROOT/.env" ]; then
	export SAFARI_ENV_FILE=$ROOT/.env
fi
RUN=$STACK_DIR/run
LOG=$STACK_DIR/log
SOCK=$RUN/mysqld.sock
PROGRAMS=${STACK_PROGRAMS:-"calendar:2 job:2 reconcile:2 webhook:2 photo:2"}

say() { [ -n "${QUIET:-}" ] || echo "$@"; }
die() { echo "stack: $*" >&2; exit 1; }

SECRETS_DIR=$STACK_DIR
# shellcheck source=scripts/stack-common.sh
. "$ROOT/scripts/stack-common.sh"

own() {		# own PATH...: hand paths to the stack's user
	[ -z "$RUN_USER" ] || chown "$RUN_USER:" "$@"
}

# Started as root: make the stack's user when missing (another stack may
# be making it at the same moment, and useradd may find /etc/passwd
# locked), and make sure it can read the code it runs.
ensure_user() {
	local i
	[ -n "$RUN_USER" ] || return 0
	for ((i = 0; i < 50; i++)); do
		id -u "$RUN_USER" >/dev/null 2>&1 && break
		useradd --system --user-group --no-create-home \
		    --home-dir /nonexistent --shell /usr/sbin/nologin \
		    "$RUN_USER" >/dev/null 2>&1 || sleep 0.2
	done
	id -u "$RUN_USER" >/dev/null 2>&1 ||
	    die "cannot create the user $RUN_USER (set STACK_USER to another)"
	# The tree may sit in a private directory (a clone under mktemp -d):
	# let the stack's user pass through (search only, never read) the
	# directories above it that shut others out.
	if ! as_user test -r "$ROOT/htdocs/calendar.html" -a -x "$BUILD/cgi-bin/calendar"; then
		local d
		for d in "$ROOT" "$BUILD"; do
			while [ "$d" != / ] && [ -n "$d" ]; do
				[ -x "$d" ] && [ "$(stat -c %A "$d" | cut -c10)" != x ] &&
				    chmod o+x "$d" && say "(made $d searchable for $RUN_USER)"
				d=$(dirname "$d")
			done
		done
	fi
	as_user test -r "$ROOT/htdocs/calendar.html" -a -x "$BUILD/cgi-bin/calendar" ||
	    die "the user $RUN_USER cannot read $ROOT or $BUILD (make their parent directories searchable)"
}

# The value of a setting as the programs see it (the environment, then
# their settings file): the program answers, so there is one parser of
# .env files, the programs'.  Prints nothing when the setting is absent.
setting() {
	local v
	v=$("$BUILD/cgi-bin/calendar" --get "$1" 2>/dev/null) && printf '%s' "$v"
	return 0
}

# Is the setting present at all (set, maybe empty)?  Only an absent one
# is filled in by the stack.
has_setting() {
	"$BUILD/cgi-bin/calendar" --get "$1" >/dev/null 2>&1
}

# The reconcile secret: the configured one (an empty one stays empty, and
# the endpoint fails closed with 503), else, only when CRON_SECRET is
# absent, one made in $STACK_DIR.  Sets and exports CRON_SECRET, and
# cron_made=1 when it was made here.
cron_made=
cron_secret_setup() {
	if has_setting CRON_SECRET; then
		CRON_SECRET=$(setting CRON_SECRET)
	else
		CRON_SECRET=$(secret cron_secret)
		cron_made=1
	fi
	export CRON_SECRET
}

# What start prints about it: the secret only when it was made here.
cron_secret_say() {
	if [ -n "$cron_made" ]; then
		say "  Cron secret: $CRON_SECRET  (made in $STACK_DIR/cron_secret)"
	elif [ -z "$CRON_SECRET" ]; then
		say "  Cron secret: CRON_SECRET is empty: the reconcile endpoint answers 503"
	else
		say "  Cron secret: the configured CRON_SECRET"
	fi
}

# A secret kept in $STACK_DIR (made once, so re-running keeps it).
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

db() {	# run SQL as the database's administrator (the invoking user)
	mariadb --no-defaults --default-character-set=utf8mb4 --socket="$SOCK" \
	    -u "$(id -un)" "$@"
}

start_db() {
	local user admin
	user=${RUN_USER:-$(id -un)}
	admin=$(id -un)
	if ! alive "$RUN/mariadb.pid"; then
		rm -f "$SOCK"
		if [ ! -d "$STACK_DIR/mysql/mysql" ]; then
			say "Creating the database in $STACK_DIR/mysql"
			# Only the invoking user (root or the developer) is a
			# database administrator, by its unix socket login.
			mariadb-install-db --no-defaults --user="$user" \
			    --datadir="$STACK_DIR/mysql" \
			    --auth-root-authentication-method=socket \
			    --auth-root-socket-user="$admin" \
			    --skip-test-db >"$LOG/mariadb-install.log" 2>&1 ||
			    die "mariadb-install-db failed (see $LOG/mariadb-install.log)"
		fi
		[ -z "$RUN_USER" ] || chown -R "$RUN_USER:" "$STACK_DIR/mysql"
		# Its files and logs are not world-readable either.
		UMASK=0640 UMASK_DIR=0750 as_user mariadbd --no-defaults --user="$user" \
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

# Apply each sql/NNN-*.sql once, in order, recording it: the product's
# own tool, as the application's database user (what admins run).
migrate() {
	local out
	out=$(SAFARI_ENV_FILE= MYSQL_SOCKET=$SOCK MYSQL_USER=safari \
	    MYSQL_PASSWORD=$(secret db_password) MYSQL_DATABASE=safari \
	    "$BUILD/bin/safari-migrate" --dir "$ROOT/sql" 2>&1) || {
		printf '%s\n' "$out" >&2
		die "the migrations failed"
	}
	[ -n "${QUIET:-}" ] || printf '%s\n' "$out" | sed -n 's/^applied  /Applied /p'
}

start_fake_square() {
	local port
	if alive "$RUN/fake-square.pid" && [ -s "$STACK_DIR/fake-square.url" ]; then
		return
	fi
	port=$(free_port)
	# The token through the environment: a command line is public.
	FAKE_SQUARE_TOKEN=$(secret demo_square_token) as_user \
	    node "$ROOT/tests/fake-square/server.mjs" --port "$port" \
	    --seed demo --tz "$TZ_NAME" >"$LOG/fake-square.log" 2>&1 &
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
		touch "$LOG/$name.log" && own "$LOG/$name.log"
		# The socket is 0660 with the user's group, which nginx's
		# workers run as: no other local user can reach it.
		as_user "$BUILD/cgi-bin/$name" --socket "$RUN/$name.sock" \
		    --socket-mode 0660 --workers "$workers" \
		    >>"$LOG/$name.log" 2>&1 &
		echo $! >"$RUN/$name.pid"
	done
	for p in $PROGRAMS; do
		wait_for 10 "${p%%:*}" test -S "$RUN/${p%%:*}.sock"
	done
}

# The names the server answers to: loopback, and ALLOWED_HOSTS (without
# ports); every other Host goes to the default server, which closes it.
server_names() {
	local names="localhost 127.0.0.1" h
	for h in $(setting ALLOWED_HOSTS | tr ',' ' '); do
		h=${h%:*[0-9]}
		[[ $h =~ ^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})$ ]] ||
		    die "ALLOWED_HOSTS: $h is not a host name"
		names="$names $h"
	done
	printf '%s' "$names"
}

start_nginx() {
	local userline="" names
	mkdir -p "$STACK_DIR/nginx"
	own "$STACK_DIR/nginx"
	[ -n "$RUN_USER" ] && userline="user $RUN_USER $(id -gn "$RUN_USER");"
	names=$(server_names)
	# nginx's master (root) opens the logs: make them 0640 first.
	touch "$LOG/nginx-access.log" "$LOG/nginx-error.log"
	own "$LOG/nginx-access.log" "$LOG/nginx-error.log"
	# The live-update publisher's socket: only the stack's user may enter.
	mkdir -p "$RUN/push" && chmod 0700 "$RUN/push"
	own "$RUN/push"
	# The same server and http files as a production server
	# (scripts/render-nginx.sh), on loopback without TLS, in a private
	# nginx of the stack's own (nginx/nginx.conf.in).
	mkdir -p "$STACK_DIR/nginx/local"
	cat >"$STACK_DIR/nginx/local/bench.conf" <<CONF
# make bench: the same calendar bytes as a static file, to compare with
# (absent, and so 404, outside a bench).
location = /_bench/calendar.json {
	default_type	application/json;
	alias	$STACK_DIR/bench-calendar.json;
}
# The same behind nginx's own auth_basic, which runs crypt on every
# request (what the login cost before the calendar program's /_login).
location = /_bench/calendar-crypt.json {
	auth_request		off;
	auth_basic		"Safari Detail Ops";
	auth_basic_user_file	$STACK_DIR/htpasswd;
	default_type	application/json;
	alias	$STACK_DIR/bench-calendar.json;
}
CONF
	"$ROOT/scripts/render-nginx.sh" "$ROOT/nginx/safari-http.conf.in" \
	    "$STACK_DIR/nginx/safari-http.conf" RUN="$RUN" \
	    CALENDAR="$STACK_DIR/calendar"
	"$ROOT/scripts/render-nginx.sh" "$ROOT/nginx/safari-server.conf.in" \
	    "$STACK_DIR/nginx/safari-server.conf" LISTEN="127.0.0.1:$PORT" \
	    TLS="# no TLS on loopback" SERVER_NAMES="$names" \
	    HTDOCS="$ROOT/htdocs" NGINX="$ROOT/nginx" \
	    HTPASSWD="$STACK_DIR/htpasswd" MEDIA="$MEDIA_DIR" RUN="$RUN" \
	    CALENDAR="$STACK_DIR/calendar" LOCAL="$STACK_DIR/nginx/local" \
	    ACCESS_LOG="$LOG/nginx-access.log" ERROR_LOG="$LOG/nginx-error.log"
	"$ROOT/scripts/render-nginx.sh" "$ROOT/nginx/nginx.conf.in" \
	    "$STACK_DIR/nginx.conf" VAR="$STACK_DIR" USER="$userline"
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
	[ -n "$CRON_SECRET" ] || return 0	# the endpoint is closed
	alive "$RUN/schedule.pid" && return
	as_user "$ROOT/scripts/schedule.sh" "http://127.0.0.1:$PORT/api/cron/reconcile" \
	    "$STACK_DIR/cron-header" >>"$LOG/schedule.log" 2>&1 &
	echo $! >"$RUN/schedule.pid"
}

start() {
	local staff_user staff_password staff_made demo=""
	mkdir -p "$RUN" "$LOG"
	for p in $PROGRAMS; do
		[ -x "$BUILD/cgi-bin/${p%%:*}" ] || die "build first: make"
	done
	ensure_user
	# The stack's user owns its directory; the sockets' directory and
	# the logs are closed to other users (0750, 0640).
	own "$STACK_DIR" "$RUN" "$LOG"
	chmod 0750 "$STACK_DIR" "$RUN" "$LOG"
	for f in calendar job reconcile webhook fake-square schedule demo \
	    mariadb mariadb-install nginx-access nginx-error; do
		[ -e "$LOG/$f.log" ] || : >"$LOG/$f.log"
	done
	for f in "$LOG"/*.log; do
		[ -e "$f" ] || continue
		chmod 0640 "$f"
		own "$f"
	done
	# The settings file, where the stack's user can read it (the
	# admin's own .env may be readable by root only); with none, an
	# empty one, so the programs know their settings are all here.
	if [ -n "${SAFARI_ENV_FILE:-}" ]; then
		[ -f "$SAFARI_ENV_FILE" ] ||
		    die "SAFARI_ENV_FILE: $SAFARI_ENV_FILE does not exist"
		if [ -n "$RUN_USER" ]; then
			(umask 077; cat "$SAFARI_ENV_FILE" >"$STACK_DIR/settings.env")
			own "$STACK_DIR/settings.env"
			export SAFARI_ENV_FILE=$STACK_DIR/settings.env
		fi
	elif [ -z "${SAFARI_ENV_FILE+x}" ]; then
		(umask 077; echo "# no .env: the environment's settings only" \
		    >"$STACK_DIR/settings.env")
		own "$STACK_DIR/settings.env"
		export SAFARI_ENV_FILE=$STACK_DIR/settings.env
	fi
	TZ_NAME=$(setting BUSINESS_TIMEZONE)
	TZ_NAME=${TZ_NAME:-America/Los_Angeles}

	start_db
	export MYSQL_SOCKET=$SOCK MYSQL_USER=safari MYSQL_DATABASE=safari
	MYSQL_PASSWORD=$(secret db_password)
	export MYSQL_PASSWORD

	cron_secret_setup
	# Live updates: the programs publish to nginx's nchan here (the
	# configured PUSH_SOCKET wins; "none" turns publishing off).
	PUSH_SOCKET=$(setting PUSH_SOCKET)
	[ -n "$PUSH_SOCKET" ] || PUSH_SOCKET=$RUN/push/publish.sock
	[ "$PUSH_SOCKET" = none ] && PUSH_SOCKET=
	export PUSH_SOCKET
	# The token goes in a header file, not on a command line.
	(umask 077; printf 'Authorization: Bearer %s\n' "$CRON_SECRET" \
	    >"$STACK_DIR/cron-header")
	own "$STACK_DIR/cron-header"

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
	mkdir -p "$MEDIA_DIR" && chmod 750 "$MEDIA_DIR" && own "$MEDIA_DIR"
	export MEDIA_DIR

	staff_user=$(setting STAFF_USER)
	staff_user=${staff_user:-staff}
	staff_password=$(setting STAFF_PASSWORD)
	staff_made=
	if [ -z "$staff_password" ]; then
		staff_password=$(secret staff_password)
		staff_made=1
	fi
	# SHA-512 crypt, readable by nginx's workers only.
	(umask 077; printf '%s:%s\n' "$staff_user" \
	    "$(printf '%s' "$staff_password" | openssl passwd -6 -stdin)" \
	    >"$STACK_DIR/htpasswd")
	own "$STACK_DIR/htpasswd"

	local check
	check=$("$BUILD/cgi-bin/calendar" --check-config) || {
		printf '%s\n' "$check" | grep -v '^[A-Z_]*[= ]' >&2
		die "fix the settings named above (see .env.example)"
	}
	start_programs
	start_nginx
	start_schedule

	# The first reconcile at once, from this week's Monday (business
	# time), so the calendar is not empty.
	local dow monday ahead
	dow=$(TZ=$TZ_NAME date +%u)
	monday=$(TZ=$TZ_NAME date -d "-$((dow - 1)) days" +%F)
	ahead=$(TZ=$TZ_NAME date -d "+30 days" +%F)
	[ -z "$CRON_SECRET" ] ||
	    curl -fsS -X POST -H @"$STACK_DIR/cron-header" \
	    "http://127.0.0.1:$PORT/api/cron/reconcile?from=$monday&to=$ahead" \
	    >/dev/null 2>&1 ||
	    say "(the first reconcile did not succeed; see $LOG/reconcile.log)"
	# The demo week, worked as staff would (once; nothing if worked).
	if [ -n "$demo" ] && [ -z "${NO_DEMO_ACTIVITY:-}" ]; then
		STAFF_PASSWORD=$staff_password as_user \
		    node "$ROOT/scripts/demo-activity.mjs" "http://127.0.0.1:$PORT" \
		    "$staff_user" >>"$LOG/demo.log" 2>&1 ||
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
PUSH_SOCKET=${PUSH_SOCKET:-}
MEDIA_DIR=$MEDIA_DIR
ENV
	chmod 600 "$STACK_DIR/stack.env"
	say ""
	say "Safari Detail Ops is running."
	say "  Calendar:    http://127.0.0.1:$PORT/en/calendar  (Spanish: /es/calendar)"
	say "  Reconcile:   http://127.0.0.1:$PORT/en/admin/reconcile"
	if [ -n "$staff_made" ]; then
		say "  Staff login: $staff_user / $staff_password"
	else
		say "  Staff login: $staff_user (the password of STAFF_PASSWORD)"
	fi
	cron_secret_say
	say "  Reconcile now: curl -H @$STACK_DIR/cron-header http://127.0.0.1:$PORT/api/cron/reconcile"
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
cron-secret)	cron_secret_setup; cron_secret_say ;;	# what start does (tests)
status)
	for f in "$RUN"/*.pid; do
		[ -e "$f" ] || continue
		n=$(basename "$f" .pid)
		if alive "$f"; then echo "$n: running"; else echo "$n: stopped"; fi
	done ;;
*)	echo "usage: $0 start|stop|status|db-stop|db-start|cron-secret" >&2; exit 2 ;;
esac
