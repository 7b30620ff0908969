# The kernel's own ext4 driver (read-only loop mount, or fuse2fs) reads the image back.
. "$TOP/tests/lib.sh"

mkdir -p src/a/b
for i in $(seq 1 300); do printf 'file %d\n' "$i" > "src/a/f$i"; done   # a multi-block directory
head -c 5000000 /dev/urandom > src/a/b/big; chmod 0600 src/a/b/big
ln -s ../a/b/big src/link
cat > m.cfg <<'EOF2'
image = { name = "m"; output = "m.img"; stage = ""; timestamp = 1700000000; };
entries = (
  { type = "tree"; path = "/srv"; source = "src"; uid = 1000; gid = 1000; },
  { type = "chr"; path = "/dev/null"; major = 1; minor = 3; mode = "0666"; },
  { type = "text"; path = "/etc/high"; text = "x"; uid = 100000; gid = 200000; }
);
EOF2
"$LSBIMG" compose -q m.cfg
fsck_clean m.img
ro_mount m.img mnt
trap 'ro_umount mnt' EXIT
note "mounted with $MOUNT_KIND"
# The entry gives every file owner 1000:1000 and the image's time: the source takes them
# too, then both trees must list alike (modes and link targets from the host) and hold the
# same bytes.
chown -hR 1000:1000 src
find src -exec touch -h -d @1700000000 {} +
same_tree src mnt/srv || fail "tree differs from its source"
assert_eq "owner" "1000:1000 600" "$(stat -c '%u:%g %a' mnt/srv/a/b/big)"
assert_eq "owner above 16 bits" "100000:200000" "$(stat -c '%u:%g' mnt/etc/high)"
assert_eq "link" "../a/b/big" "$(readlink mnt/srv/link)"
assert_eq "device" "c 1 3" "$(stat -c '%F' mnt/dev/null | sed 's/character special file/c/') $(stat -c '%t %T' mnt/dev/null)"
assert_eq "entries" "300" "$(ls mnt/srv/a | grep -c '^f')"
