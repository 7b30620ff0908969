# Archive entries in layouts: Debian arm64 packages composed into a merged-/usr ext2 image
# (checked with e2fsck and debugfs against dpkg-deb -x), owner overrides, mtime clamping,
# hostile members failing the layout, and tar/cpio image formats byte for byte.
. "$TOP/tests/lib.sh"
. "$TOP/tests/archive_lib.sh"

cp "$(fetch_deb bash)" bash.deb
cp "$(fetch_deb base-files)" base-files.deb
mkdir -p vsrc/share && echo vendor >vsrc/share/readme && chown -R 1234:1234 vsrc
tar -C vsrc -czf vendor.tar.gz .

layout() {  # layout FORMAT OUTPUT [EXTRA ENTRY]
  cat <<CFG
image = { name = "t"; size = "auto"; output = "$2"; stage = ""; timestamp = 1700000000;
          format = "$1"; };
entries = (
  { type = "dir"; path = "/usr/bin"; },
  { type = "dir"; path = "/usr/sbin"; },
  { type = "dir"; path = "/usr/lib"; },
  { type = "symlink"; path = "/bin"; target = "usr/bin"; },
  { type = "symlink"; path = "/sbin"; target = "usr/sbin"; },
  { type = "symlink"; path = "/lib"; target = "usr/lib"; },
  { type = "archive"; path = "/"; source = "bash.deb"; },
  { type = "archive"; path = "/"; source = "base-files.deb"; },
  { type = "archive"; path = "/opt/vendor"; source = "vendor.tar.gz"; uid = 0; gid = 0; }${3:-}
);
CFG
}

layout ext2 t.img >t.cfg
"$LSBIMG" compose -q --no-stage t.cfg || fail "compose failed"
fsck_clean t.img

# Merged /usr survived both packages.
for l in bin sbin lib; do
  assert_eq "/$l type" symlink "$(stat_field t.img /$l Type)"
  dbg t.img "stat /$l" | grep -q "Fast link dest: \"usr/$l\"" || fail "/$l does not point to usr/$l"
done
# Every file of the packages, with its bytes, mode and owner (bin/ moved to usr/bin/).
for deb in bash base-files; do
  dpkg-deb -x $deb.deb ref.$deb
  while IFS= read -r -d '' f; do
    img=/${f#./}; img=${img/#\/bin\//\/usr\/bin\/}
    dump t.img "$img" got.bin
    cmp -s "ref.$deb/$f" got.bin || fail "$img differs from dpkg-deb -x"
    rm -f got.bin
    assert_eq "$img mode" "$((8#$(stat -c %a "ref.$deb/$f")))" "$((8#$(stat_field t.img "$img" Mode)))"
  done < <(cd ref.$deb && find . -type f -print0)
done
dbg t.img "stat /etc/os-release" | grep -q 'Fast link dest: "../usr/lib/os-release"' ||
  fail "/etc/os-release symlink target wrong"
# The packages' mtimes (after the layout timestamp) are clamped to it.
dbg t.img "stat /usr/bin/bash" | grep -q 'mtime: 0x6553f100' || fail "/usr/bin/bash mtime not clamped"
# The owner override, under the archive entry's path.
assert_eq "vendor owner" 0 "$(stat_field t.img /opt/vendor/share/readme User)"
dump t.img /opt/vendor/share/readme readme && assert_eq "vendor bytes" vendor "$(cat readme)"

# A hostile member fails the layout, naming the layout line, archive and member.
echo x >x && tar -P -cf evil.tar --transform 's,^x$,../../evil,' x
layout ext2 bad.img ',
  { type = "archive"; path = "/"; source = "evil.tar"; }' >bad.cfg
expect_exit 1 "$LSBIMG" compose -q --no-stage bad.cfg
assert_contains "hostile" "$ERR" "bad.cfg:"
assert_contains "hostile" "$ERR" "evil.tar: ../../evil: name contains '..'"
[ ! -e bad.img ] || fail "a failed compose wrote bad.img"

# tar and cpio image formats: twice, byte for byte, read back by GNU tar and cpio.
for f in tar:t.tar cpio:t.cpio.gz; do
  layout "${f%%:*}" "${f#*:}" >f.cfg
  "$LSBIMG" compose -q --no-stage f.cfg || fail "compose ${f%%:*} failed"
  mv "${f#*:}" first.out
  sleep 1
  "$LSBIMG" compose -q --no-stage f.cfg || fail "second compose ${f%%:*} failed"
  cmp first.out "${f#*:}" || fail "${f%%:*} image is not reproducible"
done
tar -tvf t.tar >t.tar.lst
grep -q '^l.* \./bin -> usr/bin$' t.tar.lst || fail "t.tar lacks ./bin -> usr/bin"
tar -xOf t.tar ./usr/bin/bash | cmp - ref.bash/bin/bash || fail "bash differs in t.tar"
zcat t.cpio.gz | cpio -itv --quiet >t.cpio.lst
grep -q '^l.* \./bin -> usr/bin$' t.cpio.lst || fail "t.cpio.gz lacks ./bin -> usr/bin"

# The ext2 image read back through lsbimg extract (the image reader) lists like the tar
# format of the same layout, apart from lost+found.
"$LSBIMG" extract t.img fromimg.tar || fail "extract from the image failed"
diff -u <(grep -v lost+found t.tar.lst) <(tar -tvf fromimg.tar | grep -v lost+found) ||
  fail "the image's files differ from the tar format's"
"$LSBIMG" extract --path /usr/share/doc t.img doc || fail "extract --path from the image failed"
same_bytes ref.bash/usr/share/doc doc || fail "doc files differ"
