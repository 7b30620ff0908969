# The command line a user meets first: lsbimg --version and -V print the Makefile's version
# (git describe in a checkout, VERSION and the commit in one without tags, VERSION alone in
# a tarball); compose -q prints nothing on every shipped layout and on one that warns;
# without -q each warning is said once; the compose summary fits 100 columns.
. "$TOP/tests/lib.sh"

note "--version and -V: the version the Makefile computed for this build"
# $BUILD/version is what make built with (make print-version says what it would now: the
# same unless commits came after the build).
want=$(cat "$TOP/$BUILD/version") || fail "the build has no $BUILD/version"
[ -n "$want" ] || fail "$BUILD/version is empty"
for f in --version -V; do
  expect_exit 0 "$LSBIMG" $f
  assert_eq "lsbimg $f" "lsbimg $want" "$OUT"
done
note "a clean checkout without tags, with a tag, and a tarball (no .git, inside another checkout)"
mkdir src && cp "$TOP/Makefile" "$TOP/VERSION" src/
base=$(cat "$TOP/VERSION")
[[ $base =~ ^[0-9]+\.[0-9]+ ]] || fail "VERSION holds '$base', not a version"
g() { git -C src -c user.name=t -c user.email=t@t "$@" >/dev/null; }
g init -q && g add . && g commit -q -m one
assert_eq "no tags" "$base-g$(git -C src rev-parse --short HEAD)" "$(make -s -C src print-version)"
g tag -a v9.8 -m v9.8
assert_eq "a tag" "v9.8" "$(make -s -C src print-version)"
echo x >>src/VERSION.extra && g add . && g commit -q -m two
assert_eq "after a tag" "v9.8-1-g$(git -C src rev-parse --short HEAD)" "$(make -s -C src print-version)"
rm -rf src/.git
assert_eq "tarball" "$base" "$(make -s -C src print-version)"

note "compose -q prints nothing on every shipped layout"
make -s -C "$TOP" BUILD="$BUILD" kernels initramfs-init >make.log 2>&1 ||
  fail "make kernels initramfs-init (the initramfs layouts' inputs): $(tail -n 5 make.log)"
shadow_checkout
included=$(grep -ho '@include "[^"]*"' "$TOP"/layouts/*.cfg | sed 's/@include "\(.*\)"/\1/' | sort -u)
n=0
for l in "$TOP"/layouts/*.cfg; do
  grep -qx "${l##*/}" <<<"$included" && continue
  n=$((n + 1))
  (cd shadow && "$LSBIMG" compose -q --no-stage -o "$PWD/../q.out" "layouts/${l##*/}") >q.stdout 2>q.stderr ||
    fail "compose -q ${l##*/}: $(cat q.stderr)"
  [ ! -s q.stdout ] && [ ! -s q.stderr ] || fail "compose -q ${l##*/} printed: $(cat q.stdout q.stderr)"
done
[ $n -ge 4 ] || fail "only $n shipped layouts found"

note "a layout with warnings: -q prints nothing, otherwise each warning once"
mkdir -p units init
printf '#!/bin/sh\n' >init/init
printf '[Unit]\nDescription=x\nBogus\nRequires=nothere.service\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n' >units/x.service
printf '[Unit]\nDescription=t\n' >units/multi-user.target
cat >w.cfg <<EOF2
image = { format = "squashfs"; inodes = 100; label = "x"; hash_seed = "00000000-0000-0000-0000-000000000001"; output = "w.sqfs"; stage = ""; };
entries = ( { type = "file"; path = "/usr/lib/systemd/systemd"; source = "init/init"; mode = "0755"; },
            { type = "symlink"; path = "/loop1"; target = "loop2"; },
            { type = "symlink"; path = "/loop2"; target = "loop1"; } );
systemd = { units = [ "units" ]; enable = [ "x.service" ]; default_target = "multi-user.target";
            caps_cfg = "$TOP/cfg/bash.cfg"; };
EOF2
expect_exit 0 "$LSBIMG" compose -q w.cfg
assert_eq "-q stdout" "" "$OUT"
assert_eq "-q stderr" "" "$ERR"
expect_exit 0 "$LSBIMG" compose w.cfg
for w in 'w.cfg:1: warning: image.inodes has no effect on format "squashfs"' \
         'w.cfg:1: warning: image.label has no effect on format "squashfs"' \
         'w.cfg:3: warning: /loop1 -> loop2: symlink loop' \
         "/usr/lib/systemd/system/x.service:3: warning: missing '=', line ignored (as systemd does)" \
         '/usr/lib/systemd/system/x.service:4: warning: Requires=nothere.service: no such unit in the image'; do
  assert_contains "warning" "$ERR" "$w"
done
dups=$(sort <<<"$ERR" | uniq -d)
[ -z "$dups" ] || fail "warnings said more than once: $dups"
grep -qv warning <<<"$ERR" && fail "stderr holds more than warnings: $ERR"

note "the summary: short lines"
expect_exit 0 "$LSBIMG" compose --stage stage w.cfg
# The default paths (a relative -o and --stage name the same files as the layout's).
"$LSBIMG" compose -o out/images/lsb_root.img --stage distribution/images shadow/layouts/arm64.cfg \
  >sum 2>sum.err || fail "compose arm64.cfg: $(cat sum.err)"
for s in "$OUT" "$(cat sum)"; do
  awk 'length > 100 { bad = 1 } END { exit bad }' <<<"$s" || fail "a summary line is longer than 100 columns: $s"
  [ "$(wc -l <<<"$s")" -le 4 ] || fail "the summary has more than 4 lines: $s"
done
assert_contains "image line" "$(cat sum)" "out/images/lsb_root.img: ext2, "
assert_contains "staged" "$(cat sum)" "  staged: distribution/images/lsb_root.img"
grep -qE '^  content: [0-9]+ files, [0-9]+ directories, [0-9]+ symlinks, [0-9.]+ MiB of data$' sum ||
  fail "no content line: $(cat sum)"
grep -qE '^  used: [0-9]+/[0-9]+ blocks, [0-9]+/[0-9]+ inodes$' sum || fail "no used line: $(cat sum)"
