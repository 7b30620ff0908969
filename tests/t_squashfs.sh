# image.format = "squashfs": every entry kind, owners, times, hard links, devices and holes,
# read back by the kernel's squashfs driver (a read-only loop mount), by squashfs-tools-ng's
# sqfs2tar with GNU tar, and by unsquashfs; each compressor and block size; the same layout
# gives the same bytes. Then lsbimg's own reader of squashfs against the mount.
. "$TOP/tests/lib.sh"

mkdir -p src/sub/deeper src/many
printf 'plain\n' >src/plain
printf '#!/bin/sh\necho hi\n' >src/script; chmod 0755 src/script
head -c 300000 /dev/urandom >src/random
head -c 70000 /dev/urandom >src/sub/deeper/mid; chmod 4755 src/sub/deeper/mid
for i in $(seq 1 300); do printf 'file %d\n' "$i" >"src/many/f$i"; done
ln src/plain src/sub/plain-link                    # a hard link across directories
ln -s plain src/rel-link
ln -s /etc/os-release src/abs-link
# Holes: data at both ends of 64 MiB.
printf 'head' >src/holey; printf 'tail' | dd of=src/holey bs=1M seek=64 conv=notrunc status=none
mkfifo src/fifo
: >src/empty
chmod 0700 src/sub
cat >base.cfg <<'EOF2'
entries = (
  { type = "tree"; path = "/"; source = "src"; uid = 1000; gid = 100; },
  { type = "text"; path = "/etc/high"; text = "x"; uid = 100000; gid = 200000; },
  { type = "chr"; path = "/dev/console"; major = 5; minor = 1; mode = "0620"; gid = 5; },
  { type = "blk"; path = "/dev/nvme"; major = 259; minor = 70000; mode = "0660"; }
);
EOF2
layout() { # NAME IMAGE-KEYS
  { printf 'image = { name = "%s"; output = "%s.sqfs"; stage = ""; format = "squashfs"; %s };\n' "$1" "$1" "$2"
    cat base.cfg; } >"$1.cfg"
}
# The reference: the source as the layout defines it (owner 1000:100 below the root, the
# image's time); chown clears the set-id bit, so it is set again.
cp -a src ref
chown -hR 1000:100 ref
chown 0:0 ref
chmod 4755 ref/sub/deeper/mid
find ref -exec touch -h -d @1700000000 {} +

check_image() { # NAME BLOCK-SIZE
  local img=$1.sqfs bs=$2
  note "$img: kernel mount"
  mkdir -p "m-$1"
  mount -o loop,ro -t squashfs "$img" "m-$1" || fail "the kernel cannot mount $img"
  trap "umount m-$1" EXIT
  same_tree ref "m-$1" etc dev || fail "$img: the mounted tree differs from its source"
  assert_eq "owner above 16 bits" "100000:200000" "$(stat -c '%u:%g' "m-$1/etc/high")"
  assert_eq "console" "5 1 620 0:5" "$(printf '%d %d' 0x$(stat -c '%t 0x%T' "m-$1/dev/console")) $(stat -c '%a %u:%g' "m-$1/dev/console")"
  assert_eq "nvme" "259 70000" "$(printf '%d %d' 0x$(stat -c '%t 0x%T' "m-$1/dev/nvme"))"
  assert_eq "hard link" "$(stat -c '%i 2' "m-$1/plain")" "$(stat -c '%i %h' "m-$1/sub/plain-link")"
  # The 64 MiB file keeps its holes: the kernel counts the bytes of its blocks that are not
  # sparse, the first block and the tail.
  [ "$(stat -c %b "m-$1/holey")" -le $((bs / 512 + 1)) ] ||
    fail "$img: holey takes $(stat -c %b "m-$1/holey") sectors"
  umount "m-$1"; trap - EXIT

  note "$img: sqfs2tar and GNU tar"
  rm -rf "x-$1" && mkdir "x-$1"
  sqfs2tar "$img" | tar -x --numeric-owner -C "x-$1" || fail "sqfs2tar | tar -x of $img failed"
  touch -d @1700000000 "x-$1"   # sqfs2tar writes no member for the root
  same_tree ref "x-$1" etc dev || fail "$img: sqfs2tar's tree differs from the source"
  note "$img: unsquashfs"
  unsquashfs -lln "$img" >"$1.lln" || fail "unsquashfs -lln $img"
  grep -qE '^-rw-r--r-- 1000/100 +6 2023-11-14 22:13 squashfs-root/plain$' "$1.lln" ||
    fail "unsquashfs lists plain otherwise: $(grep /plain "$1.lln")"
}

