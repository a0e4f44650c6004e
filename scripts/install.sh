#!/bin/bash
# make install: Safari Detail Ops for a server with nginx and systemd.
#   PREFIX (default /usr/local), DESTDIR (staging root), SYSCONFDIR
#   (/etc), SERVER_NAME (the public name, default ops.example.com)
# Installs
#   $PREFIX/cgi-bin/     calendar job reconcile webhook photo
#   $PREFIX/lib/         libsafari.so libsafari-square.so
#   $PREFIX/bin/         safari-migrate
#   $PREFIX/share/safari/{htdocs,sql,nginx}   pages, migrations, includes
#   $SYSCONFDIR/nginx/conf.d/safari-http.conf          (http level)
#   $SYSCONFDIR/nginx/sites-available/safari.conf      (the servers, TLS)
#   $SYSCONFDIR/nginx/safari.d/                        (your locations)
#   $SYSCONFDIR/systemd/system/safari@.service safari.target
#       safari-reconcile.service safari-reconcile.timer
#   $SYSCONFDIR/sysusers.d/safari.conf  tmpfiles.d/safari.conf
#   $SYSCONFDIR/logrotate.d/safari
#   $SYSCONFDIR/safari/safari.env (0640 root:safari; never overwritten),
#       reconcile.env
#   $SYSCONFDIR/nginx/safari-tls.conf, safari-tls/ (the certificate)
# What to do next is in README.md, "A server with nginx".
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PREFIX=${PREFIX:-/usr/local}
SYSCONF=${SYSCONFDIR:-/etc}
D=${DESTDIR:-}
NAME=${SERVER_NAME:-ops.example.com}
SHARE=$PREFIX/share/safari
render() { "$ROOT/scripts/render-nginx.sh" "$@"; }

for p in calendar job reconcile webhook photo; do
	[ -x "$BUILD/cgi-bin/$p" ] || { echo "install: build first: make" >&2; exit 1; }
done
install -d "$D$PREFIX/cgi-bin" "$D$PREFIX/lib" "$D$PREFIX/bin" \
    "$D$SHARE/htdocs" "$D$SHARE/sql" "$D$SHARE/nginx" "$D$PREFIX/share/doc/safari" \
    "$D$SYSCONF/nginx/conf.d" "$D$SYSCONF/nginx/sites-available" \
    "$D$SYSCONF/nginx/safari.d" "$D$SYSCONF/systemd/system" \
    "$D$SYSCONF/sysusers.d" "$D$SYSCONF/tmpfiles.d" "$D$SYSCONF/logrotate.d"
install -d -m 0750 "$D$SYSCONF/safari"
for p in calendar job reconcile webhook photo; do
	install -m 0755 "$BUILD/cgi-bin/$p" "$D$PREFIX/cgi-bin/$p"
done
install -m 0755 "$BUILD/bin/safari-migrate" "$D$PREFIX/bin/safari-migrate"
install -m 0644 "$BUILD/lib/libsafari.so" "$BUILD/lib/libsafari-square.so" "$D$PREFIX/lib/"
cp -R "$ROOT/htdocs/." "$D$SHARE/htdocs/"
install -m 0644 "$ROOT"/sql/[0-9]*.sql "$D$SHARE/sql/"
install -m 0644 "$ROOT/nginx/fastcgi.conf" "$ROOT/nginx/json-errors.conf" \
    "$ROOT/nginx/page-headers.conf" "$D$SHARE/nginx/"
install -m 0644 "$ROOT/README.md" "$ROOT/.env.example" "$D$PREFIX/share/doc/safari/"

# nginx: the same templates `make run` renders, with the server's paths.
render "$ROOT/nginx/safari-http.conf.in" "$D$SYSCONF/nginx/conf.d/safari-http.conf" \
    RUN=/run/safari CALENDAR=/run/safari/calendar
