#!/bin/sh
# Run the CUnit test programs given as arguments from the project root;
# with VALGRIND=1 under valgrind (any error or leak fails).  Exits non-zero
# if any program fails.
cd "$(dirname "$0")/.." || exit 1
failed=0
for t in "$@"; do
	echo "== $(basename "$t")"
	if [ -n "${VALGRIND:-}" ]; then
		valgrind -q --error-exitcode=99 --leak-check=full \
		    --errors-for-leak-kinds=definite,indirect "$t" || failed=1
	else
		"$t" || failed=1
	fi
done
[ $failed -eq 0 ] && echo "unit tests: all passed" || echo "unit tests: FAILED"
exit $failed
