# Extended attributes and file capabilities: kept from host trees and files (dropped with
# xattrs = false), from tar members (SCHILY.xattr), set by entries (xattrs, capabilities);
# stored by the ext4 writer (in the inode and in an EA block), the squashfs writer and tar
# outputs, read back by the kernel (getfattr, getcap on loop mounts), debugfs, sqfs2tar and
# bsdtar; shown by stat, compared by diff, restored by extract.
. "$TOP/tests/lib.sh"

for tool in getfattr setfattr getcap setcap bsdtar sqfs2tar debugfs jq; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/deps.sh test)"
done

mkdir -p src/dir
printf 'plain\n' >src/plain
cp /bin/true src/ping
setcap cap_net_raw+ep src/ping || fail "setcap on the host"
setfattr -n user.colour -v blue src/plain
setfattr -n user.big -v "0x$(head -c 2000 /dev/zero | tr '\0' 'a' | xxd -p | tr -d '\n')" src/plain
setfattr -n user.dir -v yes src/dir
printf 'single\n' >single
setfattr -n user.single -v one single
# A pax archive with an xattr, as GNU tar writes it.
mkdir -p arc && printf 'member\n' >arc/m && setfattr -n user.member -v from-tar arc/m
tar --xattrs --xattrs-include='user.*' --format=pax -cf arc.tar -C arc m
grep -q 'user.member' < <(tar --xattrs -tvvf arc.tar) || fail "arc.tar lacks the member's xattr"

entries='
entries = (
  { type = "tree"; path = "/"; source = "src"; },
  { type = "tree"; path = "/bare"; source = "src"; xattrs = false; },
  { type = "file"; path = "/single"; source = "single"; },
  { type = "file"; path = "/single-bare"; source = "single"; xattrs = false; },
  { type = "text"; path = "/bin/ping"; text = "x"; mode = "0755"; capabilities = "cap_net_raw,cap_net_admin+ep"; },
  { type = "text"; path = "/set"; text = "x";
    xattrs = [ "user.text=hello", "user.hex=0x00ff10", "user.b64=0saGk=", "user.quoted=\"0xnot hex\"", "trusted.t=1" ]; },
  { type = "dir"; path = "/d"; xattrs = "user.d=dir"; },
  { type = "symlink"; path = "/lnk"; target = "set"; xattrs = "trusted.l=link"; },
  { type = "archive"; path = "/arc"; source = "arc.tar"; }
);'
layout() { # NAME FORMAT [IMAGE-KEYS]
  printf 'image = { name = "%s"; output = "%s"; stage = ""; format = "%s"; %s };\n%s\n' \
    "$1" "$1" "$2" "${3:-}" "$entries" >"$1.cfg"
  "$LSBIMG" compose -q "$1.cfg" || fail "compose $1.cfg"
}

# check_mounted DIR: what the kernel shows of the composed files.
check_mounted() {
  local m=$1
  assert_eq "$m: host user xattr" blue "$(getfattr --only-values -n user.colour "$m/plain")"
  assert_eq "$m: 2000-byte value" 2000 "$(getfattr --only-values -n user.big "$m/plain" | wc -c)"
  assert_eq "$m: directory xattr" yes "$(getfattr --only-values -n user.dir "$m/dir")"
  assert_eq "$m: host capability" "$m/ping cap_net_raw=ep" "$(getcap "$m/ping")"
  assert_eq "$m: xattrs = false on a tree" "" "$(getfattr -d -m - "$m/bare/plain" "$m/bare/ping")"
  assert_eq "$m: file entry xattr" one "$(getfattr --only-values -n user.single "$m/single")"
  assert_eq "$m: xattrs = false on a file" "" "$(getfattr -d -m - "$m/single-bare")"
  assert_eq "$m: capabilities" "$m/bin/ping cap_net_admin,cap_net_raw=ep" "$(getcap "$m/bin/ping")"
  getfattr -d -m - -e hex "$m/set" >set.attrs
  grep -qx 'user.text=0x68656c6c6f' set.attrs || fail "$m: user.text: $(cat set.attrs)"
  grep -qx 'user.hex=0x00ff10' set.attrs || fail "$m: user.hex: $(cat set.attrs)"
  grep -qx 'user.b64=0x6869' set.attrs || fail "$m: user.b64: $(cat set.attrs)"
  grep -qx 'user.quoted=0x30786e6f7420686578' set.attrs || fail "$m: user.quoted: $(cat set.attrs)"
  grep -qx 'trusted.t=0x31' set.attrs || fail "$m: trusted.t: $(cat set.attrs)"
  assert_eq "$m: dir entry xattr" dir "$(getfattr --only-values -n user.d "$m/d")"
  assert_eq "$m: symlink xattr" link "$(getfattr -h --only-values -n trusted.l "$m/lnk")"
  assert_eq "$m: archive member xattr" from-tar "$(getfattr --only-values -n user.member "$m/arc/m")"
}

