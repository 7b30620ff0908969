# Pulling: the layout lists programs, the composer copies them from a sysroot with every
# library their loader would open there, resolving the sysroot's absolute symlinks inside it.
# A glibc arm64 program from Debian's cross libc and a musl one; `lsbimg check` then passes.
. "$TOP/tests/lib.sh"
. "$TOP/tests/musl.sh"

build_prog g64 aarch64-linux-gnu-gcc
build_prog m64 aarch64-linux-musl-gcc
mkdir -p sr/lib/aarch64-linux-gnu sr/usr/bin sr/usr/lib
cp /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 sr/lib/
cp /usr/aarch64-linux-gnu/lib/libc.so.6 sr/lib/aarch64-linux-gnu/
cp g64/main sr/usr/bin/gmain
cp m64/main sr/usr/bin/mmain
cp g64/libfoo.so.1 sr/usr/lib/libfoo.so.1.0
ln -s /usr/lib/libfoo.so.1.0 sr/usr/lib/libfoo.so.1   # absolute: must stay in the sysroot
{ layout_head; echo 'entries = ('
  echo '  { type = "symlink"; path = "/lib"; target = "usr/lib"; }'; echo ');'
  echo 'musl = { arch = "aarch64"; sysroot = "sr"; programs = [ "/usr/bin/gmain" ]; };'; } > t.cfg
expect_exit 0 "$LSBIMG" compose --no-stage t.cfg
fsck_clean t.img
for f in /usr/bin/gmain /lib/ld-linux-aarch64.so.1 /lib/aarch64-linux-gnu/libc.so.6 /usr/lib/libfoo.so.1.0; do
  assert_eq "$f pulled" "regular" "$(stat_field t.img "$f" Type)"
done
assert_eq "libfoo link" /usr/lib/libfoo.so.1.0 "$(link_dest t.img /usr/lib/libfoo.so.1)"
dump t.img /usr/bin/gmain gmain
assert_eq "glibc PT_INTERP" /lib/ld-linux-aarch64.so.1 "$(interp_of gmain)"
expect_exit 0 "$LSBIMG" check t.img

note "a musl program from a sysroot without musl: the section's loader serves it"
sed -i 's|programs = \[ "/usr/bin/gmain" \]|programs = [ "/usr/bin/mmain" ]|' t.cfg
rm -f t.img
expect_exit 0 "$LSBIMG" compose --no-stage t.cfg
assert_eq "musl loader" aarch64-linux-musl/libc.so "$(link_dest t.img /lib/ld-musl-aarch64.so.1)"
assert_eq "mmain pulled" regular "$(stat_field t.img /usr/bin/mmain Type)"

note "a program the sysroot does not have"
sed -i 's|programs = \[ "/usr/bin/mmain" \]|programs = [ "/usr/bin/absent" ]|' t.cfg
rm -f t.img
expect_exit 1 "$LSBIMG" compose --no-stage t.cfg
assert_contains "missing program" "$ERR" "/usr/bin/absent is missing"
[ ! -e t.img ] || fail "a failed compose left t.img"
