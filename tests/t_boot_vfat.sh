# The Debian kernel's vfat driver reads an image lsbimg wrote: the image is the root file
# system of an arm64 boot (rootfstype=vfat) and its init, fatsum (tests/boot/fatsum.c),
# lists every directory and every file's size and checksum, then powers off. The same
# program run on the host over the tree the image was composed from must list the same:
# long and Unicode names, 300 entries in one directory, empty files and directories, holes.
. "$TOP/tests/lib.sh"
KERNEL=$TOP/out/kernels/arm64/vmlinuz

note "Debian kernel and our /init (make kernels initramfs-init; cached)"
make -s -C "$TOP" BUILD="$BUILD" kernels initramfs-init >make.log 2>&1 ||
  fail "make kernels initramfs-init: $(tail -n 5 make.log)"
shadow_checkout
rm shadow/layouts/initramfs-arm64.cfg
sed 's/load = \[\(.*\)\];/load = [\1, "vfat", "nls_cp437", "nls_ascii"];/' \
  "$TOP/layouts/initramfs-arm64.cfg" >shadow/layouts/initramfs-arm64.cfg
grep -q '"vfat", "nls_cp437"' shadow/layouts/initramfs-arm64.cfg || fail "cannot add vfat to the initramfs"
expect_exit 0 "$LSBIMG" compose -q --no-stage -o initrd.cpio.gz shadow/layouts/initramfs-arm64.cfg

note "the vfat image: a test tree and fatsum as /sbin/init"
mkdir -p src/sub/deeper src/empty src/many src/dev src/proc src/sys src/sbin
aarch64-linux-musl-gcc -static -O2 -o src/sbin/init "$TOP/tests/boot/fatsum.c" || fail "cannot build fatsum"
cc -O2 -o fatsum "$TOP/tests/boot/fatsum.c" || fail "cannot build fatsum for the host"
printf 'hello\n' >src/README.txt
printf 'x\n' >src/UPPER.TXT
printf 'y\n' >"src/Mixed Case Name.longextension"
printf 'u\n' >"src/ünïcödé.txt"
head -c 300000 /dev/urandom >src/sub/random.bin
printf 'head' >src/sub/holey; printf 'tail' | dd of=src/sub/holey bs=1M seek=8 conv=notrunc status=none
printf 'deep\n' >src/sub/deeper/f
: >src/sub/empty-file
for i in $(seq 1 300); do printf '%d\n' "$i" >"src/many/a-long-file-name-$i.txt"; done
printf 'image = { name = "v"; output = "v.img"; stage = ""; format = "vfat"; };\nentries = ( { type = "tree"; path = "/"; source = "src"; } );\n' >v.cfg
"$LSBIMG" compose -q v.cfg || fail "compose of v.img failed"
fsck.fat -n v.img >/dev/null || fail "fsck.fat -n v.img"
./fatsum src | tr -d '\r' | grep '^FAT' | LC_ALL=C sort >want

note "boot: fatsum lists the vfat root, then powers off"
start=$SECONDS
expect_exit 0 runqemu --arch arm64 --kernel "$KERNEL" --initrd initrd.cpio.gz --rootfs v.img \
  --append "quiet rootfstype=vfat" --timeout 120 --expect "FATSUM-END" --expect "reboot: Power down"
note "booted and listed in $((SECONDS - start)) s"
assert_contains "vfat root" "$OUT" "init: mounted /dev/vda on / (vfat, ro)"
tr -d '\r' <<<"$OUT" | grep '^FAT' | LC_ALL=C sort >got
diff -u want got >&2 || fail "the kernel's vfat driver lists other names, sizes or bytes"
assert_eq "files and directories" "$(grep -c '^FAT\(SUM\|DIR\) ' want)" "$(grep -c '^FAT\(SUM\|DIR\) ' got)"
echo ok
