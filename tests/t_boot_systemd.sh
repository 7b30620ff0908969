# Boot truth with systemd: Debian's arm64 systemd 252, read from its packages, is the
# image's /sbin/init; it starts the enabled capsprint.service with the L4_CAP_* variables of
# its unit file and of the layout's mapping drop-in, and powers off when it finishes.
. "$TOP/tests/lib.sh"
. "$TOP/tests/boot/systemd.sh"

systemd_image sd.img

note "what the packages put in the image, read back with debugfs and readelf"
assert_eq "/sbin/init" "/lib/systemd/systemd" "$(link_dest sd.img /usr/sbin/init)"
dump sd.img /usr/lib/systemd/systemd systemd.bin
grep -q 'Machine: *AArch64' < <(readelf -h systemd.bin) || fail "systemd is not an AArch64 program"
grep -q 'interpreter: /lib/ld-linux-aarch64.so.1' < <(readelf -l systemd.bin) || fail "systemd's interpreter"
ver=$(dpkg-deb -f "$TOP"/out/debs/systemd-arm64/systemd_*.deb Version)
[[ $ver == 252.* ]] || fail "systemd package version $ver, want 252"
assert_eq "machine-id size" 0 "$(stat_field sd.img /etc/machine-id Size)"
assert_eq "/var/run" "../run" "$(link_dest sd.img /var/run)"
assert_eq "/var/lock" "../run/lock" "$(link_dest sd.img /var/lock)"
links=$(dbg sd.img "ls -p /etc/systemd/system/multi-user.target.wants")
assert_contains "capsprint enabled" "$links" "/capsprint.service/"
assert_eq "getty.target masked" "/dev/null" "$(link_dest sd.img /etc/systemd/system/getty.target)"
dump sd.img /etc/systemd/system/capsprint.service.d/50-l4-caps.conf dropin.conf
assert_contains "mapping drop-in" "$(cat dropin.conf)" 'Environment="L4_CAP_GLOBAL_EPOLL=global_epoll"'

note "users and groups: the layout's plus the packages' sysusers.d, as systemd-sysusers --root"
printf '@include "common.cfg"\n' >shadow/layouts/base.cfg
expect_exit 0 "$LSBIMG" compose -q --no-stage -o base.img shadow/layouts/base.cfg
mkdir -p oracle/etc oracle/usr/lib
for f in passwd group shadow; do dump base.img /etc/$f oracle/etc/$f; done
debugfs -R "rdump /usr/lib/sysusers.d oracle/usr/lib" sd.img >/dev/null 2>&1
[ -f oracle/usr/lib/sysusers.d/systemd-journal.conf ] || fail "no sysusers.d/systemd-journal.conf from the packages"
systemd-sysusers --root="$PWD/oracle" >sysusers.log 2>&1 || fail "systemd-sysusers: $(cat sysusers.log)"
for f in passwd group; do
  dump sd.img /etc/$f $f
  diff -u oracle/etc/$f $f || fail "/etc/$f differs from systemd-sysusers'"
done
grep -q '^systemd-journal:' group || fail "no systemd-journal group: $(cat group)"

note "boot: systemd 252, the capsprint line with all three variables, a clean power-off"
systemd_boot sd.img
assert_contains "systemd as PID 1" "$OUT" "systemd[1]: systemd 252"
[[ $OUT != *"Failed to start capsprint.service"* ]] || fail "capsprint.service failed"
[[ $OUT != *"Freezing execution"* && $OUT != *"Kernel panic"* ]] || fail "boot crashed"
echo ok
