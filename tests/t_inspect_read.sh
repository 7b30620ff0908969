#!/bin/bash
# ls, cat, stat, tree, info on an image against debugfs, dumpe2fs and a read-only mount.
. "$TOP/tests/lib.sh"

# The image under test; switch to `lsbimg compose` once it exists.
make_image() { compose_tree "$1" "$2" '{ type = "dir"; path = "/etc/sub"; uid = 1000; gid = 100; override = true; }'; }
export LC_ALL=C

mkdir -p root/etc/sub/deeper root/usr/bin root/dev root/run "root/with space"
printf 'l4re\n' >root/etc/hostname
: >root/etc/empty
head -c 300000 /dev/urandom >root/usr/bin/blob
printf 'abc' >"root/with space/f i l e"
ln root/etc/hostname root/etc/hostname2
ln -s ../../etc/hostname root/usr/bin/fast
long=$(printf 'x%.0s' $(seq 1 90))
ln -s "$long/target" root/usr/bin/slow
ln -s /etc root/abs              # absolute: must resolve inside the image, not on the host
ln -s usr/bin root/bin
mknod root/dev/console c 5 1
mknod root/dev/sda b 8 16
mkfifo root/run/fifo
chmod 4755 root/usr/bin/blob
chmod 1777 root/run
chown 1000:100 root/etc/sub
make_image root img
fsck_clean img

# The mount is the first oracle: every path with type, mode, owner, size, links, inode,
# mtime, device numbers and link target.
ro_mount img mnt
trap 'ro_umount mnt' EXIT
note "mounted with $MOUNT_KIND"
ls_vs_mount img mnt

# ls of one directory: names as the mount lists them, long format fields as debugfs has them.
expect_exit 0 "$LSBIMG" ls img /etc
assert_eq "ls /etc" "$(ls -A mnt/etc | LC_ALL=C sort)" "$OUT"
expect_exit 0 "$LSBIMG" ls -l img /usr/bin
assert_contains "ls -l setuid" "$OUT" "-rwsr-xr-x   1     0     0     300000"
assert_contains "ls -l slow link" "$OUT" "slow -> $long/target"
expect_exit 0 "$LSBIMG" ls -l img /dev
assert_contains "ls -l console" "$OUT" "crw-r--r--   1     0     0       5, 1"
assert_contains "ls -l sda" "$OUT" "brw-r--r--   1     0     0      8, 16"
expect_exit 0 "$LSBIMG" ls -l img /
assert_contains "ls -l sticky" "$OUT" "drwxrwxrwt"
expect_exit 0 "$LSBIMG" ls img /etc/hostname
assert_eq "ls of a file" "/etc/hostname" "$OUT"
expect_exit 0 "$LSBIMG" ls img /bin
assert_eq "ls of a dir symlink" "/bin" "$OUT"
expect_exit 0 "$LSBIMG" ls -L img /bin
assert_eq "ls -L follows" "$(printf 'blob\nfast\nslow')" "$OUT"
# debugfs names every entry the same way
dbg img "ls -p /etc" | awk -F/ 'NF > 5 && $6 != "." && $6 != ".." {print $6}' | LC_ALL=C sort >want.names
"$LSBIMG" ls img /etc >got.names
diff -u want.names got.names || fail "ls /etc differs from debugfs ls"

# cat: every regular file byte for byte against debugfs dump and the mount.
while read -r path; do
  "$LSBIMG" cat img "$path" >got.bin || fail "cat $path failed"
  dump img "$path" want.bin
  cmp -s want.bin got.bin || fail "cat $path differs from debugfs dump"
  cmp -s "mnt$path" got.bin || fail "cat $path differs from the mount"
  rm -f want.bin
done < <(jq -r '.entries[] | select(.type == "file") | .path' ls.json)
assert_eq "cat via relative symlink" "l4re" "$("$LSBIMG" cat img /usr/bin/fast)"
assert_eq "cat via absolute symlink stays in the image" "l4re" "$("$LSBIMG" cat img /abs/hostname)"
assert_eq "cat via .. at the root" "l4re" "$("$LSBIMG" cat img /../../etc/./hostname)"
assert_eq "cat --json" '{"version":1,"image":"img","path":"/etc/hostname","size":5,"text":"l4re\n"}' "$("$LSBIMG" cat --json img /etc/hostname)"
"$LSBIMG" cat --json img /usr/bin/blob | jq -r .base64 | base64 -d | cmp -s - root/usr/bin/blob ||
  fail "cat --json base64 does not decode to the file"
expect_exit 1 "$LSBIMG" cat img /etc
assert_contains "cat of a directory" "$ERR" "img: error: /etc: not a regular file"
expect_exit 1 "$LSBIMG" cat img /etc/missing
assert_contains "missing path" "$ERR" "img: error: /etc/missing: No such file or directory"
expect_exit 1 "$LSBIMG" cat img /etc/hostname/x
assert_contains "through a file" "$ERR" "Not a directory"
expect_exit 2 "$LSBIMG" cat img
expect_exit 2 "$LSBIMG" cat img etc/hostname

