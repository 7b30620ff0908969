# Acceptance 1: real Debian arm64 packages read by lsbimg give what dpkg-deb gives.
. "$TOP/tests/lib.sh"
. "$TOP/tests/archive_lib.sh"

for pkg in bash base-files; do
  deb=$(fetch_deb $pkg)
  note "$pkg: $deb"

  # Names, types, modes, numeric owners, sizes, mtimes and link targets: the package's own
  # data tarball listed by GNU tar, against our tar of the imported tree.
  dpkg-deb --fsys-tarfile "$deb" | tar -tvv --numeric-owner | LC_ALL=C sort >want.lst
  [ -s want.lst ] || fail "dpkg-deb could not list $deb"
  "$LSBIMG" extract "$deb" $pkg.tar || fail "extract $pkg to tar failed"
  tar -tvv --numeric-owner -f $pkg.tar | LC_ALL=C sort >got.lst
  diff -u want.lst got.lst || fail "$pkg: tar listing differs from dpkg-deb --fsys-tarfile"
  grep -q -- ' -> ' want.lst || fail "$pkg: expected symlinks in the package"

  # The extracted tree, against the package's tarball extracted by GNU tar: the same names
  # on both sides, each with its type, mode, owner, mtime, link target and bytes.
  deb_tree "$deb" ref.$pkg
  "$LSBIMG" extract "$deb" out.$pkg || fail "extract $pkg to a directory failed"
  same_tree ref.$pkg out.$pkg || fail "$pkg: extracted tree differs from the package's"

  # Our tar, extracted by GNU tar.
  mkdir tarx.$pkg && tar -C tarx.$pkg -xp --numeric-owner --delay-directory-restore -f $pkg.tar
  same_tree ref.$pkg tarx.$pkg || fail "$pkg: our tar's tree differs from the package's"

  # A subtree.
  "$LSBIMG" extract --path /usr/share/doc "$deb" doc.$pkg || fail "extract --path failed"
  same_tree ref.$pkg/usr/share/doc doc.$pkg || fail "$pkg: --path subtree differs"
done

# Refusals: an existing non-empty destination is left alone.
mkdir full && echo keep >full/f
expect_exit 1 "$LSBIMG" extract "$deb" full
assert_contains "non-empty destination" "$ERR" "not an empty directory"
assert_eq "destination untouched" keep "$(cat full/f)"
expect_exit 1 "$LSBIMG" extract --path /etc/os-release "$deb" sub
assert_contains "--path to a symlink" "$ERR" "not a directory"
expect_exit 2 "$LSBIMG" extract "$deb"
# ar archives that are not packages, and a package without data.
echo data >payload && echo 2.0 >debian-binary
ar rc notdeb.deb payload && ar rc nodata.deb debian-binary
expect_exit 1 "$LSBIMG" extract notdeb.deb x.tar
assert_contains "not a package" "$ERR" "notdeb.deb: payload: an ar archive that is not a Debian package"
expect_exit 1 "$LSBIMG" extract nodata.deb x.tar
assert_contains "no data" "$ERR" "nodata.deb: data.tar: the package has no data.tar member"
echo "not an archive" >junk.deb
expect_exit 1 "$LSBIMG" extract junk.deb x.tar
assert_contains "junk" "$ERR" "junk.deb"
[ ! -e x.tar ] || fail "a failed extract left x.tar behind"
grep -q '^\.x\.tar' < <(ls -A) && fail "a failed extract left its temporary file"
true
