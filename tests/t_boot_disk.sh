# The whole arm64 disk (layouts/disk-arm64.cfg) booted as a person boots it: `runqemu
# --disk --rw`, UEFI firmware (AAVMF) finding systemd-boot on the ESP, its Boot Loader
# Specification entry starting Debian's kernel with lsbimg's initramfs, which mounts the
# root partition; no -kernel anywhere. The console is driven with expect
# (tests/boot/console.exp): a root shell prompt, no failed unit, poweroff ends QEMU. Then
# the disk: sgdisk -v, e2fsck -fn of the root partition cut out at its offset, and its
# journal read in place (lsbimg journal DISK:root) reaching the shutdown.
. "$TOP/tests/lib.sh"
for t in expect sgdisk sfdisk jq; do
  command -v $t >/dev/null || fail "$t missing (scripts/deps.sh test)"
done

note "kernels, initramfs, packages, systemd-boot (make; cached)"
make -s -C "$TOP" BUILD="$BUILD" kernels initramfs debs out/boot/arm64/efi/systemd-bootaa64.efi \
  >make.log 2>&1 || fail "make: $(tail -n 5 make.log)"

expect_exit 0 "$LSBIMG" compose -q --no-stage -o disk.img "$TOP/layouts/disk-arm64.cfg"
expect_exit 0 "$LSBIMG" ls disk.img:esp /EFI/BOOT
assert_eq "loader on the ESP" BOOTAA64.EFI "$OUT"
expect_exit 0 "$LSBIMG" cat disk.img:esp /loader/entries/lsb.conf
assert_contains "BLS entry" "$OUT" "options console=ttyAMA0 root=/dev/vda2"

LSBIMG_TOP=$TOP PATH=$TOP/scripts:$PATH expect "$TOP/tests/boot/console.exp" arm64 "$PWD/disk.img" 420 disk \
  >console 2>&1 || fail "$(grep '@@ERROR' console || true); console tail: $(tail -n 15 console)"
grep -aq 'EFI stub: Booting Linux Kernel' console || fail "the kernel was not started by UEFI"
grep -aq 'init: mounted /dev/vda2 on /' console || fail "the initramfs did not mount the root partition"
note "prompt after $(sed -n 's/^@@PROMPT //p' console | tr -d '\r') s; $(grep -ao 'Startup finished in .*s' console | tail -n 1)"
assert_eq "failed units" 0 "$(sed -n 's/^@@FAILED //p' console | tr -d '\r')"
assert_eq "job control" yes "$(sed -n 's/^@@JOBCONTROL //p' console | tr -d '\r')"
grep -q 'reboot: Power down' console || fail "no power-down on the console"
grep -aq '@@END' console || fail "QEMU did not end by itself"

v=$(sgdisk -v disk.img 2>&1) || fail "sgdisk -v: $v"
assert_contains "sgdisk -v after the boot" "$v" "No problems found"
json=$(sfdisk --json disk.img)
start=$(jq -r '.partitiontable.partitions[1].start' <<<"$json")
size=$(jq -r '.partitiontable.partitions[1].size' <<<"$json")
dd if=disk.img of=root.img bs=512 skip="$start" count="$size" status=none
fsck_clean root.img
expect_exit 0 "$LSBIMG" journal -b disk.img:root
assert_contains "journal starts with the kernel" "$(head -n 3 <<<"$OUT")" "kernel: "
assert_contains "journal reaches the shutdown" "$(tail -n 3 <<<"$OUT")" "Journal stopped"
