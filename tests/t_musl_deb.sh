# Real Debian arm64 packages (bash, libtinfo6, libc6): pulling /bin/bash from a sysroot
# dpkg-deb -x extracted them into copies the glibc loader and libraries bash needs, and the
# image's closure check passes; importing the packages straight into a merged-/usr image
# gives the files GNU tar extracts from them (the mounted image against a reference tree,
# both ways), passes the check for every ELF file of libc6 too, and fails, naming bash and
# libtinfo.so.6, when libtinfo6 is left out.
. "$TOP/tests/lib.sh"
. "$TOP/tests/archive_lib.sh"
. "$TOP/tests/musl.sh"

debs=()
for p in bash libtinfo6 libc6; do debs+=("$(fetch_deb $p)"); done

note "pull /bin/bash from a sysroot of extracted packages"
# The sysroot is made by dpkg-deb -x, not by lsbimg: the reference for what was pulled.
mkdir sr
for d in "${debs[@]}"; do dpkg-deb -x "$d" sr || fail "dpkg-deb -x $d failed"; done
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
# Each has the bytes dpkg-deb -x gave the same name in the sysroot.
machines=$(for f in "$interp" $(readelf -dW bash | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\/lib\/aarch64-linux-gnu\/\1/p'); do
  real=$(readlink -f "mnt$f") && [[ $real == "$PWD/mnt/"* ]] && ref=$(readlink -f "sr$f") &&
    [[ $ref == "$PWD/sr/"* ]] && cmp -s "$real" "$ref" && echo "$f $(machine_of "$real")" ||
    echo "$f unresolved, or unlike the sysroot's"
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
# What the image holds, through the kernel, against GNU tar's extraction of the packages'
# data tarballs over the layout's directories and links (extract_over: as lsbimg imports
# them), times clamped to image.timestamp; both ways.
# The musl runtime is left out (t_musl_image checks it).
mkdir -p ref/usr/bin ref/usr/lib ref/usr/sbin ref/tmp
for l in bin sbin lib; do ln -s usr/$l ref/$l; done
chmod 0755 ref ref/usr ref/usr/bin ref/usr/lib ref/usr/sbin; chmod 1777 ref/tmp
for d in "${debs[@]}"; do
  dpkg-deb --fsys-tarfile "$d" | extract_over ref || fail "GNU tar could not extract $d"
done
find ref -newermt @1700000000 -exec touch -h -d @1700000000 {} +
ro_mount full.img mnt
rc=0; same_tree ref mnt lost+found usr/lib/aarch64-linux-musl usr/lib/ld-musl-aarch64.so.1 etc/ld-musl-aarch64.path || rc=$?
ro_umount mnt
[ $rc = 0 ] || fail "full.img differs from the packages (see above)"

grep -v libtinfo6 full.cfg > missing.cfg
sed -i 's/output = "full.img"/output = "missing.img"/' missing.cfg
expect_exit 1 "$LSBIMG" compose --no-stage missing.cfg
assert_contains "missing libtinfo" "$ERR" "/usr/bin/bash: needs libtinfo.so.6, not found in /lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu:/lib:/usr/lib"
[ ! -e missing.img ] || fail "a failed compose left missing.img"
