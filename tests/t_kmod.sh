# kmods section: module closure and load order against modprobe --show-depends (kmod's
# own resolver over the same depmod output), contents against the host files via debugfs.
. "$TOP/tests/lib.sh"

make -s -C "$TOP" BUILD="$BUILD" kernels >make.log 2>&1 || fail "make kernels: $(tail -n 5 make.log)"
mods=$(readlink -f "$TOP/out/kernels/arm64/modules")
ver=${mods##*/}
base=${mods%/lib/modules/*}

cat >k.cfg <<EOF
image = { name = "k"; };
kmods = {
  dir = "$TOP/out/kernels/arm64/modules";
  load = ["virtio-mmio", "virtio_blk", "crc32c_generic", "ext4", "virtio"];
};
EOF
expect_exit 0 "$LSBIMG" compose -q --no-stage -o k.img k.cfg
fsck_clean k.img
dbg k.img "cat /etc/modules.order" >order
mapfile -t order <order

note "the closure is what modprobe would load"
want=$(for m in virtio_mmio virtio_blk crc32c_generic ext4; do
  modprobe -d "$base" -S "$ver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | sed "s|^$base||" | sort -u)
assert_eq "module set" "$want" "$(sort -u order)"
assert_eq "no duplicates" "${#order[@]}" "$(sort -u order | wc -l)"

note "every module comes after what modprobe loads before it"
pos() { local i; for i in "${!order[@]}"; do [ "${order[i]}" = "$1" ] && { echo "$i"; return; }; done; echo -1; }
for m in virtio_mmio virtio_blk crc32c_generic ext4; do
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

note "errors name the layout line"
cat >bad.cfg <<EOF
image = { name = "bad"; };
kmods = { dir = "$TOP/out/kernels/arm64/modules";
  load = ["ext4",
          "virtio_blck"]; };
EOF
expect_exit 1 "$LSBIMG" compose -q --no-stage -o bad.img bad.cfg
assert_contains "unknown module" "$ERR" "bad.cfg:4: error: kmods: no module 'virtio_blck'"
assert_contains "suggestion" "$ERR" "did you mean 'virtio_blk'?"
[ ! -e bad.img ] || fail "failed compose left bad.img"

# A tree without modules.dep and a misspelt key (exit 2, like the image's) need no kernel:
# tests/layout/kmods-*.
echo ok