render "$ROOT/nginx/safari-server.conf.in" "$D$SYSCONF/nginx/sites-available/safari.conf.tmp" \
    LISTEN="443 ssl" TLS="include $SYSCONF/nginx/safari-tls.conf;" \
    SERVER_NAMES="$NAME" HTDOCS="$SHARE/htdocs" NGINX="$SHARE/nginx" \
    HTPASSWD="$SYSCONF/nginx/safari.htpasswd" MEDIA=/var/lib/safari/media \
    RUN=/run/safari CALENDAR=/run/safari/calendar LOCAL="$SYSCONF/nginx/safari.d" \
    ACCESS_LOG=/var/log/nginx/safari-access.log ERROR_LOG=/var/log/nginx/safari-error.log
render "$ROOT/nginx/redirect.conf.in" "$D$SYSCONF/nginx/sites-available/safari.redirect.tmp" \
    SERVER_NAMES="$NAME" ACCESS_LOG=/var/log/nginx/safari-access.log
cat "$D$SYSCONF/nginx/sites-available/safari.conf.tmp" \
    "$D$SYSCONF/nginx/sites-available/safari.redirect.tmp" \
    >"$D$SYSCONF/nginx/sites-available/safari.conf"
rm -f "$D$SYSCONF/nginx/sites-available/safari.conf.tmp" \
    "$D$SYSCONF/nginx/sites-available/safari.redirect.tmp"
[ -e "$D$SYSCONF/nginx/safari-tls.conf" ] ||
    render "$ROOT/nginx/tls.conf.in" "$D$SYSCONF/nginx/safari-tls.conf" SYSCONF="$SYSCONF"
install -d -m 0700 "$D$SYSCONF/nginx/safari-tls"

# systemd, sysusers, tmpfiles, logrotate.
for u in safari@.service safari-reconcile.service; do
	render "$ROOT/dist-server/$u.in" "$D$SYSCONF/systemd/system/$u" \
	    PREFIX="$PREFIX" SYSCONF="$SYSCONF"
done
install -m 0644 "$ROOT/dist-server/safari.target" "$ROOT/dist-server/safari-reconcile.timer" \
    "$D$SYSCONF/systemd/system/"
install -m 0644 "$ROOT/dist-server/sysusers.conf" "$D$SYSCONF/sysusers.d/safari.conf"
install -m 0644 "$ROOT/dist-server/tmpfiles.conf" "$D$SYSCONF/tmpfiles.d/safari.conf"
install -m 0644 "$ROOT/dist-server/logrotate.conf" "$D$SYSCONF/logrotate.d/safari"

# The settings: the example, with this server's paths, never over an
# existing file.  Readable by root and the programs' group only.
env=$D$SYSCONF/safari/safari.env
if [ ! -e "$env" ]; then
	sed -e 's|^MEDIA_DIR=.*|MEDIA_DIR=/var/lib/safari/media|' \
	    -e 's|^PUSH_SOCKET=.*|PUSH_SOCKET=/run/safari/push/publish.sock|' \
	    -e 's|^MYSQL_SOCKET=.*|MYSQL_SOCKET=/run/mysqld/mysqld.sock|' \
	    -e "s|^ALLOWED_HOSTS=.*|ALLOWED_HOSTS=$NAME|" \
	    "$ROOT/.env.example" >"$env"
	chmod 0640 "$env"
	if [ "$(id -u)" -eq 0 ] && getent group safari >/dev/null; then
		chgrp safari "$env" "$D$SYSCONF/safari"
	else
		echo "install: chgrp safari $SYSCONF/safari $SYSCONF/safari/safari.env once the user exists (systemd-sysusers)"
	fi
fi
[ -e "$D$SYSCONF/safari/reconcile.env" ] ||
    printf 'SAFARI_URL=https://%s\n' "$NAME" >"$D$SYSCONF/safari/reconcile.env"
echo "install: done; next steps: README.md, \"A server with nginx\""
