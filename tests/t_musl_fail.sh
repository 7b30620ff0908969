# Closure problems fail compose with exit 1 and name the file and what is missing: a foreign
# (x86_64) program in an aarch64 layout, a program whose library is absent; strict = false
# turns them into warnings; and `lsbimg check` finds a program whose loader is missing.
. "$TOP/tests/lib.sh"
. "$TOP/tests/musl.sh"

build_prog a64 aarch64-linux-musl-gcc
build_prog x64 musl-gcc

note "x86_64 program in an aarch64 layout"
{ layout_head; echo 'entries = ('; prog_entries a64; echo ','
  echo '  { type = "file"; path = "/usr/bin/x86"; source = "x64/main"; mode = "0755"; }'
  echo ');'; echo 'musl = { arch = "aarch64"; };'; } > t.cfg
expect_exit 1 "$LSBIMG" compose --no-stage t.cfg
assert_contains "machine" "$ERR" "/usr/bin/x86: built for x86-64 64-bit, not aarch64"
assert_contains "its loader" "$ERR" "/usr/bin/x86: interpreter /lib/ld-musl-x86_64.so.1 is missing"
[ ! -e t.img ] || fail "a failed compose left t.img"

note "strict = false"
sed -i 's/arch = "aarch64";/arch = "aarch64"; strict = false;/' t.cfg
expect_exit 0 "$LSBIMG" compose --no-stage t.cfg
assert_contains "warning" "$ERR" "warning: /usr/bin/x86: built for x86-64 64-bit, not aarch64"
rm -f t.img

note "image.strict makes every warning an error, musl.strict = false's too"
sed -i 's/^image = {/image = { strict = true;/' t.cfg
grep -q 'strict = true' t.cfg || fail "could not set image.strict"
expect_exit 1 "$LSBIMG" compose --no-stage t.cfg
assert_contains "strict error" "$ERR" "error: /usr/bin/x86: built for x86-64 64-bit, not aarch64"
[ ! -e t.img ] || fail "a failed compose left t.img"

note "absent library"
{ layout_head; echo 'entries = ('
  echo '  { type = "file"; path = "/usr/bin/main"; source = "a64/main"; mode = "0755"; },'
  echo '  { type = "file"; path = "/opt/elsewhere/libfoo.so.1"; source = "a64/libfoo.so.1"; }'
  echo ');'; echo 'musl = { arch = "aarch64"; };'; } > t.cfg
expect_exit 1 "$LSBIMG" compose --no-stage t.cfg
assert_contains "library" "$ERR" "/usr/bin/main: needs libfoo.so.1, not found in /usr/bin/../lib:/lib/aarch64-linux-musl:/usr/lib/aarch64-linux-musl:/lib:/usr/local/lib:/usr/lib"
[ ! -e t.img ] || fail "a failed compose left t.img"

note "loader missing, found by lsbimg check"
{ layout_head; echo 'entries = ('; prog_entries a64; echo ');'; } > t.cfg
expect_exit 0 "$LSBIMG" compose --no-stage t.cfg
grep -q 'File not found' < <(debugfs -R 'stat /lib/ld-musl-aarch64.so.1' t.img 2>&1) ||
  fail "the image has a loader although no musl section installed one"
dump t.img /usr/bin/main m
expect_exit 1 "$LSBIMG" check t.img
assert_contains "check names the program and readelf's PT_INTERP" "$OUT" "/usr/bin/main: interpreter $(interp_of m) is missing"