layout gz ''
"$LSBIMG" compose -q gz.cfg
check_image gz 131072
size=$(stat -c %s gz.sqfs)
[ "$size" -lt $((1 << 20)) ] || fail "gz.sqfs is $size bytes: the holes were stored"
assert_eq "padded to 4 KiB" 0 $((size % 4096))
assert_eq "superblock time" "1700000000" "$(unsquashfs -mkfs-time gz.sqfs)"

for c in xz zstd; do
  layout "$c" "compressor = \"$c\"; block_size = 4096;"
  "$LSBIMG" compose -q "$c.cfg"
  assert_contains "$c compressor" "$(unsquashfs -s "$c.sqfs")" "Compression $c"
  assert_contains "$c block size" "$(unsquashfs -s "$c.sqfs")" "Block size 4096"
  check_image "$c" 4096
done
layout big 'block_size = 1048576;'
"$LSBIMG" compose -q big.cfg
assert_contains "1 MiB blocks" "$(unsquashfs -s big.sqfs)" "Block size 1048576"
check_image big 1048576

note "extended attributes: from a pax archive, read back through the kernel"
python3 - <<'PY' || fail "cannot write x.tar"
import io, tarfile
with tarfile.open("x.tar", "w", format=tarfile.PAX_FORMAT) as t:
    i = tarfile.TarInfo("f"); i.size = 3; i.mtime = 1700000000
    i.pax_headers = {"SCHILY.xattr.user.test": "hello", "SCHILY.xattr.trusted.t": "x"}
    t.addfile(i, io.BytesIO(b"abc"))
PY
printf 'image = { name = "x"; output = "x.sqfs"; stage = ""; format = "squashfs"; };\nentries = ( { type = "archive"; path = "/"; source = "x.tar"; } );\n' >x.cfg
"$LSBIMG" compose -q x.cfg || fail "compose of x.cfg"
mkdir -p mx && mount -o loop,ro -t squashfs x.sqfs mx
trap 'umount mx' EXIT
assert_eq "user xattr" "hello" "$(python3 -c 'import os; print(os.getxattr("mx/f", "user.test").decode())')"
assert_eq "trusted xattr" "x" "$(python3 -c 'import os; print(os.getxattr("mx/f", "trusted.t").decode())')"
umount mx; trap - EXIT

note "the same layout gives the same bytes, wherever and whenever composed"
mkdir -p again && cp -a src base.cfg gz.cfg again/
(cd again && sleep 1 && "$LSBIMG" compose -q gz.cfg)
cmp gz.sqfs again/gz.sqfs || fail "two composes of one layout differ"

note "lsbimg reads squashfs as the kernel does"
mkdir -p m
mount -o loop,ro -t squashfs gz.sqfs m
trap 'umount m' EXIT
ls_vs_mount gz.sqfs m nodirsize
"$LSBIMG" cat gz.sqfs /random | cmp - m/random || fail "lsbimg cat /random differs"
"$LSBIMG" cat gz.sqfs /holey | cmp - m/holey || fail "lsbimg cat /holey differs"
expect_exit 0 "$LSBIMG" stat -L gz.sqfs /rel-link
assert_contains "stat -L" "$OUT" "size: 6"
expect_exit 0 "$LSBIMG" info gz.sqfs
assert_contains "info" "$OUT" "type: squashfs"
assert_contains "info" "$OUT" "compressor: gzip"
expect_exit 0 "$LSBIMG" extract gz.sqfs out
same_tree m out || fail "lsbimg extract differs from the mount"
umount m; trap - EXIT
# diff across formats: the layout as ext4 holds the same files, and lost+found.
sed 's/format = "squashfs";/format = "ext4";/; s/"gz.sqfs"/"gz.img"/' gz.cfg >e.cfg
"$LSBIMG" compose -q e.cfg
expect_exit 1 "$LSBIMG" diff gz.img gz.sqfs
assert_eq "diff ext4 squashfs" "- /lost+found (dir)" "$OUT"
expect_exit 0 "$LSBIMG" diff gz.sqfs xz.sqfs   # the same files, another compressor
sed 's/text = "x";/text = "y";/' xz.cfg >y.cfg
sed -i 's/"xz.sqfs"/"y.sqfs"/' y.cfg
"$LSBIMG" compose -q y.cfg
expect_exit 1 "$LSBIMG" diff gz.sqfs y.sqfs
assert_eq "diff" "~ /etc/high: content" "$OUT"

note "a truncated image is refused, exit 2"
head -c 100000 gz.sqfs >trunc.sqfs
expect_exit 2 "$LSBIMG" ls trunc.sqfs /
assert_contains "truncated" "$ERR" "trunc.sqfs: error: not a readable squashfs image"
