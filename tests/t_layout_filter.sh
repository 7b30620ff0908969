#!/bin/bash
# include and exclude on tree and archive entries and on systemd's staged tree: a
# generated cross-built-like tree (headers, static libraries, man pages, links) imported
# without headers, static libraries and man pages, from the directory and from a tar of
# it. Oracles: GNU find's own -path/-name matching on the source for the expected listing,
# the image's listing as debugfs rdump writes it out, e2fsck -fn, strace for files never
# opened, and the warning for a pattern that matched nothing.
. "$TOP/tests/lib.sh"
command -v strace >/dev/null || fail "strace missing"

mkdir -p src/usr/include/sys src/usr/lib/pkg src/usr/lib/x/y src/usr/share/man/man1 \
  src/usr/share/doc src/usr/bin src/etc
printf 'h\n' >src/usr/include/secret-header.h
printf 'h\n' >src/usr/include/sys/types.h
printf 'a\n' >src/usr/lib/libz.a
printf 'a\n' >src/usr/lib/x/y/libdeep.a
printf 'so\n' >src/usr/lib/libz.so.1
ln -s libz.so.1 src/usr/lib/libz.so
printf 'a\n' >src/libtop.a
printf 'm\n' >src/usr/share/man/man1/tool.1
printf 'd\n' >src/usr/share/doc/README
printf 'tool\n' >src/usr/bin/tool
ln src/usr/bin/tool src/usr/bin/tool-alias
printf 'pc\n' >src/usr/lib/pkg/z.pc
printf 'conf\n' >src/etc/tool.conf
chmod 0750 src/usr/lib/x
# Sorted: usr/bin/tool holds the data, usr/bin/tool-alias is a hard link to it.
tar -C src --sort=name -cf src.tar .

# The oracle: what find keeps of SRC, as paths below it.
expected() {
  (cd src && find . -mindepth 1 \( -path ./usr/include -o -path ./usr/share/man \) -prune \
    -o ! -name '*.a' -printf '%P\n' | LC_ALL=C sort)
}
# got IMG DIR: the paths below image directory DIR, as debugfs rdump writes them out.
got() {
  rm -rf dump && mkdir dump
  debugfs -R "rdump $2 $PWD/dump" "$1" >/dev/null 2>&1
  (cd "dump/${2##*/}" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort)
}

cat >e.cfg <<'EOF'
image = { name = "e"; output = "e.img"; stage = ""; };
entries = (
  { type = "tree"; path = "/tree"; source = "src";
    exclude = [ "usr/include/**", "**/*.a", "usr/share/man/**" ]; },
  { type = "archive"; path = "/tar"; source = "src.tar";
    exclude = [ "usr/include/**", "**/*.a", "usr/share/man/**" ]; }
);
EOF
note "exclude on a tree and on a tar of it"
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -o trace -e trace=open,openat,openat2 "$LSBIMG" compose -q e.cfg 2>err ||
  fail "compose failed: $(cat err)"
[ ! -s err ] || fail "compose said: $(cat err)"
fsck_clean e.img
want=$(expected)
assert_eq "tree listing" "$want" "$(got e.img /tree)"
assert_eq "tar listing" "$want" "$(got e.img /tar)"
assert_eq "hard link kept" 2 "$(stat_field e.img /tree/usr/bin/tool Links)"
assert_eq "symlink kept" libz.so.1 "$(link_dest e.img /tree/usr/lib/libz.so)"
opened='secret-header\|"include"\|tool\.1\|"man"\|libz\.a'
! grep -q "$opened" trace || fail "an excluded file or directory was opened: $(grep "$opened" trace)"
grep -q '"tool"' trace || fail "strace saw no open of an imported file (is the oracle blind?)"

cat >f.cfg <<'EOF'
image = { name = "f"; output = "f.img"; stage = ""; };
entries = (
  { type = "tree"; path = "/inc"; source = "src";
    include = [ "usr/lib/**/*.so*", "usr/bin/tool", "usr/lib/x" ]; exclude = "**/libdeep.a"; },
  { type = "archive"; path = "/tarinc"; source = "src.tar";
    include = [ "usr/lib/**/*.so*", "usr/bin/tool", "usr/lib/x" ]; exclude = "**/libdeep.a"; },
  { type = "tree"; path = "/unused"; source = "src/etc"; exclude = [ "*.conf", "nothing/**" ]; }
);
EOF
expect_exit 0 "$LSBIMG" compose f.cfg   # not -q, which prints errors only
ferr=$ERR
fsck_clean f.img
note "include keeps the directories on the way, with the source's modes"
inc=$'usr\nusr/bin\nusr/bin/tool\nusr/lib\nusr/lib/libz.so\nusr/lib/libz.so.1\nusr/lib/x\nusr/lib/x/y'
assert_eq "tree include listing" "$inc" "$(got f.img /inc)"
assert_eq "tar include listing" "$inc" "$(got f.img /tarinc)"
assert_eq "tree parent's mode" 0750 "$(stat_field f.img /inc/usr/lib/x Mode)"
assert_eq "tar parent's mode" 0750 "$(stat_field f.img /tarinc/usr/lib/x Mode)"
assert_eq "a hard link's other name not included" 1 "$(stat_field f.img /inc/usr/bin/tool Links)"

note "an archive's hard link whose target is left out: left out too, with a warning"
cat >h.cfg <<'EOF'
image = { name = "h"; output = "h.img"; stage = ""; };
entries = ( { type = "archive"; path = "/"; source = "src.tar"; include = "usr/bin/tool-alias"; } );
EOF
expect_exit 0 "$LSBIMG" compose h.cfg
assert_eq "warning" "lsbimg: warning: h.cfg:2: src.tar: ./usr/bin/tool-alias: a hard link to './usr/bin/tool', which the filter leaves out: left out too" "$ERR"
assert_eq "nothing else: the directories on the way wait for what is kept" lost+found "$(got h.img /)"

note "a pattern that matched nothing: a warning with file:line"
assert_eq "warning" "f.cfg:7: warning: exclude pattern 'nothing/**' matched nothing" "$ferr"

note "systemd's staged tree, filtered"
mkdir -p sd/usr/lib/systemd/system sd/usr/include/systemd sd/usr/share/man/man1
printf '#!/bin/sh\n' >sd/usr/lib/systemd/systemd
chmod 755 sd/usr/lib/systemd/systemd
printf 'h\n' >sd/usr/include/systemd/sd-bus.h
printf 'a\n' >sd/usr/lib/libsystemd.a
printf 'm\n' >sd/usr/share/man/man1/systemctl.1
printf '[Unit]\nDescription=Basic\n' >sd/usr/lib/systemd/system/basic.target
cat >s.cfg <<EOF
image = { name = "s"; output = "s.img"; stage = ""; };
systemd = { staged = "sd"; caps_cfg = "$TOP/cfg/bash.cfg";
  exclude = [ "usr/include/**", "**/*.a", "usr/share/man/**" ]; };
EOF
expect_exit 0 "$LSBIMG" compose -q s.cfg
fsck_clean s.img
assert_eq "staged without headers, archives, man pages" \
  "$(printf '%s\n' lib lib/systemd lib/systemd/system lib/systemd/system/basic.target \
     lib/systemd/systemd share | LC_ALL=C sort)" "$(got s.img /usr | grep -v '^lib/lsbimg')"
