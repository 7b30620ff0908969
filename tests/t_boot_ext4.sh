# The project's arm64 layout (common.cfg, musl, Debian's systemd, the units) composed as
# ext4 boots with systemd to the capsprint line and a clean power-off; the console shows the
# kernel's ext4 driver mounting it as ext4 with its journal.
. "$TOP/tests/lib.sh"
. "$TOP/tests/boot/systemd.sh"

FORMAT=ext4 systemd_image sd.img
grep -q 'Filesystem features:.*has_journal.*extent.*metadata_csum' < <(dumpe2fs -h sd.img 2>/dev/null) ||
  fail "sd.img is not ext4: $(dumpe2fs -h sd.img 2>&1 | grep features)"

note "boot: systemd 252, the capsprint line, a clean power-off"
systemd_boot sd.img
assert_contains "ext4 mount" "$OUT" "EXT4-fs (vda): mounted filesystem"
[[ $OUT != *"mounting ext2 file system"* ]] || fail "the kernel mounted it as ext2"
[[ $OUT != *"Failed to start capsprint.service"* ]] || fail "capsprint.service failed"
[[ $OUT != *"Freezing execution"* && $OUT != *"Kernel panic"* ]] || fail "boot crashed"
echo ok
