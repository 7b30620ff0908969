# kmods section: module closure and load order against modprobe --show-depends (kmod's
# own resolver over the same depmod output): dependencies, soft dependencies (pre: from
# modules.softdep, pre: and post: from the tree's modprobe.d) and aliases; contents against
# the host files via debugfs.
. "$TOP/tests/lib.sh"

make -s -C "$TOP" BUILD="$BUILD" kernels >make.log 2>&1 || fail "make kernels: $(tail -n 5 make.log)"
mods=$(readlink -f "$TOP/out/kernels/arm64/modules")
ver=${mods##*/}
base=${mods%/lib/modules/*}

cat >k.cfg <<EOF
image = { name = "k"; };
kmods = {
  dir = "$TOP/out/kernels/arm64/modules";
  load = ["virtio-mmio", "virtio_blk", "ext4", "virtio"];
};
EOF
expect_exit 0 "$LSBIMG" compose -q --no-stage -o k.img k.cfg
fsck_clean k.img
dbg k.img "cat /etc/modules.order" >order.raw
sed 's/^?//' order.raw >order
mapfile -t order <order

note "the closure is what modprobe would load, ext4's soft dependency on crc32c included"
want=$(for m in virtio_mmio virtio_blk ext4; do
  modprobe -d "$base" -S "$ver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | sed "s|^$base||" | sort -u)
assert_eq "module set" "$want" "$(sort -u order)"
assert_eq "no duplicates" "${#order[@]}" "$(sort -u order | wc -l)"

note "every module comes after what modprobe loads before it"
pos() { local i; for i in "${!order[@]}"; do [ "${order[i]}" = "$1" ] && { echo "$i"; return; }; done; echo -1; }
for m in virtio_mmio virtio_blk ext4; do
  mapfile -t chain < <(modprobe -d "$base" -S "$ver" --show-depends "$m" |
    awk '$1 == "insmod" { print $2 }' | sed "s|^$base||")
  last=${chain[-1]}
  for dep in "${chain[@]:0:${#chain[@]}-1}"; do
    [ "$(pos "$dep")" -lt "$(pos "$last")" ] || fail "$dep must load before $last: ${order[*]}"
  done
done

note "module files are the host's bytes at their modules.order paths"
for p in "${order[@]}"; do
  [[ $p == /lib/modules/$ver/kernel/*.ko ]] || fail "unexpected path $p"
  dump k.img "$p" got.ko
  cmp -s got.ko "$mods/${p#/lib/modules/$ver/}" || fail "$p differs from the host file"
  rm -f got.ko
done

crc=/lib/modules/$ver/kernel/crypto/crc32c_generic.ko
[ "$(pos "$crc")" -ge 0 ] || fail "crc32c_generic (softdep ext4 pre: crypto-crc32c) missing: ${order[*]}"
[ "$(pos "$crc")" -lt "$(pos "/lib/modules/$ver/kernel/fs/jbd2/jbd2.ko")" ] ||
  fail "crc32c_generic must load before jbd2 (its pre: softdep too): ${order[*]}"

note "soft dependencies, which modprobe lets fail, are marked '?'; what is named is not"
grep -qx "?$crc" order.raw || fail "crc32c_generic is not marked optional: $(cat order.raw)"
grep -qx "/lib/modules/$ver/kernel/fs/ext4/ext4.ko" order.raw || fail "ext4 is marked: $(cat order.raw)"
sed 's/load = \[/load = ["crc32c_generic", /' k.cfg >k2.cfg
expect_exit 0 "$LSBIMG" compose -q --no-stage -o k2.img k2.cfg
grep -qx "$crc" <(dbg k2.img "cat /etc/modules.order") || fail "a named crc32c_generic is marked optional"

# show_depends ROOT NAME...: the paths modprobe loads, relative to the module tree, in
# order, with ROOT's modprobe.d as the only configuration.
show_depends() {
  local root=$1 m; shift
  for m in "$@"; do
    modprobe -C "$root/etc/modprobe.d" -d "$root" -S "$ver" --show-depends "$m" |
      awk '$1 == "insmod" { print $2 }' | sed "s|^$root/lib/modules/$ver/||"
  done | awk '!seen[$0]++'
}

note "aliases, and pre: and post: soft dependencies from the tree's own modprobe.d"
# A tree of its own (hard links: same files), with a configuration only it has.
mkdir -p pkg/lib/modules pkg/etc/modprobe.d
cp -al "$mods" pkg/lib/modules/
cat >pkg/etc/modprobe.d/test.conf <<'EOF2'
softdep virtio_blk pre: fs-squashfs post: crypto-crc32c
alias my-disk virtio_blk
EOF2
cat >s.cfg <<EOF2
image = { name = "s"; };
kmods = { dir = "pkg/lib/modules/$ver"; load = ["my-disk", "fs-ext4"]; };
EOF2
expect_exit 0 "$LSBIMG" compose -q --no-stage -o s.img s.cfg
dbg s.img "cat /etc/modules.order" | sed "s|^?||; s|^/lib/modules/$ver/||" >s.order
show_depends "$PWD/pkg" my-disk fs-ext4 >s.want
grep -q squashfs s.want && grep -q crc32c_generic s.want || fail "modprobe shows no softdeps: $(cat s.want)"
diff -u s.want s.order >&2 || fail "modules.order with softdeps and aliases differs from modprobe's order"

note "a recompose sees a conf edited in place and the module tree's path pointed elsewhere"
sleep 1.1   # past the window in which a stat cannot tell a change apart
expect_exit 0 "$LSBIMG" compose -q --no-stage -o s.img s.cfg   # inputs noted settled
expect_exit 0 "$LSBIMG" compose --no-stage -o s.img s.cfg
assert_contains "nothing changed" "$OUT" "s.img: unchanged"
# Rewritten in place (same inode): the directory does not change.
printf 'softdep virtio_blk pre: fs-squashfs post: crypto-crc32c nls_ascii\nalias my-disk virtio_blk\n' \
  >pkg/etc/modprobe.d/test.conf
expect_exit 0 "$LSBIMG" compose --no-stage -o s.img s.cfg
dbg s.img "cat /etc/modules.order" | grep -q nls_ascii || fail "the edited modprobe.d conf was not read again"
mkdir -p pkg2/lib/modules && cp -al "$mods" pkg2/lib/modules/ && ln -s pkg/lib/modules/$ver cur
printf 'image = { name = "c"; };\nkmods = { dir = "cur"; load = ["fs-ext4"]; };\n' >c.cfg
expect_exit 0 "$LSBIMG" compose -q --no-stage -o c.img c.cfg
sleep 1.1
ln -sfn pkg2/lib/modules/$ver cur
expect_exit 0 "$LSBIMG" compose --no-stage -o c.img c.cfg
assert_contains "the module tree's path pointed elsewhere" "$OUT" "pkg2/lib/modules"
note "the host's own modprobe.d is not read"
cat >h.cfg <<EOF2
image = { name = "h"; };
kmods = { dir = "$TOP/out/kernels/arm64/modules"; load = ["my-disk"]; };
EOF2
expect_exit 1 "$LSBIMG" compose -q --no-stage -o h.img h.cfg
assert_contains "alias only in pkg's modprobe.d" "$ERR" "h.cfg:2: error: kmods: no module or alias 'my-disk'"

note "errors name the layout line"
cat >bad.cfg <<EOF
image = { name = "bad"; };
kmods = { dir = "$TOP/out/kernels/arm64/modules";
  load = ["ext4",
          "virtio_blck"]; };
EOF
expect_exit 1 "$LSBIMG" compose -q --no-stage -o bad.img bad.cfg
assert_contains "unknown module" "$ERR" "bad.cfg:4: error: kmods: no module or alias 'virtio_blck'"
assert_contains "suggestion" "$ERR" "did you mean 'virtio_blk'?"
[ ! -e bad.img ] || fail "failed compose left bad.img"

# A tree without modules.dep and a misspelt key (exit 2, like the image's) need no kernel:
# tests/layout/kmods-*.
echo ok
