# `make image` composes the default arm64 layout and stages it; both copies are clean.
. "$TOP/tests/lib.sh"
make -C "$TOP" image >make.log 2>&1 || { cat make.log; fail "make image failed"; }
fsck_clean "$TOP/out/images/lsb_root.img"
fsck_clean "$TOP/distribution/images/lsb_root.img"
cmp "$TOP/out/images/lsb_root.img" "$TOP/distribution/images/lsb_root.img" || fail "staged copy differs"
for p in /etc/lsb-release /usr/lib/os-release /etc/passwd /etc/group /etc/fstab /etc/machine-id; do
  grep -q regular < <(stat_field "$TOP/out/images/lsb_root.img" "$p" Type) || fail "$p missing"
done
for l in bin:usr/bin sbin:usr/sbin lib:usr/lib; do
  assert_contains "/${l%%:*}" "$(dbg "$TOP/out/images/lsb_root.img" "stat /${l%%:*}")" "Fast link dest: \"${l#*:}\""
done
