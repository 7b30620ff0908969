# Acceptance 2: a GNU tar archive with every entry type goes through lsbimg and comes back
# with the same listing and bytes (GNU tar and cpio are the oracles).
. "$TOP/tests/lib.sh"
. "$TOP/tests/archive_lib.sh"

[ "$(id -u)" = 0 ] || fail "this test makes device nodes with mknod and must run as root"
long=$(printf 'n%.0s' {1..120})
mkdir -p src/d/sub "src/d/$long"
cd src
printf 'hello\n' >d/a
ln d/a d/hardlink
ln d/a "d/$long/third-link"
ln -s a d/sym
ln -s "/very/long/$(printf 'x%.0s' {1..150})/target" d/longsym
ln -s ../.. d/up
mknod d/null c 1 3
mknod d/loop b 7 0
mkfifo d/fifo
: >d/empty
truncate -s 10M d/sparse
printf 'middle' | dd of=d/sparse bs=1 seek=5000000 conv=notrunc status=none
printf 'tail' >>d/sparse
truncate -s 1M d/allhole
printf 'x%.0s' {1..70000} >d/big
printf 'long\n' >"d/$long/$(printf 'f%.0s' {1..200})"
chmod 4755 d/a
chmod 1777 d/sub
chmod 0600 d/empty
chown 1234:567 d/sub d/empty
chown -h 42:43 d/sym
touch -h -d @1600000000 d/sub d/a d/sym
cd ..

tar --sort=name --sparse -C src -cf orig.tar .
tar -tvv --numeric-owner --full-time -f orig.tar >orig.lst
grep -q '^h.*link to' orig.lst || fail "the original tar has no hard links"
grep -q '^c.*1,3' orig.lst && grep -q '^b.*7,0' orig.lst || fail "no device nodes in the original"

check_tar() {  # NAME.tar: listing and bytes equal to the original
  tar -tvv --numeric-owner --full-time -f "$1" >"$1.lst"
  diff -u orig.lst "$1.lst" || fail "$1: listing differs from the original"
  mkdir "$1.x" && tar -C "$1.x" --numeric-owner --delay-directory-restore -xpf "$1"
  same_tree src "$1.x" || fail "$1: extracted tree differs from the original"
  # The holes survive: the 10 MiB file takes a few blocks, not 10 MiB.
  local kb; kb=$(du -k "$1.x/d/sparse" | cut -f1)
  [ "$kb" -lt 1024 ] || fail "$1: d/sparse lost its holes ($kb KiB allocated)"
}

note "tar -> lsbimg -> tar"
"$LSBIMG" extract orig.tar out.tar || fail "extract to tar failed"
check_tar out.tar
grep -q 'GNU.sparse' out.tar || fail "out.tar has no sparse records"

note "tar.xz (compressed input) -> tar.gz"
xz -k -T1 orig.tar
"$LSBIMG" extract orig.tar.xz out2.tar.gz || fail "extract from tar.xz failed"
gzip -dc out2.tar.gz >out2.tar
check_tar out2.tar

note "tar -> lsbimg -> directory"
"$LSBIMG" extract orig.tar dir || fail "extract to a directory failed"
same_tree src dir || fail "directory tree differs from the original"
[ "$(du -k dir/d/sparse | cut -f1)" -lt 1024 ] || fail "dir/d/sparse lost its holes"

note "cpio (newc, GNU cpio) -> lsbimg -> tar"
(cd src && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >orig.cpio
"$LSBIMG" extract orig.cpio fromcpio || fail "extract from cpio failed"
same_tree src fromcpio || fail "cpio import: tree differs from the original"
