# The inspect commands read tar and cpio outputs (gzip'd or not) as they read images: ls,
# cat, stat, tree and info against GNU tar's and GNU cpio's extraction of the same archive,
# diff against the ext2 image of the same layout, extract and check.
. "$TOP/tests/lib.sh"
export LC_ALL=C

mkdir -p src/etc/sub src/usr/bin src/dev
printf 'l4re\n' >src/etc/hostname
head -c 200000 /dev/urandom >src/usr/bin/blob; chmod 4755 src/usr/bin/blob
ln src/etc/hostname src/etc/hostname2
ln -s ../../etc/hostname src/usr/bin/rel
ln -s /etc src/abs
mknod src/dev/console c 5 1
printf 'head' >src/holey; printf 'tail' | dd of=src/holey bs=1M seek=4 conv=notrunc status=none
compose() { # FORMAT OUTPUT
  printf 'image = { name = "a"; output = "%s"; stage = ""; format = "%s"; };\nentries = ( { type = "tree"; path = "/"; source = "src"; } );\n' \
    "$2" "$1" >"$1.cfg"
  "$LSBIMG" compose -q "$1.cfg" || fail "compose as $1 failed"
}
compose tar a.tar
# The summary gives the archive's real size and entries.
# (the 4 MiB sparse file's holes stay out of it).
"$LSBIMG" compose tar.cfg >summary 2>&1 || fail "compose tar.cfg"
grep -qE '^a\.tar: tar, 0\.2 MiB, [0-9.]+ s$' summary && grep -qxF '  inodes: 12' summary &&
  grep -qxF '  content: 3 files, 6 directories, 2 symlinks, 4.2 MiB of data' summary ||
  fail "summary: $(cat summary)"
compose cpio a.cpio.gz
compose ext2 a.img
mkdir fromtar fromcpio
tar -C fromtar -xpf a.tar --numeric-owner || fail "GNU tar cannot extract a.tar"
(cd fromcpio && gzip -dc ../a.cpio.gz | cpio -idm --quiet --no-absolute-filenames) || fail "GNU cpio cannot extract a.cpio.gz"

for a in a.tar a.cpio.gz; do
  ref=fromtar; [ "$a" = a.tar ] || ref=fromcpio
  note "$a against $ref"
  # Every path with type, mode, owner, size and link target (GNU cpio sets no symlink
  # times, and archives number inodes their own way: both left out).
  "$LSBIMG" ls -R --json "$a" / >ls.json || fail "ls -R --json $a"
  jq -r '.entries[] | [.path, ({dir:"d",file:"f",symlink:"l",chr:"c",blk:"b",fifo:"p",sock:"s"}[.type]),
     (.mode | ltrimstr("0")), .uid, .gid, (if .type == "dir" then "-" else .size end), (.target // "")] | join("|")' \
     ls.json | sort >got
  (cd "$ref" && find . -mindepth 1 -printf '/%P|%y|%m|%U|%G|%s|%l\n' |
     sed -E 's/^([^|]*\|d\|[^|]*\|[^|]*\|[^|]*)\|[0-9]+\|/\1|-|/' | sort) >want
  diff -u want got >&2 || fail "lsbimg ls -R of $a differs from its extraction"
  "$LSBIMG" cat "$a" /usr/bin/blob | cmp - "$ref/usr/bin/blob" || fail "cat /usr/bin/blob of $a"
  "$LSBIMG" cat "$a" /holey | cmp - "$ref/holey" || fail "cat /holey of $a"
  expect_exit 0 "$LSBIMG" cat "$a" /usr/bin/rel
  assert_eq "cat through a symlink" "l4re" "$OUT"
  expect_exit 0 "$LSBIMG" stat "$a" /dev/console
  assert_contains "stat device" "$OUT" "device: 5,1"
  expect_exit 0 "$LSBIMG" stat "$a" /etc/hostname2
  assert_contains "stat hard link" "$OUT" "links: 2"
  expect_exit 0 "$LSBIMG" tree "$a" /etc
  assert_contains "tree" "$OUT" "2 directories, 2 files"
  expect_exit 0 "$LSBIMG" info "$a"
  assert_contains "info" "$OUT" "files: "
  # The archive holds what the ext2 image holds, lost+found aside.
  expect_exit 1 "$LSBIMG" diff a.img "$a"
  assert_eq "diff against ext2" "- /lost+found (dir)" "$OUT"
  expect_exit 0 "$LSBIMG" check "$a"
  assert_contains "check" "$OUT" "$a: clean"
  rm -rf x; expect_exit 0 "$LSBIMG" extract "$a" x
  same_bytes "$ref" x || fail "lsbimg extract of $a differs from its extraction"
done
expect_exit 0 "$LSBIMG" info a.tar
assert_contains "info type" "$OUT" "type: tar"
expect_exit 0 "$LSBIMG" diff a.tar a.cpio.gz
