#!/bin/bash
# Render the product's nginx files (nginx/*.in) with the values given as
# NAME=value arguments: scripts/render-nginx.sh TEMPLATE OUT NAME=value...
# Used by `make run`'s stack and by `make install`, so both serve from the
# same files.  A value may not hold "|" or a line break.
set -euo pipefail
in=$1 out=$2
shift 2
args=()
for kv in "$@"; do
	name=${kv%%=*} value=${kv#*=}
	case $value in *'|'* | *$'\n'*) echo "render-nginx: bad value for $name" >&2; exit 1 ;; esac
	args+=(-e "s|@$name@|$value|g")
done
sed "${args[@]}" "$in" >"$out.tmp"
if grep -n '@[A-Z_]*@' "$out.tmp" | grep -v '^[0-9]*:[[:space:]]*#' >&2; then
	echo "render-nginx: $in: the values above were not given" >&2
	rm -f "$out.tmp"
	exit 1
fi
mv "$out.tmp" "$out"
