#!/bin/bash
# A layout of one's own, outside the repository, that includes the default arm64 layout by
# its absolute path and changes what it says about the image in an `override` group:
# composes, with the size and name it asks for, and e2fsck -fn finds nothing. A relative
# @include is resolved in the directory of the file that names it, and so are the host
# paths in that file; a missing one names the path tried at the @include's file:line.
. "$TOP/tests/lib.sh"
[ -d "$TOP/out/debs/rootfs-arm64" ] || fail "no out/debs/rootfs-arm64 (make debs)"

note "the default arm64 layout, included by its absolute path, with image settings changed"
mkdir mine
cat >mine/my.cfg <<EOF
@include "$TOP/layouts/arm64.cfg"
override = {
  image = { name = "mine"; size = "300M"; label = "mine"; output = "$PWD/mine.img"; stage = ""; };
};
entries_mine = ( { type = "text"; path = "/etc/mine"; text = "mine\n"; } );
EOF
expect_exit 0 "$LSBIMG" compose -q mine/my.cfg
fsck_clean mine.img
assert_eq "size from the override" $((300 << 20)) "$(stat -c %s mine.img)"
assert_eq "label from the override" mine "$(dumpe2fs -h mine.img 2>/dev/null | sed -n 's/^Filesystem volume name: *//p')"
assert_eq "the including layout's entry" mine "$(dbg mine.img 'cat /etc/mine')"
assert_eq "the included layout's entries" 0700 "$(stat_field mine.img /root Mode)"
assert_eq "the included layout's systemd" "/lib/systemd/systemd" "$(link_dest mine.img /sbin/init)"
[ ! -e "$TOP/out/images/mine.img" ] || fail "the override's output was not used"

note "without the override: libconfig's duplicate, and how to change it instead"
sed 's/^override = {/image = {/; s/^  image = { \(.*\) };$/  \1/' mine/my.cfg >mine/dup.cfg
expect_exit 2 "$LSBIMG" compose -q mine/dup.cfg
assert_contains "duplicate" "$ERR" "mine/dup.cfg:2: error: duplicate setting name (to change a setting an included file makes, put it in an override = { ... } group)"

note "overrides: groups merge member by member, other values are replaced, in file order"
mkdir -p o/base/src
printf 'from base/src\n' >o/base/src/f
cat >o/base/base.cfg <<EOF
image = { name = "base"; stage = ""; timestamp = 1600000000; output = "$PWD/o.img"; };
entries = ( { type = "file"; path = "/f"; source = "src/f"; } );
EOF
cat >o/top.cfg <<'EOF'
override = { image = { timestamp = 1500000000; }; };
@include "base/base.cfg"
override_2 = { image = { timestamp = 1400000000; name = "o"; }; };
EOF
expect_exit 0 "$LSBIMG" compose -q o/top.cfg
fsck_clean o.img
assert_contains "the later override's timestamp" "$(dbg o.img 'stat /f')" "mtime: 0x53724e00"
assert_eq "host path relative to the included file" "from base/src" "$(dbg o.img 'cat /f')"

note "a nested @include: relative to its includer, and the path tried when it is missing"
mkdir -p n/a/b
printf 'image = { name = "n"; stage = ""; output = "%s/n.img"; };\n@include "a/one.cfg"\n' "$PWD" >n/top.cfg
printf 'entries = (\n@include "b/two.cfg"\n);\n' >n/a/one.cfg
printf '{ type = "file"; path = "/two"; source = "data"; }\n' >n/a/b/two.cfg
printf 'two\n' >n/a/b/data
expect_exit 0 "$LSBIMG" compose -q n/top.cfg
assert_eq "nested include's file" two "$(dbg n.img 'cat /two')"
rm n/a/b/two.cfg
printf '{ type = "dir"; path = "/decoy"; }\n' >n/two.cfg
expect_exit 2 "$LSBIMG" compose -q n/top.cfg
assert_eq "missing nested include" 'n/a/one.cfg:2: error: @include "b/two.cfg": n/a/b/two.cfg: No such file or directory' "$ERR"
