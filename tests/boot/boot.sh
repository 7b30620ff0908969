# Boot truth, shared by t_boot_arm64.sh and t_boot_armhf.sh: compose the default image with
# a dynamically linked musl program that prints a marker and powers off, boot it as init
# (init= on the kernel command line: the image's /sbin/init is systemd) with Debian's
# kernel and lsbimg's initramfs, and watch the console. Then remove the image's
# loader with debugfs and check that the same boot no longer reaches the marker.
INIT=/usr/bin/lsbimg-marker
MARKER="LSBIMG-BOOT-MARKER $INIT pid=1"

# boot_truth ARCH(arm64|arm)
boot_truth() {
  local arch=$1 cc ldso layout
  case $arch in
    arm64) cc=aarch64-linux-musl-gcc ldso=ld-musl-aarch64.so.1 layout=arm64.cfg ;;
    arm) cc=arm-linux-musleabihf-gcc ldso=ld-musl-armhf.so.1 layout=arm.cfg ;;
    *) fail "boot_truth: unknown arch $arch" ;;
  esac
  local kernel=$TOP/out/kernels/$arch/vmlinuz

  note "Debian kernel and our /init (make kernels initramfs-init; downloads are cached)"
  make -s -C "$TOP" BUILD="$BUILD" kernels initramfs-init >make.log 2>&1 ||
    fail "make kernels initramfs-init: $(tail -n 5 make.log)"

  note "initramfs composed by lsbimg"
  expect_exit 0 "$LSBIMG" compose -q --no-stage -o initrd.cpio.gz "$TOP/layouts/initramfs-$arch.cfg"
  # Read back with gzip and cpio, not with our own code.
  local list
  list=$(gzip -dc initrd.cpio.gz | cpio -it --quiet) || fail "initrd.cpio.gz is not a gzip'd cpio"
  grep -qxE '(\./)?init' <<<"$list" || fail "no /init in the initramfs: $list"
  grep -q '/ext4\.ko$' <<<"$list" || fail "no ext4.ko in the initramfs: $list"
  grep -qxE '(\./)?etc/modules.order' <<<"$list" || fail "no /etc/modules.order in the initramfs"

  note "image: $layout plus a dynamically linked $INIT"
  "$cc" -O2 -o marker "$TOP/tests/boot/marker.c" || fail "$cc failed"
  readelf -l marker | grep -q "interpreter: /lib/$ldso" || fail "marker does not use /lib/$ldso"
  shadow_checkout
  cat >shadow/layouts/boot.cfg <<CFG
@include "$layout"
entries_boottest = (
  { type = "file"; path = "$INIT"; source = "$PWD/marker"; mode = "0755"; }
);
CFG
  expect_exit 0 "$LSBIMG" compose -q --no-stage -o boot.img shadow/layouts/boot.cfg
  fsck_clean boot.img
  dbg boot.img "stat /lib/$ldso" >/dev/null

  note "boot: the marker, then a clean power-off"
  local start=$SECONDS
  expect_exit 0 runqemu --arch "$arch" --kernel "$kernel" --initrd initrd.cpio.gz \
    --rootfs boot.img --append "quiet init=$INIT" --timeout 120 --expect "$MARKER" --expect "reboot: Power down"
  note "booted to the marker in $((SECONDS - start)) s"

  note "negative control: the same image without /lib/$ldso"
  cp boot.img noloader.img
  # debugfs rm does not follow the /lib symlink (and damages the file system when asked
  # to): remove the loader under its real directory, found by inode number.
  local ino real
  ino=$(dbg noloader.img "stat /lib/$ldso" | sed -n 's/^Inode: *\([0-9]*\).*/\1/p')
  real=$(dbg noloader.img "ncheck $ino" | awk 'NR == 2 { print $2 }')
  [ -n "$real" ] || fail "cannot find the real path of /lib/$ldso (inode '$ino')"
  debugfs -w -R "rm $real" noloader.img >/dev/null 2>&1
  ! debugfs -R "stat /lib/$ldso" noloader.img 2>&1 | grep -q 'Inode:' || fail "debugfs did not remove /lib/$ldso"
  fsck_clean noloader.img
  expect_exit 1 runqemu --arch "$arch" --kernel "$kernel" --initrd initrd.cpio.gz \
    --rootfs noloader.img --append "quiet init=$INIT" --timeout 120 --expect "$MARKER"
  # The boot got as far as exec'ing the program: only the loader was missing.
  assert_contains "exec failure" "$OUT" "init: error: exec $INIT: No such file or directory"
  [[ $OUT != *"$MARKER"* ]] || fail "marker printed without a loader"
}
