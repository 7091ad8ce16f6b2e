#!/bin/sh
# Every header of lib/ compiles on its own (it includes what it uses), as
# DESIGN.md promises, with the project's warnings.
. "$TW_ROOT/tests/lib.sh"
command -v cc > /dev/null || { skip "headers" "no cc"; exit 0; }
bad=
for h in "$TW_ROOT"/lib/*.h; do
	printf '#include "%s"\n' "$(basename "$h")" > "$T/one.c"
	cc -std=c11 -Wall -Wextra -I"$TW_ROOT/lib" -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	    -c "$T/one.c" -o "$T/one.o" 2> "$T/err" || bad="$bad $(basename "$h")"
done
eq "every lib/ header compiles on its own" "${bad:-}" ""
