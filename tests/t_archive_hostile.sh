# Acceptance 3: hostile archives made with GNU tar are contained or rejected with a message
# naming the archive and the member, and nothing outside the output is touched.
. "$TOP/tests/lib.sh"

victim=$PWD/victim   # a host directory the archives aim at
mkdir -p "$victim" w
echo original >"$victim/keep"
snapshot() { (cd "$victim" && find . -printf '%p %y %m %s %T@\n' | LC_ALL=C sort; cat keep); }
before=$(snapshot)
cd w
echo payload >x

# ../ escapes and absolute names, stored as they are with -P.
tar -P -cf dotdot.tar --transform 's,^x$,../../victim/lsbimg-probe-dotdot,' x
tar -P -cf absolute.tar --transform "s,^x\$,$victim/lsbimg-probe-absolute," x
# Symlinks out of the target (absolute and relative), then files written through them.
ln -s "$victim" abs-link
ln -s ../../../../../../../.. up-link
tar -cf symlink.tar abs-link up-link
tar -rf symlink.tar --transform 's,^x$,abs-link/lsbimg-probe-through-abs,' x
tar -rf symlink.tar --transform 's,^x$,up-link/lsbimg-probe-through-up,' x
# A hard link whose target is not in the archive.
ln x y
tar -cf hardlink.tar x y
tar --delete -f hardlink.tar x
# A 300-byte name, and a member stored twice.
tar -cf longname.tar --transform "s,^x\$,$(printf 'z%.0s' {1..300})," x
tar -cf duplicate.tar x
tar -rf duplicate.tar x
# The same escape in a cpio archive (GNU cpio stores names as given).
echo cpio >../lsbimg-probe-cpio
echo ../lsbimg-probe-cpio | cpio -o -H newc --quiet >dotdot.cpio
rm ../lsbimg-probe-cpio
for t in dotdot absolute symlink hardlink longname duplicate; do
  tar -tvf $t.tar >/dev/null || fail "GNU tar cannot read the crafted $t.tar"
done

# expect_reject ARCHIVE MESSAGE: both outputs refused, the message names archive and member.
expect_reject() {
  expect_exit 1 "$LSBIMG" extract "$1" "$1.out.tar"
  assert_contains "$1 (tar)" "$ERR" "$1: "
  assert_contains "$1 (tar)" "$ERR" "$2"
  expect_exit 1 "$LSBIMG" extract "$1" "$1.dir"
  assert_contains "$1 (dir)" "$ERR" "$2"
  [ ! -e "$1.out.tar" ] && [ ! -e "$1.dir" ] || fail "$1: output written despite errors"
}
expect_reject dotdot.tar "../../victim/lsbimg-probe-dotdot: name contains '..'"
expect_reject dotdot.cpio "../lsbimg-probe-cpio: name contains '..'"
expect_reject hardlink.tar "y: hard link to 'x', which no earlier member created"
expect_reject longname.tar "zzzz"
assert_contains "long name" "$ERR" "longer than 255 bytes"
expect_reject duplicate.tar "x: duplicate"

# Contained: the absolute name lands inside the output.
expect_exit 0 "$LSBIMG" extract absolute.tar absolute.dir
assert_contains "absolute" "$ERR" "removing leading '/'"
[ "$(cat "absolute.dir/${victim#/}/lsbimg-probe-absolute")" = payload ] || fail "absolute member not inside the output"

# Contained: files written through the symlinks stay inside, in the directories the links
# name when resolved inside the image; the links themselves are kept as they are.
expect_exit 0 "$LSBIMG" extract symlink.tar symlink.tar.out.tar
tar -tf symlink.tar.out.tar | LC_ALL=C sort >sym.lst
grep -qx "./${victim#/}/lsbimg-probe-through-abs" sym.lst || fail "lsbimg-probe-through-abs not contained: $(cat sym.lst)"
grep -qx "./lsbimg-probe-through-up" sym.lst || fail "lsbimg-probe-through-up not contained: $(cat sym.lst)"
expect_exit 0 "$LSBIMG" extract symlink.tar symlink.dir
[ -L symlink.dir/abs-link ] && [ "$(cat "symlink.dir/${victim#/}/lsbimg-probe-through-abs")" = payload ] ||
  fail "symlink.dir does not hold the contained files"
[ "$(cat symlink.dir/lsbimg-probe-through-up)" = payload ] || fail "lsbimg-probe-through-up missing in symlink.dir"

# Nothing reached the host directory, and nothing but our outputs appeared beside them.
cd ..
assert_eq "victim directory" "$before" "$(snapshot)"
# (Other checkouts running this test at the same time have probes in their own scratch.)
escaped() {
  find / -xdev -name 'lsbimg-probe-*' -not -path "$PWD/*" \
    -not -path '*/tests/tmp/t_archive_hostile/*' 2>/dev/null
}
[ -z "$(escaped | head -n 1)" ] || fail "a member escaped: $(escaped)"
