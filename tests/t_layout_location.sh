#!/bin/bash
# The image's bytes do not depend on the layout file's name or place: the default arm64
# layout with its includes, copied into two directories (one deeper) under other names and
# given a capability mapping (whose drop-in named the layout's file and line), composes
# to the same sha256; so does a layout that names no image (the default label came from
# the file name). Oracle: sha256sum, and debugfs for the drop-in and the label.
. "$TOP/tests/lib.sh"
[ -d "$TOP/out/debs/rootfs-arm64" ] || fail "no out/debs/rootfs-arm64 (make debs)"

# copy DIR TOPNAME EXTRA: the default layouts into DIR/layouts, the top one as TOPNAME with
# EXTRA lines of comment before its systemd mapping, and what their relative paths name.
copy() {
  mkdir -p "$1/layouts"
  cp "$TOP/layouts/common.cfg" "$TOP/layouts/image.cfg" "$TOP/layouts/systemd.cfg" "$1/layouts/"
  { for ((i = 0; i < $3; i++)); do echo "# line $i"; done
    cat "$TOP/layouts/arm64.cfg"
    echo 'override = { systemd = { mappings = ( { unit = "net_server.service"; env = { L4_CAP_EXTRA = "global_fd"; }; } ); }; };'
  } >"$1/layouts/$2"
  ln -s "$TOP/out" "$1/out"
  ln -s "$TOP/units" "$1/units"
  ln -s "$TOP/cfg" "$1/cfg"
}
copy here lsb.cfg 0
copy elsewhere/deeper renamed-layout.cfg 7
expect_exit 0 "$LSBIMG" compose -q -o a.img --no-stage here/layouts/lsb.cfg
fsck_clean a.img
(cd elsewhere && expect_exit 0 "$LSBIMG" compose -q -o ../b.img --no-stage deeper/layouts/renamed-layout.cfg)
dropin=/etc/systemd/system/net_server.service.d/50-l4-caps.conf
assert_contains "the mapping is there" "$(dbg a.img "cat $dropin")" 'Environment="L4_CAP_EXTRA=global_fd"'
[[ $(dbg b.img "cat $dropin") != *renamed* ]] || fail "the drop-in names the layout file"
assert_eq "same image from a renamed, moved layout" "$(sha a.img)" "$(sha b.img)"

note "a layout that names no image: the label is not the file's name"
printf 'image = { stage = ""; };\nentries = ( { type = "dir"; path = "/d"; } );\n' >first.cfg
cp first.cfg second-name.cfg
expect_exit 0 "$LSBIMG" compose -q -o 1.img first.cfg
expect_exit 0 "$LSBIMG" compose -q -o 2.img second-name.cfg
assert_eq "label" "" "$(dumpe2fs -h 1.img 2>/dev/null | sed -n 's/^Filesystem volume name: *//p' | sed 's/<none>//')"
assert_eq "same image from another name" "$(sha 1.img)" "$(sha 2.img)"
