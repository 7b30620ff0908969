# The closure check reads every DT_NEEDED entry of every object, also those after an entry
# already satisfied: main needs libfoo.so.1 and libx.so; libx.so needs libfoo.so.1 (already
# loaded for main), then libbar.so.2, then libc.so. Without libbar.so.2 the check must fail
# compose and `lsbimg check`. Oracles: readelf for the order of the entries, and the real
# musl loader running main in a chroot of the mounted x86_64 image.
. "$TOP/tests/lib.sh"
. "$TOP/tests/musl.sh"

cc=musl-gcc
printf 'int foo(void) { return 42; }\n' >foo.c
printf 'int bar(void) { return 7; }\n' >bar.c
printf 'int foo(void);\nint bar(void);\nint x(void) { return foo() + bar(); }\n' >x.c
printf '#include <stdio.h>\nint foo(void);\nint x(void);\nint main(void) { printf("%%d %%d\\n", foo(), x()); return 0; }\n' >main.c
$cc -shared -fPIC -Wl,-soname,libfoo.so.1 -o libfoo.so.1 foo.c || fail "cannot build libfoo.so.1"
$cc -shared -fPIC -Wl,-soname,libbar.so.2 -o libbar.so.2 bar.c || fail "cannot build libbar.so.2"
$cc -shared -fPIC -Wl,-soname,libx.so -Wl,--no-as-needed -o libx.so x.c ./libfoo.so.1 ./libbar.so.2 ||
  fail "cannot build libx.so"
$cc -Wl,--no-as-needed -o main main.c ./libfoo.so.1 ./libx.so -Wl,-rpath-link,. -Wl,-rpath,'$ORIGIN/../lib' -Wl,--enable-new-dtags ||
  fail "cannot build main"

# readelf: the fixture really has a missing library after a resolved one.
needed() { readelf -dW "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' '; }
assert_eq "main's DT_NEEDED order" "libfoo.so.1 libx.so libc.so " "$(needed main)"
assert_eq "libx.so's DT_NEEDED order" "libfoo.so.1 libbar.so.2 libc.so " "$(needed libx.so)"

# layout WITH-BAR STRICT
layout() {
  layout_head
  echo 'entries = ('
  echo '  { type = "symlink"; path = "/lib"; target = "usr/lib"; },'
  echo '  { type = "file"; path = "/usr/bin/main"; source = "main"; mode = "0755"; },'
  echo '  { type = "file"; path = "/usr/lib/libfoo.so.1"; source = "libfoo.so.1"; mode = "0755"; },'
  [ "$1" = 0 ] || echo '  { type = "file"; path = "/usr/lib/libbar.so.2"; source = "libbar.so.2"; mode = "0755"; },'
  echo '  { type = "file"; path = "/usr/lib/libx.so"; source = "libx.so"; mode = "0755"; }'
  echo ');'
  echo "musl = { arch = \"x86_64\"; strict = $2; };"
}
# run_main: main's output and exit status in a chroot of the mounted image.
run_main() {
  ro_mount t.img mnt
  RUN_RC=0; RUN_OUT=$(chroot mnt /usr/bin/main 2>&1) || RUN_RC=$?
  ro_umount mnt
}

note "complete image: composes, checks clean, and runs"
layout 1 true >t.cfg
expect_exit 0 "$LSBIMG" compose --no-stage t.cfg
fsck_clean t.img
expect_exit 0 "$LSBIMG" check t.img
run_main
assert_eq "loader run exit" 0 "$RUN_RC"
assert_eq "loader run output" "42 49" "$RUN_OUT"

note "libbar.so.2 left out: the loader cannot start main, and lsbimg says why"
rm -f t.img
layout 0 true >t.cfg
expect_exit 1 "$LSBIMG" compose --no-stage t.cfg
assert_contains "strict compose" "$ERR" "libx.so (loaded by /usr/bin/main): needs libbar.so.2, not found"
[ ! -e t.img ] || fail "a failed compose wrote t.img"
layout 0 false >t.cfg
expect_exit 0 "$LSBIMG" compose --no-stage t.cfg
assert_contains "warning" "$ERR" "needs libbar.so.2, not found"
assert_contains "warning count" "$ERR" "musl: 1 ELF closure problem in the image"
run_main
[ "$RUN_RC" != 0 ] || fail "main ran without libbar.so.2: $RUN_OUT"
assert_contains "loader error" "$RUN_OUT" "libbar.so.2"
expect_exit 1 "$LSBIMG" check t.img
assert_contains "check" "$OUT" "needs libbar.so.2, not found"
