# make install puts the binary, runqemu, the man page and bash completion under PREFIX.
. "$TOP/tests/lib.sh"
make -C "$TOP" install DESTDIR="$PWD/root" PREFIX=/usr >install.log 2>&1 || { cat install.log; fail "make install failed"; }
for f in usr/bin/lsbimg usr/bin/runqemu usr/share/man/man1/lsbimg.1 \
         usr/share/bash-completion/completions/lsbimg; do
  [ -s "root/$f" ] || fail "$f not installed"
done
[ -x root/usr/bin/lsbimg ] && [ -x root/usr/bin/runqemu ] || fail "programs not executable"
grep -q '^  compose' < <(root/usr/bin/lsbimg --help) || fail "installed lsbimg does not run"
grep -q 'compose' < <(man -l root/usr/share/man/man1/lsbimg.1 2>/dev/null) || fail "man page does not render"
grep -q _lsbimg < <(bash -c ". root/usr/share/bash-completion/completions/lsbimg; complete -p lsbimg") ||
  fail "completion does not register"
