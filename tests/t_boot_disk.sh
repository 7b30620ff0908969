# The whole disks (layouts/disk-arm64.cfg and disk-arm.cfg) booted as a person boots them,
# both at once (one core each): `runqemu --disk --rw`, UEFI firmware (AAVMF, AAVMF32)
# finding systemd-boot on the ESP, its Boot Loader Specification entry starting Debian's
# kernel with lsbimg's initramfs, which mounts the root partition; no -kernel anywhere.
# The console is driven with expect (tests/boot/console.exp): a root shell prompt, no
# failed unit, poweroff ends QEMU. Then each disk: sgdisk -v, e2fsck -fn of the root
# partition cut out at its offset, and its journal read in place (lsbimg journal
# DISK:root) running from the kernel to the shutdown.
. "$TOP/tests/lib.sh"
for t in expect sgdisk sfdisk jq; do
  command -v $t >/dev/null || fail "$t missing (scripts/deps.sh test)"
done

note "kernels, initramfs, packages, systemd-boot (make; cached)"
make -s -C "$TOP" BUILD="$BUILD" kernels initramfs debs boot-efi >make.log 2>&1 ||
  fail "make: $(tail -n 5 make.log)"

boot() { # ARCH: compose, check the ESP, then boot in the background
  local efi=BOOTAA64.EFI
  [ "$1" = arm ] && efi=BOOTARM.EFI
  expect_exit 0 "$LSBIMG" compose -q --no-stage -o "$1.img" "$TOP/layouts/disk-$1.cfg"
  expect_exit 0 "$LSBIMG" ls "$1.img:esp" /EFI/BOOT
  assert_eq "$1: loader on the ESP" "$efi" "$OUT"
  expect_exit 0 "$LSBIMG" cat "$1.img:esp" /loader/entries/lsb.conf
  assert_contains "$1: BLS entry" "$OUT" "options console=ttyAMA0 root=/dev/vda2"
  LSBIMG_TOP=$TOP PATH=$TOP/scripts:$PATH expect "$TOP/tests/boot/console.exp" "$1" \
    "$PWD/$1.img" 600 disk >"$1.console" 2>&1 &
}
boot_both boot

for arch in arm64 arm; do
  log=$arch.console
  console_ok "$arch" "$log" "${BOOT_RC[$arch]}"
  grep -aq 'EFI stub: Booting Linux Kernel' "$log" || fail "$arch: the kernel was not started by UEFI"
  grep -aq 'init: mounted /dev/vda2 on /' "$log" || fail "$arch: the initramfs did not mount the root partition"

  v=$(sgdisk -v $arch.img 2>&1) || fail "sgdisk -v $arch.img: $v"
  assert_contains "$arch: sgdisk -v after the boot" "$v" "No problems found"
  json=$(sfdisk --json $arch.img)
  start=$(jq -r '.partitiontable.partitions[1].start' <<<"$json")
  size=$(jq -r '.partitiontable.partitions[1].size' <<<"$json")
  dd if=$arch.img of=$arch-root.img bs=512 skip="$start" count="$size" status=none
  fsck_clean $arch-root.img
  expect_exit 0 "$LSBIMG" journal -b $arch.img:root
  assert_contains "$arch journal starts with the kernel" "$(head -n 3 <<<"$OUT")" "kernel: "
  assert_contains "$arch journal reaches the shutdown" "$(tail -n 3 <<<"$OUT")" "Journal stopped"
done
