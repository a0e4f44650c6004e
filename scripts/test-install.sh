#!/bin/bash
# make test's production part: `make install` into a staging root, then
#   - the installed nginx files dropped into a copy of this machine's
#     stock Debian nginx configuration pass `nginx -t` (a private mount
#     namespace puts them at /etc/nginx and /opt/safari, as installed);
#   - the systemd units pass `systemd-analyze verify` (offline: no
#     running systemd needed), sysusers and tmpfiles entries apply to an
#     empty root;
#   - tests/deploy-install/*.test.mjs check what the files say.
# The stack of `make run` renders the same nginx templates, so the
# integration tests exercise what admins deploy.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=scripts/clean-env.sh
. scripts/clean-env.sh
clean_env "$@"
BUILD=${BUILD:-build}
T=$(mktemp -d /tmp/sdo-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
failed=0
PREFIX=/opt/safari

echo "== make install (DESTDIR=$T/root PREFIX=$PREFIX)"
BUILD=$BUILD PREFIX=$PREFIX DESTDIR=$T/root SYSCONFDIR=/etc SERVER_NAME=ops.example.com \
    scripts/install.sh >"$T/install.log" 2>&1 || { cat "$T/install.log"; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
	echo "test-install: not root: nginx -t and systemd-analyze need the mount namespace; skipped"
else
	echo "== nginx -t: the installed files in Debian's stock nginx"
	cp -a /etc/nginx "$T/nginx"
	cp -a "$T/root/etc/nginx/." "$T/nginx/"
	ln -sf ../sites-available/safari.conf "$T/nginx/sites-enabled/safari.conf"
	mkdir -p "$T/nginx/safari-tls"
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=ops.example.com -days 2 \
	    -keyout "$T/nginx/safari-tls/privkey.pem" \
	    -out "$T/nginx/safari-tls/fullchain.pem" >/dev/null 2>&1
	# In the namespace only: /etc/nginx, /opt/safari as installed, an
	# empty /var/log/nginx, and /run as tmpfiles.d makes it at boot.
	unshare --mount --propagation private -- bash -c '
		set -e
		mount --bind "$1/nginx" /etc/nginx
		mount -t tmpfs tmpfs /var/log/nginx
		mount -t tmpfs tmpfs /opt
		mkdir /opt/safari
		mount --bind "$1/root/opt/safari" /opt/safari
		mount -t tmpfs tmpfs /run
		mkdir -p /run/safari/push
		nginx -t 2>&1 | grep -v "\[info\]"
		exit "${PIPESTATUS[0]}"' ns "$T" || { echo "nginx -t: FAILED"; failed=1; }

	echo "== systemd-analyze verify: the units"
	mkdir -p "$T/units"
	for p in calendar job reconcile webhook photo; do
		ln -s "$T/root/etc/systemd/system/safari@.service" "$T/units/safari@$p.service"
	done
	cp "$T/root/etc/systemd/system/"safari-reconcile.* "$T/root/etc/systemd/system/safari.target" "$T/units/"
	unshare --mount --propagation private -- bash -c '
		set -e
		mount -t tmpfs tmpfs /opt
		mkdir /opt/safari
		mount --bind "$1/root/opt/safari" /opt/safari
		SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$1"/units/*' \
	    ns "$T" || { echo "systemd-analyze verify: FAILED"; failed=1; }
fi

echo "== sysusers and tmpfiles entries, applied to an empty root"
mkdir -p "$T/empty/etc"
systemd-sysusers --root="$T/empty" "$T/root/etc/sysusers.d/safari.conf" || failed=1
grep -q '^safari:' "$T/empty/etc/passwd" || { echo "sysusers made no safari user"; failed=1; }
printf 'www-data:x:33:\nadm:x:4:\nroot:x:0:\n' >>"$T/empty/etc/group"
systemd-tmpfiles --root="$T/empty" --create "$T/root/etc/tmpfiles.d/safari.conf" || failed=1

echo "== what the installed files say"
INSTALL_ROOT=$T/root EMPTY_ROOT=$T/empty node --test tests/deploy-install/ || failed=1
[ $failed -eq 0 ] && echo "install: all passed" || echo "install: FAILED"
exit $failed
