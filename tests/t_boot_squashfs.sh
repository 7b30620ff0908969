# A read-only root: the arm64 layout (common.cfg, musl, Debian's systemd, the units) composed
# as squashfs boots with systemd to the capsprint line and a clean power-off. What systemd
# must write goes to tmpfs (docs/layout.md, "A read-only root"): /etc/fstab mounts /tmp,
# /var/tmp, /var/lib, /var/cache and /var/log as tmpfs, and the empty /etc/machine-id is
# filled in /run by systemd itself.
. "$TOP/tests/lib.sh"
. "$TOP/tests/boot/systemd.sh"

FSTAB='/dev/vda / squashfs ro 0 0\ntmpfs /tmp tmpfs mode=1777,nosuid,nodev 0 0\ntmpfs /var/tmp tmpfs mode=1777,nosuid,nodev 0 0\ntmpfs /var/lib tmpfs mode=0755 0 0\ntmpfs /var/cache tmpfs mode=0755 0 0\ntmpfs /var/log tmpfs mode=0755 0 0\n'
FORMAT=squashfs SD_ENTRIES=", { type = \"text\"; path = \"/etc/fstab\"; override = true; text = \"$FSTAB\"; }" \
  systemd_image sd.sqfs
grep -q 'Compression gzip' < <(unsquashfs -s sd.sqfs) || fail "sd.sqfs is not squashfs"
assert_eq "initramfs loads squashfs" 1 "$(gzip -dc initrd.cpio.gz | cpio -it --quiet | grep -c '/squashfs\.ko$')"

note "boot: systemd 252, the capsprint line, a clean power-off, the root read-only"
systemd_boot sd.sqfs --append "rootfstype=squashfs"
assert_contains "squashfs root" "$OUT" "init: mounted /dev/vda on / (squashfs, ro)"
for m in tmp var-tmp var-lib var-cache var-log; do
  grep -q "Mounted .*$m\.mount" <<<"$OUT" || fail "no tmpfs on ${m//-//} (fstab)"
done
[[ $OUT != *"Failed to start capsprint.service"* ]] || fail "capsprint.service failed"
[[ $OUT != *"Failed to mount"* ]] || fail "a mount failed: $(grep 'Failed to mount' <<<"$OUT")"
[[ $OUT != *"Freezing execution"* && $OUT != *"Kernel panic"* ]] || fail "boot crashed"
echo ok
