#!/bin/bash
# The shared-hosting deployment, for real: the upload tree of `make
# dist-cgi` behind Debian's Apache (mod_cgid, .htaccess) running as an
# ordinary user on a free port, against a MariaDB with binary logging on
# (as MySQL 8 and many hosts have it) reached over TCP as a database user
# without SUPER, migrated by the tree's own safari-migrate, with the
# demo Square.  The programs run with the system's copies of libfcgi,
# json-c, libcurl and the MariaDB client hidden (a private mount
# namespace: each file bound over by /dev/null), so only what the tree
# carries is used.  The tests (scripts/test-apache.sh) and the bench use it.
#
#   scripts/cgi-stack.sh start|stop|hidden CMD...
#
# Environment: CGI_STACK_DIR (required; everything lives there), CGI_PORT
# (Apache's port; default a free one), DIST (default dist).  start writes
# $CGI_STACK_DIR/cgi.env (BASE_URL, STAFF_USER, STAFF_PASSWORD, CRON_SECRET,
# FAKE_SQUARE_URL, …) for the tests.  Started as root, every process runs
# as STACK_USER (default safari); as another user, the libraries cannot be
# hidden (unshare needs root) and start says so.
set -euo pipefail
umask 027

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${CGI_STACK_DIR:?set CGI_STACK_DIR}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
DIST=${DIST:-dist}
case $DIST in /*) ;; *) DIST=$ROOT/$DIST ;; esac
RUN=$DIR/run
LOG=$DIR/log
WWW=$DIR/www
HOMEDIR=$DIR/home
# What a stock host may lack, and the tree carries.
HIDE="libfcgi.so.0 libjson-c.so.5 libcurl.so.4 libmariadb.so.3 libmysqlclient.so.21"

die() { echo "cgi-stack: $*" >&2; exit 1; }
SECRETS_DIR=$DIR
# shellcheck source=scripts/stack-common.sh
. "$ROOT/scripts/stack-common.sh"
own() { [ -z "$RUN_USER" ] || chown -R "$RUN_USER:" "$@"; }
db() {
	mariadb --no-defaults --socket="$RUN/mysqld.sock" -u "$(id -un)" "$@"
}

# The system's copies of the libraries the tree carries (real files).
hidden_files() {
	local so p
	for so in $HIDE; do
		ldconfig -p | awk -v so="$so" '$1 == so { print $NF }' |
		    while read -r p; do readlink -f "$p"; done
	done | sort -u
}

# hidden CMD...: run CMD (as the stack's user) where the system's copies
# are empty files.
hidden() {
	if [ -z "$RUN_USER" ]; then
		"$@"
		return
	fi
	local files
	files=$(hidden_files | tr '\n' ' ')
	exec unshare --mount --propagation private -- bash -c '
		for f in '"$files"'; do mount --bind /dev/null "$f" || exit 1; done
		exec setpriv --reuid='"$RUN_USER"' --regid='"$RUN_USER"' --init-groups -- "$@"' \
	    hidden "$@"
}

start_db() {
	local port=$1
	if [ ! -d "$DIR/mysql/mysql" ]; then
		mariadb-install-db --no-defaults --user="${RUN_USER:-$(id -un)}" \
		    --datadir="$DIR/mysql" --auth-root-authentication-method=socket \
		    --auth-root-socket-user="$(id -un)" --skip-test-db \
		    >"$LOG/mariadb-install.log" 2>&1 || die "mariadb-install-db failed"
	fi
	own "$DIR/mysql"
	# Binary logging on, as MySQL 8 has it by default: triggers and
	# routines would then need SUPER (ERROR 1419).  TCP on loopback.
	as_user mariadbd --no-defaults --datadir="$DIR/mysql" \
	    --socket="$RUN/mysqld.sock" --pid-file="$RUN/mariadb.pid" \
	    --port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
	    --log-bin="$DIR/mysql/binlog" --server-id=1 --binlog-format=MIXED \
	    --log-error="$LOG/mariadb.log" --innodb-buffer-pool-size=64M \
	    --innodb-flush-log-at-trx-commit=2 >/dev/null 2>&1 &
	wait_for 60 MariaDB db -e 'SELECT 1'
	# The database and its user, as a host's control panel makes them.
	db <<SQL
CREATE DATABASE IF NOT EXISTS sdo_cgi CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS 'sdo_app'@'127.0.0.1' IDENTIFIED BY '$(secret db_password)';
GRANT ALL PRIVILEGES ON sdo_cgi.* TO 'sdo_app'@'127.0.0.1';
SQL
}

start() {
	local port db_port sq_port staff_pw f
	[ -d "$DIST/cgi/cgi-bin" ] || die "make dist-cgi first"
	mkdir -p "$RUN" "$LOG" "$HOMEDIR/.config/safari"
	if [ -n "$RUN_USER" ]; then
		id -u "$RUN_USER" >/dev/null 2>&1 ||
		    useradd --system --user-group --no-create-home \
		    --home-dir /nonexistent --shell /usr/sbin/nologin "$RUN_USER"
		unshare --mount --propagation private -- true ||
		    die "cannot make a private mount namespace (unshare needs CAP_SYS_ADMIN), so the system's libraries cannot be hidden"
		# Apache and the programs pass through the tree's parents.
		f=$DIR
		while [ "$f" != / ]; do chmod o+x "$f" 2>/dev/null || true; f=$(dirname "$f"); done
	else
		echo "cgi-stack: not root: the system's libraries stay visible" >&2
	fi
	own "$RUN" "$LOG" "$DIR/home"
	port=${CGI_PORT:-$(free_port)}
	db_port=$(free_port)
	sq_port=$(free_port)

	# The account's web root: the upload tree as it is, the login file's
	# path written into .htaccess (the one line the README says to edit).
	rm -rf "$WWW"
	cp -R "$DIST/cgi" "$WWW"
	sed -i "s|^AuthUserFile .*|AuthUserFile $HOMEDIR/.config/safari/htpasswd|" "$WWW/.htaccess"

	start_db "$db_port"

	FAKE_SQUARE_TOKEN=$(secret square_token) as_user node \
	    "$ROOT/tests/fake-square/server.mjs" --port "$sq_port" --seed demo \
	    --tz America/Los_Angeles >"$LOG/fake-square.log" 2>&1 &
	echo $! >"$RUN/fake-square.pid"
	wait_for 20 "the demo Square" curl -fsS "http://127.0.0.1:$sq_port/__control/state"

	# The settings, outside the web root: ~/.config/safari/safari.env.
	staff_pw=$(secret staff_password)
	(umask 077
	 grep -v '^STAFF_' "$ROOT/tests/test.env"
	 cat <<ENV
MYSQL_HOST=127.0.0.1
MYSQL_PORT=$db_port
MYSQL_USER=sdo_app
MYSQL_PASSWORD=$(secret db_password)
MYSQL_DATABASE=sdo_cgi
CRON_SECRET=$(secret cron_secret)
SQUARE_ACCESS_TOKEN=$(secret square_token)
SQUARE_ENVIRONMENT=sandbox
SQUARE_BASE_URL=http://127.0.0.1:$sq_port
SQUARE_WEBHOOK_SIGNATURE_KEY=$(secret webhook_key)
SQUARE_WEBHOOK_URL=http://127.0.0.1:$port/api/webhooks/square
MEDIA_DIR=$WWW/media
LOG_FILE=$HOMEDIR/safari.log
ENV
	 printf 'staff:%s\n' "$(printf '%s' "$staff_pw" | openssl passwd -6 -stdin)" \
	     >"$HOMEDIR/.config/safari/htpasswd"
	) >"$HOMEDIR/.config/safari/safari.env"
	chmod 0700 "$HOMEDIR" "$HOMEDIR/.config" "$HOMEDIR/.config/safari"
	own "$DIR"
	chmod 0755 "$DIR"

	# The migrations, with the tree's own tool, as the application's user.
	(hidden env -i HOME="$HOMEDIR" PATH=/usr/bin:/bin "$WWW/bin/safari-migrate") \
	    >"$LOG/migrate.log" 2>&1 || { cat "$LOG/migrate.log" >&2; die "migrations failed"; }

	cat >"$DIR/apache.conf" <<CONF
# An ordinary account's Apache: its own port, no root, the host's usual
# modules; the tree's .htaccess does the rest (AllowOverride All).
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile $RUN/apache.pid
DefaultRuntimeDir $RUN
Mutex file:$RUN default
ScriptSock $RUN/cgid.sock
ErrorLog $LOG/apache-error.log
LogLevel ${CGI_LOGLEVEL:-warn}
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_user_module /usr/lib/apache2/modules/mod_authz_user.so
LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so
LoadModule authn_file_module /usr/lib/apache2/modules/mod_authn_file.so
LoadModule auth_basic_module /usr/lib/apache2/modules/mod_auth_basic.so
LoadModule cgid_module /usr/lib/apache2/modules/mod_cgid.so
LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so
LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so
LoadModule filter_module /usr/lib/apache2/modules/mod_filter.so
LoadModule deflate_module /usr/lib/apache2/modules/mod_deflate.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule env_module /usr/lib/apache2/modules/mod_env.so
LoadModule setenvif_module /usr/lib/apache2/modules/mod_setenvif.so
TypesConfig /etc/mime.types
# As Debian's stock security.conf has it (server level: .htaccess cannot).
TraceEnable Off
ServerTokens Prod
StartServers 2
ServerLimit 4
ThreadsPerChild 25
MaxRequestWorkers 100
# The account's home, as the host gives it to its programs (suEXEC
# hosts find it in the password database instead).
PassEnv HOME
LogFormat "%h %l %u %t \"%r\" %>s %b" common
CustomLog $LOG/apache-access.log common
DocumentRoot $WWW
<Directory />
	AllowOverride None
	Require all denied
</Directory>
<Directory $WWW>
	AllowOverride All
	Options FollowSymLinks
	Require all granted
</Directory>
CONF
	touch "$LOG/apache-error.log" "$LOG/apache-access.log"
	own "$DIR/apache.conf" "$LOG"
	(hidden env -i HOME="$HOMEDIR" PATH=/usr/bin:/bin /usr/sbin/apache2 \
	    -f "$DIR/apache.conf" -DFOREGROUND) >>"$LOG/apache-error.log" 2>&1 &
	echo $! >"$RUN/apache-launcher.pid"
	# Apache's own answer (its pid file made, and a header only the
	# tree's .htaccess sends on a page), not another server's on the port.
	wait_for 20 Apache test -s "$RUN/apache.pid"
	wait_for 20 Apache curl -fsS "http://127.0.0.1:$port/api/health"
	curl -sS -D - -o /dev/null "http://127.0.0.1:$port/en/calendar" |
	    grep -qi '^Server: Apache' || die "port $port: not this Apache"

	cat >"$DIR/cgi.env" <<ENV
BASE_URL=http://127.0.0.1:$port
STAFF_USER=staff
STAFF_PASSWORD=$staff_pw
CRON_SECRET=$(secret cron_secret)
FAKE_SQUARE_URL=http://127.0.0.1:$sq_port
SQUARE_ACCESS_TOKEN=$(secret square_token)
SQUARE_WEBHOOK_SIGNATURE_KEY=$(secret webhook_key)
SQUARE_WEBHOOK_URL=http://127.0.0.1:$port/api/webhooks/square
CGI_WWW=$WWW
CGI_HOME=$HOMEDIR
CGI_DB_PORT=$db_port
CGI_DB_SOCKET=$RUN/mysqld.sock
CGI_HIDDEN=$([ -n "$RUN_USER" ] && echo 1 || echo 0)
ENV
	chmod 0600 "$DIR/cgi.env"
}

stop_pidfile() {
	local f=$1 pid i
	[ -s "$f" ] || return 0
	pid=$(cat "$f")
	kill "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$f"
}

stop() {
	stop_pidfile "$RUN/apache.pid"
	stop_pidfile "$RUN/apache-launcher.pid"
	stop_pidfile "$RUN/fake-square.pid"
	stop_pidfile "$RUN/mariadb.pid"
}

case ${1:-} in
start)	start ;;
stop)	stop ;;
hidden)	shift; hidden "$@" ;;
*)	echo "usage: $0 start|stop|hidden CMD..." >&2; exit 2 ;;
esac
