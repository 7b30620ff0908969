# runqemu --dry-run: the QEMU command it builds (parsed back by bash itself) and its errors.
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

note "defaults: newest boot image, staged rootfs, snapshot, no NIC"
words
assert_eq "qemu" qemu-system-aarch64 "${W[0]}"
has -M virt
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

# No QEMU on PATH: runqemu names the package to install.
mkdir bin
expect_exit 1 env PATH="$PWD/bin" "$BASH" "$RQ" --dry-run
assert_contains "no qemu" "$ERR" "qemu-system-aarch64 not found; install the Debian package qemu-system-arm"
expect_exit 1 env PATH="$PWD/bin" "$BASH" "$RQ" --dry-run --arch arm
assert_contains "no qemu (arm)" "$ERR" "qemu-system-arm not found"
echo ok
