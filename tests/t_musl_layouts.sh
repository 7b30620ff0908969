# Acceptance 1: the default arm64 image (and the armhf one from layouts/arm.cfg) holds
# /lib/ld-musl-<arch>.so.1 resolving inside the image (kernel mount) to a shared object of
# the right machine (debugfs dump + readelf -h), and the library path file.
. "$TOP/tests/lib.sh"
. "$TOP/tests/musl.sh"

for spec in "arm64.cfg aarch64 AArch64 aarch64-linux-musl" "arm.cfg armhf ARM arm-linux-musleabihf"; do
  read -r layout arch machine triplet <<<"$spec"
  note "$layout"
  rm -f t.img
  expect_exit 0 "$LSBIMG" compose --no-stage -o t.img "$TOP/layouts/$layout"
  fsck_clean t.img
  loader=/lib/ld-musl-$arch.so.1
  assert_eq "$layout loader type" symlink "$(stat_field t.img "$loader" Type)"
  target=$(link_dest t.img "$loader")
  [[ $target != /* ]] || fail "$layout: $loader points at the absolute path $target"
  ro_mount t.img mnt
  real=$(readlink -f "mnt$loader") || true
  inside=no; [[ $real == "$PWD/mnt/"* ]] && inside=yes
  ro_umount mnt
  assert_eq "$layout loader stays in the image" yes "$inside"
  dump t.img "${real#"$PWD/mnt"}" libc
  assert_eq "$layout libc machine" "$machine" "$(machine_of libc)"
  assert_eq "$layout libc type" DYN "$(type_of libc)"
  dump t.img "/etc/ld-musl-$arch.path" path
  assert_contains "$layout path file" "$(cat path)" "/usr/lib/$triplet"
  rm -f libc path
  expect_exit 0 "$LSBIMG" check t.img
done
