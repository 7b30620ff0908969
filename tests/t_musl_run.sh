# The real musl loader is the oracle: an x86_64 image composed with the musl section runs its
# dynamic program in a chroot of the mounted image; the check rejects the image whose program
# lost its library, and the loader really fails there too.
. "$TOP/tests/lib.sh"
. "$TOP/tests/musl.sh"

build_prog x64 musl-gcc
{ layout_head; echo 'entries = ('; prog_entries x64; echo ');'
  echo 'musl = { arch = "x86_64"; };'; } > t.cfg
expect_exit 0 "$LSBIMG" compose --no-stage t.cfg
fsck_clean t.img
ro_mount t.img mnt
out=$(chroot mnt /usr/bin/main 2>&1) || { ro_umount mnt; fail "chroot run failed: $out"; }
ro_umount mnt
assert_eq "program output in the image" 42 "$out"

# Without libfoo the closure check fails compose; with strict = false it composes, and the
# real loader agrees that the program cannot start.
{ layout_head; echo 'entries = ('; prog_entries x64 | sed '$d' | sed '$s/,$//'; echo ');'
  echo 'musl = { arch = "x86_64"; strict = false; };'; } > t.cfg
expect_exit 0 "$LSBIMG" compose --no-stage t.cfg
assert_contains "warning" "$ERR" "/usr/bin/main: needs libfoo.so.1, not found in /usr/bin/../lib:"
ro_mount t.img mnt
rc=0; out=$(chroot mnt /usr/bin/main 2>&1) || rc=$?
ro_umount mnt
[ $rc != 0 ] || fail "the program ran without libfoo.so.1: $out"
assert_contains "loader error" "$out" "libfoo.so.1"
