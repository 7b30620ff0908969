# Archive entries in layouts: Debian arm64 packages and a vendor tarball composed into a
# merged-/usr ext2 image, owner overrides, mtime clamping (newer members clamped, older ones
# kept), hostile members failing the layout, and tar/cpio image formats byte for byte.
# The oracle is a reference tree GNU tar builds from the same archives as the layout
# describes it (extract_over in archive_lib.sh: the import rules of docs/archives.md),
# compared both ways with the image mounted by the kernel, with GNU tar's and cpio's
# extraction of the tar and cpio formats, and with `lsbimg extract --path`.
. "$TOP/tests/lib.sh"
. "$TOP/tests/archive_lib.sh"

ts=1700000000
cp "$(fetch_deb bash)" bash.deb
cp "$(fetch_deb base-files)" base-files.deb
mkdir -p vsrc/share && echo vendor >vsrc/share/readme && echo future >vsrc/share/future
touch -d @1600000000 vsrc/share/readme     # older than image.timestamp: kept
touch -d @1800000000 vsrc/share/future     # newer: clamped to it
chown -R 1234:1234 vsrc
tar -C vsrc -czf vendor.tar.gz .

layout() {  # layout FORMAT OUTPUT [EXTRA ENTRY]
  cat <<CFG
image = { name = "t"; size = "auto"; output = "$2"; stage = ""; timestamp = $ts;
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
  { type = "text"; path = "/usr/share/doc-base/bash"; text = "Document: bash\n"; },
  { type = "archive"; path = "/opt/vendor"; source = "vendor.tar.gz"; uid = 0; gid = 0; }${3:-}
);
CFG
}

# The reference: the layout's directories and links (mode 0755, root, image.timestamp),
# the packages' data tarballs and the vendor tarball (owners overridden) extracted over
# them by GNU tar, then every time newer than image.timestamp set to it.
mkdir -p ref/usr/bin ref/usr/sbin ref/usr/lib ref/usr/share/doc-base ref/opt/vendor
for l in bin sbin lib; do ln -s usr/$l ref/$l; done
printf 'Document: bash\n' >ref/usr/share/doc-base/bash
chmod 0755 ref ref/usr ref/usr/bin ref/usr/sbin ref/usr/lib ref/usr/share ref/usr/share/doc-base ref/opt ref/opt/vendor
chmod 0644 ref/usr/share/doc-base/bash
for deb in bash base-files; do
  dpkg-deb --fsys-tarfile $deb.deb | extract_over ref || fail "GNU tar could not extract $deb"
done
extract_over ref/opt/vendor -z <vendor.tar.gz || fail "GNU tar could not extract vendor.tar.gz"
chown -hR 0:0 ref/opt/vendor
find ref -newermt "@$ts" -exec touch -h -d "@$ts" {} +
[ "$(stat -c %Y ref/opt/vendor/share/readme)" = 1600000000 ] || fail "reference: readme's old mtime lost"

layout ext2 t.img >t.cfg
"$LSBIMG" compose -q --no-stage t.cfg || fail "compose failed"
fsck_clean t.img

# debugfs on a few things by name: merged /usr, the mtime clamp both ways, the override.
for l in bin sbin lib; do
  assert_eq "/$l type" symlink "$(stat_field t.img /$l Type)"
  assert_eq "/$l target" "usr/$l" "$(link_dest t.img /$l)"
done
mtime() { dbg t.img "stat \"$1\"" | sed -n 's/^ *mtime: *\(0x[0-9a-f]*\).*/\1/p'; }
assert_eq "/usr/bin/bash mtime (newer, clamped)" "$(printf '0x%08x' $ts)" "$(mtime /usr/bin/bash)"
assert_eq "vendor readme mtime (older, kept)" "$(printf '0x%08x' 1600000000)" "$(mtime /opt/vendor/share/readme)"
assert_eq "vendor future mtime (newer, clamped)" "$(printf '0x%08x' $ts)" "$(mtime /opt/vendor/share/future)"
assert_eq "vendor owner" 0 "$(stat_field t.img /opt/vendor/share/readme User)"

# The whole image through the kernel, against the reference, both ways.
ro_mount t.img mnt
rc=0; same_tree ref mnt lost+found || rc=$?
ro_umount mnt
[ $rc = 0 ] || fail "the image differs from the reference tree (see above)"

# lsbimg extract --path of the image: the same subtree as the reference's, no more.
"$LSBIMG" extract --path /usr/share/doc t.img doc || fail "extract --path from the image failed"
same_tree ref/usr/share/doc doc || fail "extract --path /usr/share/doc differs from the reference"

# A hostile member fails the layout, naming the layout line, archive and member.
echo x >x && tar -P -cf evil.tar --transform 's,^x$,../../evil,' x
layout ext2 bad.img ',
  { type = "archive"; path = "/"; source = "evil.tar"; }' >bad.cfg
expect_exit 1 "$LSBIMG" compose -q --no-stage bad.cfg
assert_contains "hostile" "$ERR" "bad.cfg:"
assert_contains "hostile" "$ERR" "evil.tar: ../../evil: name contains '..'"
[ ! -e bad.img ] || fail "a failed compose wrote bad.img"

# tar and cpio image formats: twice, byte for byte, and extracted by GNU tar and cpio they
# give the reference tree.
for f in tar:t.tar cpio:t.cpio.gz; do
  layout "${f%%:*}" "${f#*:}" >f.cfg
  "$LSBIMG" compose -q --no-stage f.cfg || fail "compose ${f%%:*} failed"
  mv "${f#*:}" first.out
  sleep 1
  "$LSBIMG" compose -q --no-stage f.cfg || fail "second compose ${f%%:*} failed"
  cmp first.out "${f#*:}" || fail "${f%%:*} image is not reproducible"
done
mkdir fromtar && tar -C fromtar -xp --numeric-owner --delay-directory-restore -f t.tar ||
  fail "GNU tar could not extract t.tar"
same_tree ref fromtar || fail "the tar format differs from the reference tree"

mkdir fromcpio && (cd fromcpio && zcat ../t.cpio.gz | cpio -idm --quiet --no-absolute-filenames) ||
  fail "cpio could not extract t.cpio.gz"
# GNU cpio sets a directory's time before filling it: a second pass over the directories
# sets them again (all but the top one). It sets no symlink times.
zcat t.cpio.gz | cpio -itv --quiet | awk '$1 ~ /^d/ && $NF != "." { print $NF }' >dirs.lst
[ -s dirs.lst ] || fail "no directories in t.cpio.gz"
(cd fromcpio && zcat ../t.cpio.gz | cpio -idmu --quiet -E ../dirs.lst) || fail "cpio: the directory pass failed"
same_bytes ref fromcpio || fail "the cpio format's files differ from the reference tree"
nocpiotime() { sed -E 's/^(([^ ]+ l |\. d ).*) [0-9-]+ [0-9:]+$/\1/'; }
diff -u <(listing ref | nocpiotime) <(listing fromcpio | nocpiotime) ||
  fail "the cpio format lists unlike the reference tree"
