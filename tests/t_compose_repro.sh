# Byte-identical images whatever the host's mtimes, umask or directory listing order.
. "$TOP/tests/lib.sh"

make_src() { # creates the same tree, in the order given
  rm -rf src; mkdir -p src
  for n in "$@"; do mkdir -p "src/d$n"; printf 'file %s\n' "$n" > "src/d$n/f"; ln -s "d$n/f" "src/l$n"; done
  printf 'top\n' > src/top; chmod 0640 src/top
}
cat > r.cfg <<'EOF2'
image = { name = "r"; output = "out/r.img"; stage = "stage"; };
entries = (
  { type = "tree"; path = "/"; source = "src"; },
  { type = "file"; path = "/etc/top"; source = "src/top"; },
  { type = "text"; path = "/etc/hostname"; text = "l4re\n"; }
);
EOF2

make_src 1 2 3 4 5 6 7 8 9
"$LSBIMG" compose -q r.cfg
a=$(sha256sum < out/r.img)
"$LSBIMG" compose -q r.cfg
assert_eq "second compose" "$a" "$(sha256sum < out/r.img)"
assert_eq "staged copy" "$a" "$(sha256sum < stage/r.img)"

find src -exec touch -h -d '2031-05-06 07:08:09' {} +
(umask 077; "$LSBIMG" compose -q r.cfg)
assert_eq "after touch and umask 077" "$a" "$(sha256sum < out/r.img)"

make_src 9 8 7 6 5 4 3 2 1
(umask 000; "$LSBIMG" compose -q r.cfg)
assert_eq "after re-creating sources in reverse order" "$a" "$(sha256sum < out/r.img)"

SOURCE_DATE_EPOCH=1234567890 "$LSBIMG" compose -q r.cfg
b=$(sha256sum < out/r.img)
[ "$a" != "$b" ] || fail "SOURCE_DATE_EPOCH did not change the image"
SOURCE_DATE_EPOCH=1234567890 "$LSBIMG" compose -q r.cfg
assert_eq "same SOURCE_DATE_EPOCH" "$b" "$(sha256sum < out/r.img)"
assert_contains "mtime from SOURCE_DATE_EPOCH" "$(dbg out/r.img 'stat /top')" "mtime: 0x499602d2"
fsck_clean out/r.img

note "the same bytes whichever directory compose runs in (the caps record names the ned"
note "script as the layout writes it)"
mkdir -p lay/units && cp "$TOP"/units/fs_server.service lay/units/ && cp "$TOP/cfg/bash.cfg" lay/
printf 'image = { name = "w"; stage = ""; };\nsystemd = { units = [ "units" ]; enable = [ "fs_server.service" ]; caps_cfg = "bash.cfg"; };\n' >lay/w.cfg
"$LSBIMG" compose -q -o "$PWD/w1.img" lay/w.cfg
(cd lay && "$LSBIMG" compose -q -o "$OLDPWD/w2.img" w.cfg)
cmp w1.img w2.img || fail "the image depends on the directory compose ran in"
assert_contains "record" "$(dbg w1.img 'cat /usr/lib/lsbimg/check.conf')" "ned_script=bash.cfg"