# stat against debugfs stat, for each kind of inode.
for p in /etc/hostname /etc/sub /usr/bin/fast /usr/bin/slow /dev/console /run/fifo "/with space/f i l e"; do
  expect_exit 0 "$LSBIMG" stat img "$p"
  s=$OUT
  field() { sed -n "s/^$1: //p" <<<"$s"; }
  assert_eq "$p mode" "$(stat_field img "$p" Mode)" "$(field mode | cut -d' ' -f1)"
  assert_eq "$p uid" "$(stat_field img "$p" User)" "$(field uid)"
  assert_eq "$p gid" "$(stat_field img "$p" Group)" "$(field gid)"
  assert_eq "$p links" "$(stat_field img "$p" Links)" "$(field links)"
  assert_eq "$p size" "$(stat_field img "$p" Size)" "$(field size)"
  raw=$(dbg img "stat \"$p\"")
  type=$(sed -n 's/^Inode: .*Type: \(.*[^ ]\) *Mode:.*/\1/p' <<<"$raw")
  case $type in
    regular) type="regular file" ;; FIFO) type=fifo ;;
    "character special") type="character device" ;; "block special") type="block device" ;;
  esac
  assert_eq "$p type" "$type" "$(field type)"
  inode=$(sed -n 's/^Inode: *\([0-9]*\).*/\1/p' <<<"$raw")
  assert_eq "$p inode" "$inode" "$(field inode)"
done
assert_eq "stat target" "$(readlink mnt/usr/bin/slow)" "$("$LSBIMG" stat img /usr/bin/slow | sed -n 's/^target: //p')"
assert_eq "stat -L follows" "$(stat -c %i mnt/etc/hostname)" "$("$LSBIMG" stat -L --json img /usr/bin/fast | jq .inode)"
assert_eq "stat device" "device: 8,16" "$("$LSBIMG" stat img /dev/sda | grep '^device')"
expect_exit 1 "$LSBIMG" stat img /nope
assert_contains "stat missing" "$ERR" "/nope: No such file or directory"

# tree: every path once, the same summary counts as the mount.
"$LSBIMG" tree --json img / | jq -r 'def walk(p): (if p == "" then "" else p end) as $p
   | (.children // [])[] | ($p + "/" + .name) as $q | $q, (walk($q)); .root | walk("")' | sort >got.tree
cut -d'|' -f1 want.ls | sort >want.tree
diff -u want.tree got.tree || fail "tree --json paths differ from the mount"
# The drawing and the counts are tree(1)'s on the mount (its UTF-8 indent has no-break
# spaces, lsbimg's plain ones; its top line is the directory it was given).
tree_of_mount() { (cd "mnt$1" && LC_ALL=C.UTF-8 tree --charset=UTF-8 "${@:2}" .) |
  sed "1s|^\.\$|$1|; s/\xc2\xa0/ /g"; }
for args in "" "-a"; do
  expect_exit 0 "$LSBIMG" tree $args img /
  assert_eq "tree $args" "$(tree_of_mount / $args)" "$OUT"
done
assert_contains "tree link" "$OUT" "│       ├── fast -> ../../etc/hostname"
assert_contains "tree last" "$OUT" "└── with space
    └── f i l e"
expect_exit 0 "$LSBIMG" tree img /etc/sub
assert_eq "tree of a subdir" "$(printf '/etc/sub\n└── deeper\n\n2 directories, 0 files')" "$OUT"
assert_eq "tree of a subdir, tree(1)" "$(tree_of_mount /etc/sub)" "$OUT"

# info against dumpe2fs -h.
dumpe2fs -h img 2>/dev/null >sb.txt
sbv() { sed -n "s/^$1: *//p" sb.txt; }
expect_exit 0 "$LSBIMG" info --json img
j=$OUT
assert_eq "block size" "$(sbv 'Block size')" "$(jq .block_size <<<"$j")"
assert_eq "blocks" "$(sbv 'Block count')" "$(jq .blocks <<<"$j")"
assert_eq "free blocks" "$(sbv 'Free blocks')" "$(jq .blocks_free <<<"$j")"
assert_eq "inodes" "$(sbv 'Inode count')" "$(jq .inodes <<<"$j")"
assert_eq "free inodes" "$(sbv 'Free inodes')" "$(jq .inodes_free <<<"$j")"
assert_eq "uuid" "$(sbv 'Filesystem UUID')" "$(jq -r .uuid <<<"$j")"
assert_eq "features" "$(sbv 'Filesystem features')" "$(jq -r '.features | join(" ")' <<<"$j")"
assert_eq "size" "$(stat -c %s img)" "$(jq .size <<<"$j")"
assert_eq "created" "$(date -u -d "$(sbv 'Filesystem created')" +%s)" "$(jq .created <<<"$j")"
tune2fs -L rootfs img >/dev/null
expect_exit 0 "$LSBIMG" info img
assert_contains "label" "$OUT" "label: rootfs"
assert_contains "text features" "$OUT" "features: $(sbv 'Filesystem features')"
assert_contains "text blocks" "$OUT" "blocks: $(sbv 'Block count') total, $(( $(sbv 'Block count') - $(sbv 'Free blocks') )) used"

# Not an image at all, or missing.
echo "hello" >notimg
expect_exit 2 "$LSBIMG" ls notimg /
assert_contains "not ext2" "$ERR" "notimg: error: not a readable ext2/3/4 filesystem"
expect_exit 2 "$LSBIMG" info missing.img
assert_contains "missing image" "$ERR" "missing.img: error: cannot open"
expect_exit 2 "$LSBIMG" ls --bogus img
note "ok"
