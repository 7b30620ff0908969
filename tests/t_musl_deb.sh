# Real Debian arm64 packages (bash, libtinfo6, libc6), read by lsbimg's own .deb support:
# pulling /bin/bash from a sysroot they were extracted into copies the glibc loader and
# libraries bash needs, and the image's closure check passes; importing the packages straight
# into a merged-/usr image passes the check for every ELF file of libc6 too, and fails, naming
# bash and libtinfo.so.6, when libtinfo6 is left out.
. "$TOP/tests/lib.sh"
. "$TOP/tests/archive_lib.sh"
. "$TOP/tests/musl.sh"

debs=()
for p in bash libtinfo6 libc6; do debs+=("$(fetch_deb $p)"); done

note "pull /bin/bash from a sysroot of extracted packages"
mkdir sr
for i in 0 1 2; do
  "$LSBIMG" extract "${debs[$i]}" "x$i" || fail "lsbimg extract ${debs[$i]} failed"
  cp -a "x$i/." sr/
done
{ layout_head; echo 'entries = ('
  echo '  { type = "symlink"; path = "/lib"; target = "usr/lib"; },'
  echo '  { type = "symlink"; path = "/bin"; target = "usr/bin"; }'; echo ');'
  echo 'musl = { arch = "aarch64"; sysroot = "sr"; programs = [ "/bin/bash" ]; };'; } > t.cfg
expect_exit 0 "$LSBIMG" compose --no-stage t.cfg
fsck_clean t.img
dump t.img /usr/bin/bash bash
cmp bash sr/bin/bash || fail "pulled bash differs from the package's"
interp=$(interp_of bash)
assert_eq "bash PT_INTERP" /lib/ld-linux-aarch64.so.1 "$interp"
# The kernel follows the image's links in a mount: loader and every NEEDED are AArch64 ELFs
# that stay inside the mount.
ro_mount t.img mnt
machines=$(for f in "$interp" $(readelf -dW bash | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\/lib\/aarch64-linux-gnu\/\1/p'); do
  real=$(readlink -f "mnt$f") && [[ $real == "$PWD/mnt/"* ]] && echo "$f $(machine_of "$real")" || echo "$f unresolved"
done)
ro_umount mnt
assert_contains "loader" "$machines" "/lib/ld-linux-aarch64.so.1 AArch64"
assert_contains "libtinfo" "$machines" "/lib/aarch64-linux-gnu/libtinfo.so.6 AArch64"
! grep -v ' AArch64$' <<<"$machines" || fail "unresolved or foreign: $machines"
expect_exit 0 "$LSBIMG" check t.img

note "the packages imported into the image"
rm -f t.img
{ layout_head; echo 'entries = ('
  echo '  { type = "dir"; path = "/usr/bin"; }, { type = "dir"; path = "/usr/lib"; }, { type = "dir"; path = "/usr/sbin"; },'
  echo '  { type = "symlink"; path = "/lib"; target = "usr/lib"; },'
  echo '  { type = "symlink"; path = "/bin"; target = "usr/bin"; },'
  echo '  { type = "symlink"; path = "/sbin"; target = "usr/sbin"; },'
  for d in "${debs[@]}"; do echo "  { type = \"archive\"; path = \"/\"; source = \"$d\"; },"; done
  echo '  { type = "dir"; path = "/tmp"; mode = "1777"; }'
  echo ');'; echo 'musl = { arch = "aarch64"; };'; } > full.cfg
sed 's/output = "t.img"/output = "full.img"/' full.cfg > f && mv f full.cfg
expect_exit 0 "$LSBIMG" compose -v --no-stage full.cfg
assert_contains "bash traced" "$ERR" "/usr/bin/bash: libtinfo.so.6 => /lib/aarch64-linux-gnu/libtinfo.so.6"
expect_exit 0 "$LSBIMG" check full.img

grep -v libtinfo6 full.cfg > missing.cfg
sed -i 's/output = "full.img"/output = "missing.img"/' missing.cfg
expect_exit 1 "$LSBIMG" compose --no-stage missing.cfg
assert_contains "missing libtinfo" "$ERR" "/usr/bin/bash: needs libtinfo.so.6, not found in /lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu:/lib:/usr/lib"
[ ! -e missing.img ] || fail "a failed compose left missing.img"
