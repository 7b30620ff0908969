# Boot with systemd, shared by t_boot_systemd.sh and t_journal_boot.sh: an arm64 image of
# the project's layout carrying Debian's systemd 252 as /sbin/init (make debs), the
# project's units, and capsprint.service, which prints the L4_CAP_* variables systemd passes
# it (two from the unit file, one from a layout mapping drop-in) and powers the machine off.
CAPS_LINE="LSBIMG-CAPS L4_CAP_GLOBAL_EPOLL=global_epoll L4_CAP_GLOBAL_FS=global_fs L4_CAP_LSB_ROOT=lsb_root"
KERNEL=$TOP/out/kernels/arm64/vmlinuz

# systemd_image IMAGE: compose it (and initrd.cpio.gz) in the current directory; with
# FORMAT set, the layouts' image.cfg with image.format FORMAT (plus the image keys in
# IMAGE_KEYS); SD_ENTRIES adds layout entries.
systemd_image() {
  local img=$1
  note "Debian kernel, our /init, systemd packages (make kernels initramfs-init debs; cached)"
  make -s -C "$TOP" BUILD="$BUILD" kernels initramfs-init debs >make.log 2>&1 ||
    fail "make kernels initramfs-init debs: $(tail -n 5 make.log)"
  expect_exit 0 "$LSBIMG" compose -q --no-stage -o initrd.cpio.gz "$TOP/layouts/initramfs-arm64.cfg"

  note "image: common.cfg, musl, systemd from out/debs/systemd-arm64, units/ + capsprint"
  aarch64-linux-musl-gcc -O2 -o capsprint "$TOP/tests/boot/capsprint.c" || fail "cannot build capsprint"
  shadow_checkout
  local image=""
  [ -z "${FORMAT:-}" ] || image="image = {
  @include \"image.cfg\"
  format = \"$FORMAT\"; ${IMAGE_KEYS:-}
};"
  cat >shadow/layouts/sdboot.cfg <<CFG
@include "common.cfg"
$image
musl = { arch = "aarch64"; };
systemd = {
  debs = "../out/debs/systemd-arm64";
  units = [ "../units", "$TOP/tests/boot/units" ];
  enable = [ "fs_server.service", "net_server.service", "epoll_server.service",
             "fd_server.service", "aio_server.service", "bash.service", "capsprint.service" ];
  mappings = ( { unit = "capsprint.service"; env = { L4_CAP_GLOBAL_EPOLL = "global_epoll"; }; } );
  default_target = "multi-user.target";
  mask = [ "getty.target" ];
  machine_id = "empty";
  caps_cfg = "../cfg/bash.cfg";
};
entries_test = (
  { type = "file"; path = "/usr/bin/capsprint"; source = "$PWD/capsprint"; mode = "0755"; }
  ${SD_ENTRIES:-}
);
CFG
  expect_exit 0 "$LSBIMG" compose -q --no-stage -o "$img" shadow/layouts/sdboot.cfg
  case ${FORMAT:-ext2} in ext2|ext4) fsck_clean "$img" ;; esac
}

# systemd_boot IMAGE [RUNQEMU-ARGS...]: boot it until the capsprint line and the power-off;
# the console is in $OUT.
systemd_boot() {
  local img=$1 start=$SECONDS; shift
  expect_exit 0 runqemu --arch arm64 --kernel "$KERNEL" --initrd initrd.cpio.gz --rootfs "$img" \
    --timeout 240 "$@" --expect "systemd 252" --expect "$CAPS_LINE" --expect "reboot: Power down"
  note "systemd boot to power-off in $((SECONDS - start)) s"
}
