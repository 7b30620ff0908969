# image.format = "ext4": mke2fs's ext4 features (dumpe2fs), the journal's size (default
# and configured), identities derived from the layout and nothing else (cmp of two composes,
# UUID and checksum seed change with the layout), hash-tree directories (debugfs htree,
# e2fsck's pass 2, the kernel's lookups), dir_nlink, and the link limit.
. "$TOP/tests/lib.sh"

features="has_journal ext_attr dir_index filetype extent 64bit flex_bg sparse_super large_file huge_file dir_nlink extra_isize metadata_csum"
sb() { dumpe2fs -h "$1" 2>/dev/null | sed -n "s/^$2: *//p"; }

mkdir -p src/etc src/wide
printf 'x\n' > src/etc/hostname
(cd src/wide && seq 1 5000 | sed 's/^/a-name-of-some-length-/' | xargs touch)
cat > e.cfg <<'EOF2'
image = { name = "e"; output = "e.img"; stage = ""; format = "ext4"; };
entries = ( { type = "tree"; path = "/"; source = "src"; } );
EOF2
"$LSBIMG" compose -q e.cfg
fsck_clean e.img
assert_eq "features" "$features" "$(sb e.img 'Filesystem features')"
assert_eq "checksum type" "crc32c" "$(sb e.img 'Checksum type')"
assert_eq "flex_bg size" "16" "$(sb e.img 'Flex block group size')"
# The unsigned hash flag alone (the kernel and e2fsck pick the hash from it).
assert_eq "directory hash flags" "unsigned_directory_hash" "$(sb e.img 'Filesystem flags' | xargs)"
# mke2fs's default journal for this size: 1024 blocks below 128 MiB.
assert_eq "default journal" "4096k" "$(sb e.img 'Total journal size')"

note "a configured journal"
sed 's/format = "ext4";/format = "ext4"; journal_size = "32M";/' e.cfg > j.cfg
sed -i 's/"e.img"/"j.img"/' j.cfg
"$LSBIMG" compose -q j.cfg
fsck_clean j.img
assert_eq "journal_size 32M" "32M" "$(sb j.img 'Total journal size')"
size=$(stat -c %s j.img)
[ "$size" -gt $((32 << 20)) ] || fail "auto size left no room for the 32 MiB journal: $size bytes"

note "the same layout gives the same bytes; UUID, hash seed and checksums follow the layout"
mkdir -p elsewhere && cp -a src e.cfg elsewhere/
(cd elsewhere && sleep 1 && "$LSBIMG" compose -q e.cfg)
cmp e.img elsewhere/e.img || fail "two composes of one layout differ"
sed 's/stage = "";/stage = ""; label = "other";/' e.cfg > o.cfg
sed -i 's/"e.img"/"o.img"/' o.cfg
"$LSBIMG" compose -q o.cfg
fsck_clean o.img
[ "$(sb e.img 'Filesystem UUID')" != "$(sb o.img 'Filesystem UUID')" ] || fail "UUID did not follow the layout"
[ "$(sb e.img 'Directory Hash Seed')" != "$(sb o.img 'Directory Hash Seed')" ] || fail "hash seed did not follow the layout"
# The checksums are seeded by the UUID: the same metadata checksums differently.
[ "$(sb e.img 'Checksum')" != "$(sb o.img 'Checksum')" ] || fail "superblock checksum did not change"

note "hash-tree directories: one level at 4 KiB, two at 1 KiB"
check_htree() { # IMG LEVELS
  local h; h=$(dbg "$1" "htree /wide")
  assert_contains "$1 /wide indexed" "$h" "Indirect levels: $2"
  assert_contains "$1 /wide inode flags" "$(dbg "$1" 'stat /wide')" "Flags: 0x81000"
  ro_mount "$1" mnt ext4
  diff <(ls -f mnt/wide | grep -v '^\.\.\?$' | LC_ALL=C sort) <(ls src/wide | LC_ALL=C sort) ||
    { ro_umount mnt; fail "$1: the kernel lists other names in /wide"; }
  # Lookups by name go through the index: every name must be found.
  (cd mnt/wide && ls ../../src/wide | xargs stat -c %n >/dev/null) ||
    { ro_umount mnt; fail "$1: the kernel cannot look a name up in /wide"; }
  ro_umount mnt
}
check_htree e.img 0

note "lsbimg reads ext4 as the kernel does"
ro_mount e.img mnt ext4
ls_vs_mount e.img mnt
ro_umount mnt
expect_exit 0 "$LSBIMG" cat e.img /etc/hostname
assert_eq "cat" "x" "$OUT"
expect_exit 0 "$LSBIMG" ls e.img /wide/a-name-of-some-length-4999
expect_exit 0 "$LSBIMG" info e.img
assert_contains "info" "$OUT" "type: ext4"
expect_exit 0 "$LSBIMG" check e.img
assert_contains "check" "$OUT" "e.img: clean"
sed 's/format = "ext4";/format = "ext4"; block_size = 1024;/' e.cfg > k.cfg
sed -i 's/"e.img"/"k.img"/' k.cfg
"$LSBIMG" compose -q k.cfg
fsck_clean k.img
check_htree k.img 1

note "dir_nlink: a directory of 65001 subdirectories stores 1 link on ext4, is refused by ext2"
mkdir -p many/d
(cd many/d && seq 1 65001 | xargs mkdir)
cat > n.cfg <<'EOF2'
image = { name = "n"; output = "n.img"; stage = ""; format = "ext4"; block_size = 1024; };
entries = ( { type = "tree"; path = "/"; source = "many"; } );
EOF2
"$LSBIMG" compose -q n.cfg
fsck_clean n.img
assert_eq "links of /d" 1 "$(stat_field n.img /d Links)"
sed 's/"ext4"/"ext2"/; s/"n.img"/"n2.img"/' n.cfg > n2.cfg
expect_exit 1 "$LSBIMG" compose -q n2.cfg
assert_contains "ext2 link limit" "$ERR" "/d: 65003 links, more than ext2 holds (65000)"
[ ! -e n2.img ] || fail "an image was written"
