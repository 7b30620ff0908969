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
image = { name = "d"; output = "d.img"; stage = ""; };
entries = ( { type = "tree"; path = "/"; source = "src"; } );
EOF2
"$LSBIMG" compose -q d.cfg
fsck_clean d.img
ro_mount d.img mnt
trap 'ro_umount mnt' EXIT
note "mounted with $MOUNT_KIND"
diff -r --no-dereference src/many mnt/many || fail "small files differ from their sources"
diff -r --no-dereference src/edge mnt/edge || fail "edge-size files differ from their sources"
# Holes stay holes: debugfs counts the blocks each file really has (4 KiB blocks).
blocks() { dbg d.img "stat \"$1\"" | sed -n 's/.*Blockcount: *\([0-9]*\).*/\1/p' | head -1; }
big=$(blocks /edge/holey-big)
[ "$big" -lt $(( 2 * 1024 * 8 )) ] || fail "holey-big has $big sectors: its 64 MiB hole was filled"
tail=$(blocks /edge/tailhole)
[ "$tail" -le 24 ] || fail "tailhole has $tail sectors: its trailing hole was filled"
