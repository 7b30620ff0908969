# runqemu --dry-run: the QEMU command it builds (parsed back by bash itself) and its errors;
# for L4Re boot images as L4ReRust's runqemu.sh and setup.sh boot them: the image as a
# positional argument, bootstrap_bash_* first, Fiasco at EL2 with 1024 MB and 2 CPUs, and a
# warning when --rootfs names an image the boot image's own root module shadows.
. "$TOP/tests/lib.sh"
RQ=$TOP/scripts/runqemu

# words ARGS...: run runqemu --dry-run, split its output as the shell would into W[].
words() {
  expect_exit 0 "$RQ" --dry-run "$@"
  eval "W=($OUT)"
}
# has SEQ...: W[] holds the words SEQ consecutively.
has() {
  local i j
  for ((i = 0; i + $# <= ${#W[@]}; i++)); do
    for ((j = 0; j < $#; j++)); do
      local want=${*:j+1:1}
      [ "${W[i+j]}" == "$want" ] || continue 2
    done
    return 0
  done
  fail "'$*' not in: ${W[*]}"
}
lacks() { [[ " ${W[*]} " != *" $1 "* ]] || fail "'$1' unexpected in: ${W[*]}"; }

img=$PWD/distribution/images
mkdir -p "$img"
echo old >"$img/old.elf"
echo boot >"$img/boot.uimage"
echo mid >"$img/mid.elf"
echo root >"$img/lsb_root.img"
touch -d '2024-01-01 00:00' "$img/old.elf"
touch -d '2024-06-01 00:00' "$img/mid.elf"
touch -d '2025-01-01 00:00' "$img/boot.uimage"

note "defaults: newest boot image, staged rootfs, snapshot, no NIC, L4ReRust's machine"
words
assert_eq "qemu" qemu-system-aarch64 "${W[0]}"
has -M virt,virtualization=true -cpu cortex-a57 -m 1024 -smp 2
has -cpu cortex-a57
has -nographic
has -kernel "$img/boot.uimage"
has -drive "if=none,format=raw,id=rootfs,file=$img/lsb_root.img,snapshot=on"
has -device virtio-blk-device,drive=rootfs
has -nic none
lacks -append
lacks -initrd

note "the newest image wins, whatever its kind"
touch -d '2026-01-01 00:00' "$img/old.elf"
words
has -kernel "$img/old.elf"

note "--arch arm: its own default image, never the arm64 one"
expect_exit 1 runqemu --dry-run --arch arm
assert_contains "no armhf image yet" "$ERR" "no such image: $img/lsb_root-arm.img"
echo root32 >"$img/lsb_root-arm.img"
words --arch arm
assert_eq "qemu" qemu-system-arm "${W[0]}"
has -cpu cortex-a15
has -drive "if=none,format=raw,id=rootfs,file=$img/lsb_root-arm.img,snapshot=on"
has -M virt,virtualization=true -cpu cortex-a15 -m 1024 -smp 2

note "a boot image as positional argument, as L4ReRust's runqemu.sh takes it"
echo pos >"$img/mine.elf"
touch -d '2020-01-01 00:00' "$img/mine.elf"
words "$img/mine.elf"
has -kernel "$img/mine.elf"
words --rw "$img/mine.elf" -m 512
has -kernel "$img/mine.elf"
has -m 512
expect_exit 2 "$RQ" --dry-run --kernel "$img/old.elf" "$img/mine.elf"
assert_contains "two images" "$ERR" "two boot images: --kernel '$img/old.elf' and '$img/mine.elf'"
expect_exit 2 "$RQ" --dry-run "$img/old.elf" "$img/mine.elf"
assert_contains "two positionals" "$ERR" "two boot images: '$img/old.elf' and '$img/mine.elf'"

note "bootstrap_bash_* wins over newer boot images, the newest of them over older"
echo b1 >"$img/bootstrap_bash_arm_virt.uimage"
echo b2 >"$img/bootstrap_bash_arm_virt.elf"
touch -d '2019-01-01 00:00' "$img/bootstrap_bash_arm_virt.uimage"
touch -d '2019-06-01 00:00' "$img/bootstrap_bash_arm_virt.elf"
words
has -kernel "$img/bootstrap_bash_arm_virt.elf"
touch -d '2019-09-01 00:00' "$img/bootstrap_bash_arm_virt.uimage"
words
has -kernel "$img/bootstrap_bash_arm_virt.uimage"
rm "$img"/bootstrap_bash_arm_virt.*

note "L4Re defaults are overridable; Linux keeps QEMU's plain machine"
words -m 2048 -smp 4 --virtualization off
has -M virt -cpu cortex-a57 -m 2048 -smp 4
expect_exit 2 "$RQ" --dry-run --virtualization maybe
assert_contains "bad virtualization" "$ERR" "--virtualization wants on or off"

note "--rootfs, --rw, -m, -smp"
echo other >"other,1.img"
words --rootfs "other,1.img" --rw -m 256M -smp 2
has -drive "if=none,format=raw,id=rootfs,file=other,,1.img"
has -m 256M
has -smp 2

note "--no-rootfs"
words --no-rootfs
lacks -drive
lacks -device

note "-- passes the rest verbatim"
words -- -S -append "it's two words" --no-rootfs
has -nic none -S -append "it's two words" --no-rootfs
has -drive "if=none,format=raw,id=rootfs,file=$img/lsb_root.img,snapshot=on"

note "a Linux kernel gets a console and root= line; --append adds to it"
echo k >vmlinuz
echo i >initrd.gz
words --kernel vmlinuz --initrd initrd.gz --append "quiet init=/x"
has -kernel vmlinuz -initrd initrd.gz -append "console=ttyAMA0 root=/dev/vda ro quiet init=/x"
has -M virt -cpu cortex-a57 -m 1G -smp 1
words vmlinuz --virtualization on
has -M virt,virtualization=true
words --kernel vmlinuz --no-rootfs --rw
has -append "console=ttyAMA0 rw"

note "--linux takes the kernel and initramfs from out/"
mkdir -p out/kernels/arm out/initramfs/arm
echo k >out/kernels/arm/vmlinuz
echo i >out/initramfs/arm/initramfs.cpio.gz
words --linux --arch arm
has -kernel "$PWD/out/kernels/arm/vmlinuz" -initrd "$PWD/out/initramfs/arm/initramfs.cpio.gz"
LSBIMG_TOP=$PWD words --linux --arch arm
has -append "console=ttyAMA0 root=/dev/vda ro"

note "--rootfs with an L4Re image that carries its own lsb_root.img module: a warning"
printf 'bootstrap\0modules\0rom/lsb_root.img\0rom/bash.cfg\0' >"$img/withroot.elf"
words "$img/withroot.elf"
[[ $ERR != *warning* ]] || fail "warning without --rootfs: $ERR"
words "$img/withroot.elf" --rootfs "other,1.img"
assert_contains "own root module" "$ERR" "runqemu: warning: $img/withroot.elf carries lsb_root.img as a boot module: the L4Re system runs on that one; other,1.img is only attached as a virtio disk it does not mount"
has -drive "if=none,format=raw,id=rootfs,file=other,,1.img,snapshot=on"
words "$img/boot.uimage" --rootfs "other,1.img"
[[ $ERR != *warning* ]] || fail "warning for an image without the module: $ERR"
words --linux --arch arm --rootfs "other,1.img"
[[ $ERR != *warning* ]] || fail "warning for Linux: $ERR"
# A gzip-compressed uImage (compression byte 1 at offset 31): the module name is inside.
{ head -c 31 /dev/zero; printf '\001'; head -c 32 /dev/zero; printf 'x\0rom/lsb_root.img\0' | gzip -c; } >"$img/gz.uimage"
words "$img/gz.uimage" --rootfs "other,1.img"
assert_contains "gzip'd uImage" "$ERR" "gz.uimage carries lsb_root.img as a boot module"

note "errors"
expect_exit 2 "$RQ" --dry-run --arch x86_64
assert_contains "unknown arch" "$ERR" "unknown arch 'x86_64'"
expect_exit 2 "$RQ" --dry-run --timeout soon
assert_contains "bad timeout" "$ERR" "--timeout"
expect_exit 2 "$RQ" --dry-run --bogus
assert_contains "bad option" "$ERR" "unknown option '--bogus'"
expect_exit 1 "$RQ" --dry-run --linux
assert_contains "no kernel" "$ERR" "make kernels initramfs"

mkdir empty
(cd empty && expect_exit 1 "$RQ" --dry-run && assert_contains "no image" "$ERR" "no boot image: no *.elf or *.uimage in $PWD/distribution/images")
expect_exit 1 "$RQ" --dry-run --rootfs missing.img
assert_contains "missing rootfs" "$ERR" "no such image: missing.img"
expect_exit 1 "$RQ" --dry-run --kernel missing.elf
assert_contains "missing kernel" "$ERR" "no such image: missing.elf"
mkdir dir.img
expect_exit 1 "$RQ" --dry-run --rootfs dir.img
assert_contains "directory rootfs" "$ERR" "cannot read image: dir.img: not a regular file"
# Root reads anything: check permissions as an unprivileged user.
cp "$img/lsb_root.img" "$TMPDIR/secret.img"
chmod 0600 "$TMPDIR/secret.img"
install -m 0755 "$RQ" "$TMPDIR/runqemu"
chmod o+rx "$TMPDIR"
(cd "$TMPDIR" && expect_exit 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
  env LSBIMG_TOP="$TMPDIR" ./runqemu --dry-run --kernel "$img/boot.uimage" --rootfs secret.img)
assert_contains "unreadable rootfs" "$(cat "$TMPDIR/.err")" "cannot read image: secret.img: permission denied"

note "--disk: UEFI firmware and the whole disk, no kernel"
echo disk >whole.img
words --disk whole.img
has -M virt -cpu cortex-a57 -m 1G -smp 1
has -drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd
has -drive if=pflash,format=raw,unit=1,file=VARS.fd
has -drive if=none,format=raw,id=rootfs,file=whole.img,snapshot=on -device virtio-blk-device,drive=rootfs
lacks -kernel
lacks -append
words --disk whole.img --rw --arch arm
has -drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/AAVMF/AAVMF32_CODE.fd
has -drive if=none,format=raw,id=rootfs,file=whole.img
for opt in --linux "--kernel whole.img" "--rootfs whole.img" "--append x"; do
  # shellcheck disable=SC2086
  expect_exit 2 "$RQ" --dry-run --disk whole.img $opt
  assert_contains "--disk with $opt" "$ERR" "--disk boots the disk's own loader"
done
expect_exit 1 "$RQ" --dry-run --disk missing.img
assert_contains "missing disk" "$ERR" "no such image: missing.img"

# No QEMU on PATH: runqemu names the package to install.
mkdir bin
expect_exit 1 env PATH="$PWD/bin" "$BASH" "$RQ" --dry-run
assert_contains "no qemu" "$ERR" "qemu-system-aarch64 not found; install the Debian package qemu-system-arm"
expect_exit 1 env PATH="$PWD/bin" "$BASH" "$RQ" --dry-run --arch arm
assert_contains "no qemu (arm)" "$ERR" "qemu-system-arm not found"
echo ok