note "ext4: the kernel, debugfs and e2fsck"
layout x.ext4 ext4
fsck_clean x.ext4
mkdir -p m && mount -o loop,ro -t ext4 x.ext4 m || fail "loop mount of x.ext4"
on_exit 'umount m 2>/dev/null'
check_mounted m
umount m
assert_contains "debugfs ea_list" "$(dbg x.ext4 'ea_list /bin/ping')" \
  "security.capability (20) = 01 00 00 02 00 30 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
# 2000 bytes do not fit in a 256-byte inode: libext2fs put them in an EA block.
[ "$(sed -n 's/.*File ACL: \([0-9]*\).*/\1/p' <<<"$(dbg x.ext4 'stat /plain')")" != 0 ] ||
  fail "the big value of /plain is not in an EA block"
note "ext2 with 128-byte inodes: everything in EA blocks"
layout x.ext2 ext2 'inode_size = 128;'
fsck_clean x.ext2
mkdir -p m2 && mount -o loop,ro -t ext2 x.ext2 m2 || fail "loop mount of x.ext2"
on_exit 'umount m2 2>/dev/null'
check_mounted m2
umount m2

note "squashfs: the kernel and sqfs2tar"
layout x.sqfs squashfs
mkdir -p ms && mount -o loop,ro -t squashfs x.sqfs ms || fail "loop mount of x.sqfs"
on_exit 'umount ms 2>/dev/null'
check_mounted ms
umount ms
mkdir -p xs && sqfs2tar x.sqfs | tar -x --xattrs --xattrs-include='*' -C xs ||
  fail "sqfs2tar | tar -x"
assert_eq "sqfs2tar: capability" "xs/bin/ping cap_net_admin,cap_net_raw=ep" "$(getcap xs/bin/ping)"

note "tar output: bsdtar and GNU tar read the pax headers"
layout x.tar tar
mkdir -p xb && bsdtar --xattrs -xpf x.tar -C xb || fail "bsdtar -x"
check_mounted xb
grep -q 'x: 20 security.capability' < <(tar --xattrs --xattrs-include='*' -tvvf x.tar 2>/dev/null) ||
  fail "GNU tar lists no security.capability"

note "an image without xattrs gets no pax headers: the same bytes as before"
printf 'image = { name = "p"; output = "p.tar"; stage = ""; format = "tar"; };\nentries = ( { type = "text"; path = "/a"; text = "a"; } );\n' >p.cfg
"$LSBIMG" compose -q p.cfg
if grep -qa 'xattr' p.tar; then fail "p.tar carries xattr headers"; fi

note "cpio and vfat cannot hold them: a warning"
layout x.cpio cpio 2>/dev/null
expect_exit 0 "$LSBIMG" compose x.cpio.cfg
assert_contains "cpio warning" "$ERR" "x.cpio: the extended attributes of 9 files are dropped (cpio cannot hold them; tar can)"
printf 'image = { name = "v"; output = "v.img"; stage = ""; format = "vfat"; size = "auto"; };\nentries = ( { type = "text"; path = "/a"; text = "a"; xattrs = "user.a=1"; } );\n' >v.cfg
expect_exit 0 "$LSBIMG" compose v.cfg
assert_contains "vfat warning" "$ERR" "1 files and directories are dropped"

