#!/bin/bash
# @include of something that is not a regular file: libconfig 1.5 would exit the process
# from its scanner (a directory) or block (a FIFO); lsbimg refuses the layout with the
# file and line, exit 2. Oracle: the same layouts through libconfig alone (a C program
# reading them) show the exit and the hang. The directory, an include nested in an included
# file and a missing include are cases in tests/layout (include-*); the FIFO, which git
# cannot hold, is here.
. "$TOP/tests/lib.sh"
command -v cc >/dev/null || fail "cc missing"

cat >raw.c <<'C'
#include <libconfig.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	config_t c;
	config_init(&c);
	config_set_include_dir(&c, ".");
	int ok = config_read_file(&c, argv[1]);
	config_destroy(&c);
	puts(ok ? "read" : "error");
	return 0;
}
C
cc -o raw raw.c -lconfig || fail "cannot build the libconfig oracle"

mkdir d
mkfifo f
printf 'image = { name = "t"; stage = ""; };\n@include "d"\n' >dir.cfg
printf 'image = { name = "t"; stage = ""; };\n\n@include "f"\n' >fifo.cfg
note "libconfig alone: exits from its scanner on the directory, blocks on the FIFO"
out=$(./raw dir.cfg 2>&1) || true
assert_contains "libconfig exits" "$out" "input in flex scanner failed"
[[ $out != *read* && $out != *error* ]] || fail "libconfig returned instead of exiting: $out"
rc=0; timeout 2 ./raw fifo.cfg >/dev/null 2>&1 || rc=$?
assert_eq "libconfig blocks on the FIFO" 124 "$rc"

note "lsbimg refuses the FIFO with file:line"
expect_exit 2 timeout 10 "$LSBIMG" compose -q -o t.img fifo.cfg
assert_contains "fifo" "$ERR" "fifo.cfg:3: error: @include \"f\": ./f is not a regular file"
[ ! -e t.img ] || fail "an image was written"

note "a regular include still works"
printf 'image = { name = "t"; stage = ""; output = "t.img"; };\n' >img.cfg
printf '@include "img.cfg"\nentries = ( { type = "dir"; path = "/d"; } );\n' >ok.cfg
expect_exit 0 "$LSBIMG" compose -q ok.cfg
fsck_clean t.img
