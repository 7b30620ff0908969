# make install puts the binary, runqemu, the man page, the documentation the man page
# points to, and the bash completion of both commands under PREFIX.
. "$TOP/tests/lib.sh"
make -C "$TOP" install DESTDIR="$PWD/root" PREFIX=/usr >install.log 2>&1 || { cat install.log; fail "make install failed"; }
for f in usr/bin/lsbimg usr/bin/runqemu usr/share/man/man1/lsbimg.1 \
         usr/share/bash-completion/completions/lsbimg usr/share/bash-completion/completions/runqemu \
         usr/share/doc/lsbimg/README.md; do
  [ -s "root/$f" ] || fail "$f not installed"
done
for f in "$TOP"/docs/*.md; do
  cmp -s "$f" "root/usr/share/doc/lsbimg/${f##*/}" || fail "docs/${f##*/} not installed as is"
done
[ -x root/usr/bin/lsbimg ] && [ -x root/usr/bin/runqemu ] || fail "programs not executable"
grep -q '^  compose' < <(root/usr/bin/lsbimg --help) || fail "installed lsbimg does not run"
assert_eq "installed --version" "lsbimg $(make -s -C "$TOP" print-version)" "$(root/usr/bin/lsbimg --version)"

note "the man page renders and points to what was installed"
MANTEXT=$(MANWIDTH=200 man -l root/usr/share/man/man1/lsbimg.1 2>/dev/null)
grep -q 'compose' <<<"$MANTEXT" || fail "man page does not render"
grep -q '/usr/local' root/usr/share/man/man1/lsbimg.1 && fail "the installed man page names /usr/local with PREFIX=/usr"
# What it names, from its source (the rendering may break a name at a line end).
docdir=$(grep -oE '/usr/share/doc/lsbimg' root/usr/share/man/man1/lsbimg.1 | head -1)
[ -n "$docdir" ] || fail "the man page names no documentation directory"
names=$(grep -oE '\b[a-z]+\.md\b' root/usr/share/man/man1/lsbimg.1 | sort -u)
[ "$(wc -l <<<"$names")" -ge 5 ] || fail "the man page names too few documents: $names"
for n in $names; do
  [ -s "root$docdir/$n" ] || fail "the man page names $n, which is not in $docdir"
done
grep -q '/usr/share/bash-completion/completions/lsbimg' <<<"$MANTEXT" || fail "the man page does not name the installed completion"

note "the completion registers both commands, also loaded under runqemu's name"
grep -q _lsbimg < <(bash -c ". root/usr/share/bash-completion/completions/lsbimg; complete -p lsbimg") ||
  fail "completion does not register"
grep -q _runqemu < <(bash -c ". root/usr/share/bash-completion/completions/runqemu; complete -p runqemu") ||
  fail "runqemu's completion does not register"