note "stat shows them, in text and JSON"
for img in x.ext4 x.sqfs x.tar; do
  expect_exit 0 "$LSBIMG" stat "$img" /bin/ping
  assert_contains "$img stat" "$OUT" "xattr: security.capability=0x0100000200300000000000000000000000000000"
  assert_contains "$img stat" "$OUT" "capabilities: cap_net_admin,cap_net_raw=ep"
  expect_exit 0 "$LSBIMG" stat "$img" /set
  assert_contains "$img stat" "$OUT" 'xattr: user.text="hello"'
  assert_contains "$img stat" "$OUT" 'xattr: user.hex=0x00ff10'
  expect_exit 0 "$LSBIMG" stat --json "$img" /set
  assert_eq "$img stat --json" 'hello' "$(jq -r '.xattrs[] | select(.name == "user.text") | .text' <<<"$OUT")"
  assert_eq "$img stat --json" 'AP8Q' "$(jq -r '.xattrs[] | select(.name == "user.hex") | .base64' <<<"$OUT")"
  expect_exit 0 "$LSBIMG" stat --json "$img" /bin/ping
  assert_eq "$img stat --json caps" 'cap_net_admin,cap_net_raw=ep' "$(jq -r .capabilities <<<"$OUT")"
done

note "diff: images that differ only in an xattr differ"
sed 's/user.text=hello/user.text=hellO/; s/cap_net_raw,cap_net_admin+ep/cap_net_raw+ep/; s/"trusted.t=1" //; s/, \]/ ]/' \
  x.ext4.cfg >y.ext4.cfg
sed -i 's/"x.ext4"/"y.ext4"/g' y.ext4.cfg
"$LSBIMG" compose -q y.ext4.cfg
expect_exit 1 "$LSBIMG" diff x.ext4 y.ext4
assert_contains "diff" "$OUT" '~ /set: xattr trusted.t "1" -> (none), xattr user.text "hello" -> "hellO"'
assert_contains "diff" "$OUT" '~ /bin/ping: xattr security.capability 0x0100000200300000000000000000000000000000 -> 0x0100000200200000000000000000000000000000'
expect_exit 1 "$LSBIMG" diff --json x.ext4 y.ext4
assert_eq "diff --json" '["xattr trusted.t","xattr user.text"]' "$(jq -c '.changes[] | select(.path == "/set") | .changed' <<<"$OUT")"
expect_exit 0 "$LSBIMG" diff x.ext4 x.ext4

note "extract restores them (as root); the capability survives the chown"
"$LSBIMG" extract x.ext4 ex || fail "extract x.ext4"
check_mounted ex
"$LSBIMG" extract x.sqfs exs || fail "extract x.sqfs"
assert_eq "extract sqfs caps" "exs/bin/ping cap_net_admin,cap_net_raw=ep" "$(getcap exs/bin/ping)"

"$LSBIMG" extract x.ext4 re.tar || fail "extract x.ext4 re.tar"
mkdir -p xr && bsdtar --xattrs -xpf re.tar -C xr || fail "bsdtar -x re.tar"
check_mounted xr

note "as non-root: trusted. and security. are reported, not silently lost"
command -v setpriv >/dev/null || fail "setpriv is missing"
mkdir -p nr && chmod 0777 nr
rc=0
setpriv --reuid=65534 --regid=65534 --clear-groups "$LSBIMG" extract x.ext4 nr/out >nr.out 2>nr.err || rc=$?
assert_eq "non-root extract exit" 0 "$rc"
assert_contains "non-root extract" "$(cat nr.err)" "/bin/ping: extended attribute security.capability not restored"
assert_contains "non-root extract" "$(cat nr.err)" "extended attributes were not restored"
assert_eq "non-root extract keeps user." blue "$(getfattr --only-values -n user.colour nr/out/plain)"
