#!/bin/sh
# Install the Debian packages the build, `make run` and the tests need:
# as root with apt-get; otherwise name what is missing and stop.
set -eu

PKGS="gcc make pkg-config libc6-dev libcrypt-dev libfcgi-dev libjson-c-dev \
libcurl4-openssl-dev libmariadb-dev libcunit1-dev libssl-dev \
mariadb-server mariadb-client nginx-light libnginx-mod-nchan curl openssl ca-certificates \
chromium nodejs npm wrk valgrind tzdata procps util-linux passwd \
libvips-dev libvips-tools imagemagick libimage-exiftool-perl \
apache2 systemd"

missing=""
for p in $PKGS; do
	# nodejs and npm may come from elsewhere; a working command is enough.
	case $p in
	nodejs)	command -v node >/dev/null 2>&1 && continue ;;
	npm)	command -v npm >/dev/null 2>&1 && continue ;;
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "Missing Debian packages:$missing" >&2
	echo "Install them with: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "Installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Services must not start from the package scripts: the project runs its own.
policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e $policy ]; then
	printf '#!/bin/sh\nexit 101\n' >$policy && chmod 755 $policy
	made_policy=1
fi
trap '[ -n "$made_policy" ] && rm -f $policy' EXIT
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
