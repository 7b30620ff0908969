# File data through every path of the writer: small files staged back to back (across the
# 1 MiB stage and the 64 KiB small-run limit, sizes on and off block boundaries), large
# files copied whole, holes in small and large files; read back by the kernel and e2fsck.
. "$TOP/tests/lib.sh"

mkdir -p src/many src/edge
# 600 files of 0..70000 bytes: consecutive small runs fill and flush the stage many times.
for i in $(seq 1 600); do head -c $(( (i * 7919) % 70001 )) /dev/urandom > "src/many/f$i"; done
for n in 1 4095 4096 4097 65535 65536 65537 1048576 1048577; do
  head -c "$n" /dev/urandom > "src/edge/s$n"
done
# Holes: a small file with a hole between two data blocks, a large one with data at both
# ends of 64 MiB and a hole at the end of another.
printf 'head' > src/edge/holey-small; printf 'tail' | dd of=src/edge/holey-small bs=1 seek=40000 conv=notrunc status=none
head -c 100000 /dev/urandom > src/edge/holey-big
head -c 100000 /dev/urandom | dd of=src/edge/holey-big bs=1M seek=63 conv=notrunc status=none
head -c 10000 /dev/urandom > src/edge/tailhole; truncate -s 20M src/edge/tailhole
cat > d.cfg <<'EOF2'
image = { name = "d"; output = "d.img"; stage = ""; timestamp = 1700000000; block_size = 4096; };
entries = ( { type = "tree"; path = "/"; source = "src"; } );
EOF2
"$LSBIMG" compose -q d.cfg
fsck_clean d.img
ro_mount d.img mnt
trap 'ro_umount mnt' EXIT
note "mounted with $MOUNT_KIND"
# The image's times are image.timestamp and a tree entry's owner is root: the source tree
# takes them too, then both trees must list alike and hold the same bytes.
find src -exec touch -h -d @1700000000 {} +
same_tree src/many mnt/many || fail "small files differ from their sources"
same_tree src/edge mnt/edge || fail "edge-size files differ from their sources"
# Holes stay holes: debugfs counts the 512-byte sectors each file really has (4 KiB blocks,
# so 8 per block), and the kernel agrees. holey-small: blocks 0 and 9 (no indirect block);
# holey-big: 25 data blocks at each end, an indirect block for the first end, a double
# indirect and an indirect one for the other; tailhole: 3 data blocks.
blocks() { dbg d.img "stat \"$1\"" | sed -n 's/.*Blockcount: *\([0-9]*\).*/\1/p' | head -1; }
assert_eq "holey-small sectors" 16 "$(blocks /edge/holey-small)"
assert_eq "holey-small sectors, kernel" 16 "$(stat -c %b mnt/edge/holey-small)"
assert_eq "holey-big sectors (50 data, 3 indirect blocks)" 424 "$(blocks /edge/holey-big)"
assert_eq "tailhole sectors" 24 "$(blocks /edge/tailhole)"
