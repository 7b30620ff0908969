# Every entry kind, read back through debugfs (not our own reader), plus e2fsck.
. "$TOP/tests/lib.sh"

mkdir -p src/tree/sub/deeper files
printf 'plain\n' > files/plain
printf '#!/bin/sh\necho hi\n' > files/script; chmod 0755 files/script
head -c 300000 /dev/urandom > files/big           # needs indirect blocks at 1K/4K
printf 'in tree\n' > src/tree/t1; chmod 0640 src/tree/t1
ln src/tree/t1 src/tree/t1-link                    # host hard link inside a tree
ln -s t1 src/tree/rel-link
ln -s /etc/os-release src/tree/abs-link
printf 'deep\n' > src/tree/sub/deeper/d; chmod 4755 src/tree/sub/deeper/d
chmod 0700 src/tree/sub
truncate -s 5M src/tree/sparse; printf 'tail' >> src/tree/sparse
printf 'head' | dd of=src/tree/sparse conv=notrunc status=none
mkfifo src/tree/fifo
mknod src/tree/tty c 4 64
: > src/tree/empty
long=$(printf 'x%.0s' $(seq 1 200))

cat > k.cfg <<EOF2
image = { name = "k"; output = "k.img"; stage = ""; timestamp = 1700000000; block_size = 1024; };
entries = (
  { type = "dir"; path = "/d"; mode = "0710"; uid = 1000; gid = 100; },
  { type = "file"; path = "/d/plain"; source = "files/plain"; mode = "0600"; uid = 7; gid = 8; },
  { type = "file"; path = "/d/high"; source = "files/plain"; mode = "0640"; uid = 100000; gid = 200000; },
  { type = "file"; path = "/usr/bin/script"; source = "files/script"; },
  { type = "file"; path = "/big"; source = "files/big"; },
  { type = "tree"; path = "/t"; source = "src/tree"; uid = 3; gid = 4; },
  { type = "text"; path = "/etc/motd"; text = "hello\nworld\n"; mode = "0444"; },
  { type = "symlink"; path = "/fast"; target = "d/plain"; },
  { type = "symlink"; path = "/slow"; target = "/$long"; },
  { type = "hardlink"; path = "/d/plain2"; target = "/d/plain"; },
  { type = "chr"; path = "/dev/console"; major = 5; minor = 1; mode = "0620"; gid = 5; },
  { type = "blk"; path = "/dev/nvme"; major = 259; minor = 70000; mode = "0660"; },
  { type = "fifo"; path = "/run/ctl"; mode = "0600"; }
);
EOF2
"$LSBIMG" compose k.cfg
fsck_clean k.img

check() { # PATH TYPE MODE UID GID LINKS [SIZE]
  assert_eq "$1 type" "$2" "$(stat_field k.img "$1" Type)"
  assert_eq "$1 mode" "$3" "$(stat_field k.img "$1" Mode)"
  assert_eq "$1 uid" "$4" "$(stat_field k.img "$1" User)"
  assert_eq "$1 gid" "$5" "$(stat_field k.img "$1" Group)"
  assert_eq "$1 links" "$6" "$(stat_field k.img "$1" Links)"
  [ -z "${7:-}" ] || assert_eq "$1 size" "$7" "$(stat_field k.img "$1" Size)"
}
check /d directory 0710 1000 100 2
check /d/plain regular 0600 7 8 2 6
check /d/plain2 regular 0600 7 8 2 6
check /d/high regular 0640 100000 200000 1 6   # ids above 16 bits: the inode's high halves
check /usr/bin/script regular 0755 0 0 1
check /big regular 0644 0 0 1 300000
check /t directory 0755 3 4 3
check /t/t1 regular 0640 3 4 2 8
check /t/t1-link regular 0640 3 4 2 8
check /t/sub directory 0700 3 4 3
check /t/sub/deeper/d regular 4755 3 4 1 5
check /t/sparse regular 0644 3 4 1 5242884
check /t/fifo FIFO 0644 3 4 1
check /t/tty "character special" 0644 3 4 1
check /t/empty regular 0644 3 4 1 0
check /etc/motd regular 0444 0 0 1 12
check /fast symlink 0777 0 0 1 7
check /slow symlink 0777 0 0 1 201
check /dev/console "character special" 0620 0 5 1
check /dev/nvme "block special" 0660 0 0 1
check /run/ctl FIFO 0600 0 0 1
check / directory 0755 0 0 9   # . .. and 7 subdirectories incl. lost+found

# Same inode for hard links.
i1=$(dbg k.img "stat /d/plain" | sed -n 's/^Inode: *\([0-9]*\).*/\1/p')
i2=$(dbg k.img "stat /d/plain2" | sed -n 's/^Inode: *\([0-9]*\).*/\1/p')
assert_eq "hard link inode" "$i1" "$i2"

# Symlink targets and device numbers.
assert_contains "fast link" "$(dbg k.img 'stat /fast')" 'Fast link dest: "d/plain"'
assert_contains "rel link" "$(dbg k.img 'stat /t/rel-link')" 'Fast link dest: "t1"'
assert_contains "abs link" "$(dbg k.img 'stat /t/abs-link')" 'Fast link dest: "/etc/os-release"'
assert_contains "slow link has a block" "$(dbg k.img 'stat /slow')" "BLOCKS:"
assert_eq "slow link target" "/$long" "$(dbg k.img 'cat /slow')"
assert_contains "console dev" "$(dbg k.img 'stat /dev/console')" "Device major/minor number: 05:01"
assert_contains "nvme dev" "$(dbg k.img 'stat /dev/nvme')" "Device major/minor number: 259:70000"
assert_contains "tty dev" "$(dbg k.img 'stat /t/tty')" "Device major/minor number: 04:64"

# Bytes: every file compared with its source.
for pair in /d/plain:files/plain /usr/bin/script:files/script /big:files/big \
            /t/t1:src/tree/t1 /t/sub/deeper/d:src/tree/sub/deeper/d /t/sparse:src/tree/sparse \
            /t/empty:src/tree/empty; do
  dump k.img "${pair%%:*}" out.bin
  cmp out.bin "${pair#*:}" || fail "bytes of ${pair%%:*} differ"
  rm -f out.bin
done
dump k.img /etc/motd motd; assert_eq motd "$(printf 'hello\nworld')" "$(cat motd)"

# The hole stays a hole: 5 MiB file, two data blocks (plus indirect blocks).
blocks=$(dbg k.img "stat /t/sparse" | sed -n 's/.*Blockcount: *\([0-9]*\).*/\1/p')
[ "$blocks" -le 16 ] || fail "sparse file uses $blocks sectors"
# ... and the image file on the host is sparse too.
alloc=$(( $(stat -c %b k.img) * 512 )); size=$(stat -c %s k.img)
[ "$alloc" -lt "$size" ] || fail "image not sparse: $alloc of $size bytes allocated"
note "all entry kinds verified"
