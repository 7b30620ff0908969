#!/bin/bash
# check: clean images pass like e2fsck -fn; each corruption made with debugfs -w is found
# by both e2fsck -fn (the oracle) and lsbimg check, with the expected report line.
. "$TOP/tests/lib.sh"

# The image under test; switch to `lsbimg compose` once it exists.
make_image() { IMAGE_KEYS='size = "16M"; inodes = 4096;' compose_tree "$1" "$2"; }

mkdir -p root/etc/sub root/usr/bin root/dev
printf 'l4re\n' >root/etc/hostname
ln root/etc/hostname root/etc/hostname2
head -c 100000 /dev/urandom >root/usr/bin/prog
ln -s "$(printf 'y%.0s' $(seq 1 80))" root/usr/bin/slow
mknod root/dev/console c 5 1
mkfifo root/dev/fifo
make_image root img

expect_exit 0 "$LSBIMG" check img
assert_eq "clean report" "img: filesystem: ok
img: elf: ok
img: symlinks: ok
img: units: ok
img: caps: ok
img: clean" "$OUT"
fsck_clean img

# corrupt DEBUGFS-REQUEST EXPECTED-LINE: both checkers must object to $BASE (img unless
# set) after the request.
corrupt() {
  cp "${BASE:-img}" bad.img
  debugfs -w -R "$1" bad.img >/dev/null 2>&1
  local rc=0; e2fsck -fn bad.img >fsck.log 2>&1 || rc=$?
  [ $rc -ne 0 ] || fail "oracle: e2fsck -fn accepts ${BASE:-img} after '$1'"
  expect_exit 1 "$LSBIMG" check bad.img
  assert_contains "check of ${BASE:-img} after '$1'" "$OUT" "bad.img: filesystem: $2"
  [[ $(tail -n 1 <<<"$OUT") =~ ^bad\.img:\ [1-9][0-9]*\ problems?\ found$ ]] ||
    fail "summary after '$1': $(tail -n 1 <<<"$OUT")"
}

# Other layouts of the same tree made by mke2fs: ext3/ext4 features, 1 KiB blocks, several
# groups. Clean, each gives the full clean report; corrupted, both checkers object.
for t in "ext2 -b 1024" "ext3 -b 1024" "ext4 -b 4096" "ext4 -b 1024 -g 1024 -N 4000"; do
  rm -f other.img
  mke2fs -q -t $t -d root other.img 24M
  fsck_clean other.img
  expect_exit 0 "$LSBIMG" check other.img
  assert_eq "clean report for mke2fs -t $t" "other.img: filesystem: ok
other.img: elf: ok
other.img: symlinks: ok
other.img: units: ok
other.img: caps: ok
other.img: clean" "$OUT"
  assert_eq "stderr for mke2fs -t $t" "" "$ERR"
  oblk=$(debugfs -R "bmap /usr/bin/prog 0" other.img 2>/dev/null)
  [[ $oblk =~ ^[1-9][0-9]*$ ]] || fail "no block for /usr/bin/prog in mke2fs -t $t: '$oblk'"
  BASE=other.img corrupt "sif /usr/bin/prog links_count 3" "/usr/bin/prog: link count 3, but 1 names"
  BASE=other.img corrupt "freeb $oblk" "block $oblk is in use but marked free"
done

blk=$(debugfs -R "bmap /usr/bin/prog 0" img 2>/dev/null)
ino=$(debugfs -R "stat /usr/bin/prog" img 2>/dev/null | sed -n 's/^Inode: *\([0-9]*\).*/\1/p')
corrupt "sif /usr/bin/prog links_count 3" "/usr/bin/prog: link count 3, but 1 names"
corrupt "unlink /etc/hostname2" "/etc/hostname: link count 2, but 1 names"
corrupt "unlink /usr/bin/prog" "inode $ino is in use but no directory names it"
corrupt "freeb $blk" "block $blk is in use but marked free"
corrupt "setb 3000" "block 3000 is marked in use but unused"
corrupt "freei /usr/bin/prog" "inode $ino is in use but marked free"
corrupt "seti <500>" "inode 500 is marked in use but unused"
corrupt "clri /dev/fifo" "/dev/fifo names inode"
corrupt "sif /etc/sub mode 0100644" "/etc/sub: the entry's file type 2 differs from the inode's 1"
corrupt "sif /usr/bin/prog block[2] 99999" "inode $ino maps block 99999, outside the filesystem"
corrupt "sif /usr/bin/prog block[3] $blk" "block $blk is used twice (again by inode $ino)"
corrupt "set_bg 0 free_blocks_count 17" "group 0: free blocks count 17, counted"
corrupt "set_bg 0 free_inodes_count 3" "group 0: free inodes count 3, counted"
corrupt "link /etc /etc/sub/loop" "/etc/sub/loop: directory inode"

# A directory cycle must not hang any command; a corrupted image exits 2
# (docs/inspect.md), found at open or on the way.
cp img cyc.img
debugfs -w -R "link /etc /etc/sub/loop" cyc.img >/dev/null 2>&1
for cmd in "tree" "ls -R"; do
  expect_exit 2 timeout 20 "$LSBIMG" $cmd cyc.img /
  assert_contains "$cmd on a cycle" "$ERR" "cyc.img: error: /etc/sub/loop: directory reached twice"
done

# A directory block overwritten: every command that meets it exits 2, a path that is
# missing from a readable directory still exits 1. Oracle: e2fsck -fn objects.
cp img dirblk.img
blk=$(dbg dirblk.img "blocks /etc")
printf '%4096s' '' | tr ' ' '\377' | dd of=dirblk.img bs=4096 seek="${blk%% *}" count=1 conv=notrunc status=none
rc=0; e2fsck -fn dirblk.img >/dev/null 2>&1 || rc=$?
[ $rc -ne 0 ] || fail "oracle: e2fsck -fn accepts the overwritten directory block"
for cmd in "ls dirblk.img /etc" "ls -l dirblk.img /etc" "ls -R dirblk.img /" "tree dirblk.img /" \
           "cat dirblk.img /etc/hostname" "stat dirblk.img /etc/hostname"; do
  expect_exit 2 timeout 20 "$LSBIMG" $cmd
  assert_contains "$cmd" "$ERR" "dirblk.img: error: /etc"
done
expect_exit 1 "$LSBIMG" ls dirblk.img /nonexistent
expect_exit 1 "$LSBIMG" cat dirblk.img /usr
expect_exit 2 timeout 20 "$LSBIMG" diff img cyc.img
assert_contains "diff on a cycle" "$ERR" "directory reached twice"

expect_exit 2 "$LSBIMG" check
expect_exit 2 "$LSBIMG" check missing.img
assert_contains "missing image" "$ERR" "missing.img: error: cannot open"
note ok
