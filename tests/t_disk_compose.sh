# Disk layouts (docs/layout.md "Disks"): a GPT of ext2, ext4, vfat and squashfs partitions
# from layouts, a host file and an empty partition, and an MBR disk, checked against
# independent readers: sfdisk --json for the table, sgdisk -v for both GPT headers and
# their CRCs, and each partition cut out at its offset with dd for fsck.fat -n, e2fsck -fn
# and unsquashfs. Then: the same bytes twice, holes kept, the inspect commands on DISK:N
# and DISK:NAME (a file whose name holds ':' stays that file), diff of two disks, and a
# failing compose that leaves the previous disk byte-identical and no temporary behind.
. "$TOP/tests/lib.sh"
for t in sfdisk sgdisk fsck.fat e2fsck unsquashfs jq; do
  command -v $t >/dev/null || fail "$t missing (scripts/deps.sh test)"
done

cat >esp.cfg <<'L'
image = { format = "vfat"; label = "ESP"; };
entries = ( { type = "text"; path = "/EFI/BOOT/hello.txt"; text = "hello\n"; } );
L
cat >root.cfg <<'L'
image = { format = "ext4"; };
entries = ( { type = "text"; path = "/etc/hostname"; text = "disk\n"; },
            { type = "file"; path = "/big"; source = "big"; } );
L
cat >data.cfg <<'L'
image = { format = "ext2"; };
entries = ( { type = "text"; path = "/data"; text = "ext2\n"; } );
L
cat >ro.cfg <<'L'
image = { format = "squashfs"; };
entries = ( { type = "text"; path = "/ro"; text = "squash\n"; } );
L
cat >gpt.cfg <<'L'
image = { name = "gpt"; };
disk = {
  table = "gpt";
  partitions = (
    { name = "esp"; type = "esp"; layout = "esp.cfg"; size = "40M"; },
    { name = "root"; type = "linux-root-arm64"; layout = "root.cfg"; attributes = ["growfs"]; },
    { name = "data"; type = "linux-generic"; layout = "data.cfg"; size = "8M"; align = "4M"; },
    { name = "ro"; type = "linux-usr-arm64"; layout = "ro.cfg"; attributes = ["read-only", "no-auto"]; },
    { name = "raw"; type = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"; source = "raw.bin"; },
    { name = "swap"; type = "swap"; size = "2M"; uuid = "01234567-89ab-cdef-0123-456789abcdef"; }
  );
};
L
# A sparse source: 32 MiB with data only at the start and the end.
truncate -s 32M big
printf 'begin' | dd of=big conv=notrunc status=none
printf 'end' | dd of=big bs=1 seek=$((32 * 1024 * 1024 - 3)) conv=notrunc status=none
head -c 100000 /dev/urandom >raw.bin

note "GPT: compose twice, same bytes"
expect_exit 0 "$LSBIMG" compose -q --no-stage -o gpt.img gpt.cfg
expect_exit 0 "$LSBIMG" compose -q --no-stage -o gpt2.img gpt.cfg
assert_eq "two composes" "$(sha256sum <gpt.img)" "$(sha256sum <gpt2.img)"
[ -z "$(find . -name '.*.lsbimg.*')" ] || fail "temporaries left: $(find . -name '.*.lsbimg.*')"
size=$(stat -c %s gpt.img) used=$(($(stat -c %b gpt.img) * 512))
[ $used -lt $((size / 2)) ] || fail "holes not kept: $used bytes used of $size"

note "default output and staging: the disk's name, not a partition layout's"
expect_exit 0 "$LSBIMG" compose -q --stage staged gpt.cfg
[ -f out/images/gpt.img ] && [ -f staged/gpt.img ] || fail "no out/images/gpt.img and staged copy: $(find out staged)"
assert_eq "only the disk written" "out/images/gpt.img staged/gpt.img" "$(find out staged -type f | sort | paste -sd ' ')"
assert_eq "default output, same bytes" "$(sha256sum <gpt.img)" "$(sha256sum <out/images/gpt.img)"

note "GPT: sfdisk --json and sgdisk -v"
json=$(sfdisk --json gpt.img)
sf() { jq -r "$1" <<<"$json"; }
assert_eq label gpt "$(sf .partitiontable.label)"
assert_eq partitions 6 "$(sf '.partitiontable.partitions | length')"
assert_eq types "C12A7328-F81F-11D2-BA4B-00A0C93EC93B B921B045-1DF0-41C3-AF44-4C6F280D3FAE 0FC63DAF-8483-4772-8E79-3D69D8477DE4 B0E01050-EE5F-4390-949A-9101B17104E9 0FC63DAF-8483-4772-8E79-3D69D8477DE4 0657FD6D-A4AB-43C4-84E5-0933C84B4F4F" \
  "$(sf '[.partitiontable.partitions[].type] | join(" ")')"
assert_eq names "esp root data ro raw swap" "$(sf '[.partitiontable.partitions[].name] | join(" ")')"
assert_eq "attributes" "GUID:59|GUID:60,63" "$(sf '[.partitiontable.partitions[1,3].attrs] | join("|")' | tr -d ' ')"
assert_eq "given uuid" 01234567-89AB-CDEF-0123-456789ABCDEF "$(sf '.partitiontable.partitions[5].uuid')"
assert_eq "esp start (1 MiB)" 2048 "$(sf '.partitiontable.partitions[0].start')"
assert_eq "esp size" $((40 * 2048)) "$(sf '.partitiontable.partitions[0].size')"
data_start=$(sf '.partitiontable.partitions[2].start')
assert_eq "data aligned to 4 MiB" 0 $((data_start % 8192))
uuids=$(sf '[.partitiontable.partitions[].uuid] | unique | length')
assert_eq "distinct partition uuids" 6 "$uuids"
v=$(sgdisk -v gpt.img 2>&1) || fail "sgdisk -v: $v"
assert_contains "sgdisk -v" "$v" "No problems found"

note "partitions cut out at their offsets"
cut_part() { # N FILE OUT
  local start size
  start=$(jq -r ".partitiontable.partitions[$(($1 - 1))].start" <<<"$(sfdisk --json "$2")")
  size=$(jq -r ".partitiontable.partitions[$(($1 - 1))].size" <<<"$(sfdisk --json "$2")")
  dd if="$2" of="$3" bs=512 skip="$start" count="$size" status=none
}
cut_part 1 gpt.img p1; out=$(fsck.fat -n p1 2>&1) || fail "fsck.fat -n esp: $out"
cut_part 2 gpt.img p2; fsck_clean p2
assert_eq "root is ext4" ext4 "$(blkid -o value -s TYPE p2)"
cut_part 3 gpt.img p3; fsck_clean p3
cut_part 4 gpt.img p4; unsquashfs -d sq p4 >/dev/null || fail "unsquashfs of partition 4"
assert_eq "squashfs file" squash "$(cat sq/ro)"
cut_part 5 gpt.img p5; cmp -n 100000 p5 raw.bin || fail "raw partition differs from its source"
[ "$(stat -c %s p2)" -gt $((32 * 1024 * 1024)) ] || fail "auto root partition too small for its content"

note "inspect commands on DISK:N and DISK:NAME"
expect_exit 0 "$LSBIMG" info gpt.img
assert_contains "info lists root" "$OUT" "2: name root, type linux-root-arm64"
assert_contains "info names the fs" "$OUT" "file system ext4"
expect_exit 0 "$LSBIMG" info --json gpt.img
assert_eq "info json fs" "vfat ext4 ext2 squashfs none none" \
  "$(jq -r '[.partitions[].filesystem] | join(" ")' <<<"$OUT")"
"$TOP/tests/json_check.py" info <<<"$OUT" || fail "info --json of a disk does not match the schema: $OUT"
expect_exit 0 "$LSBIMG" compose --json --no-stage -o json.img gpt.cfg
"$TOP/tests/json_check.py" compose <<<"$OUT" || fail "compose --json of a disk does not match the schema: $OUT"
assert_eq "compose --json format and size" "disk $(stat -c %s gpt.img)" "$(jq -r '"\(.format) \(.size)"' <<<"$OUT")"
expect_exit 0 "$LSBIMG" cat gpt.img:root /etc/hostname
assert_eq "cat DISK:root" disk "$OUT"
assert_eq "cat sparse file" $((32 * 1024 * 1024)) "$("$LSBIMG" cat gpt.img:2 /big | wc -c)"
expect_exit 0 "$LSBIMG" ls gpt.img:esp /EFI/BOOT
assert_eq "ls DISK:esp" hello.txt "$OUT"
expect_exit 0 "$LSBIMG" cat gpt.img:4 /ro
assert_eq "cat squashfs partition" squash "$OUT"
expect_exit 0 "$LSBIMG" check gpt.img:data
expect_exit 0 "$LSBIMG" extract gpt.img:data x
assert_eq "extract DISK:data" ext2 "$(cat x/data)"
expect_exit 2 "$LSBIMG" ls gpt.img /
assert_contains "a whole disk" "$ERR" "name a partition"
expect_exit 2 "$LSBIMG" ls gpt.img:nope /
assert_contains "no such partition" "$ERR" "gpt.img has no partition 'nope'"
# A file whose own name holds ':' is that file.
cp p3 'fs.img:2'
expect_exit 0 "$LSBIMG" cat 'fs.img:2' /data
assert_eq "file named fs.img:2" ext2 "$OUT"

note "diff of two disks"
sed 's/text = "disk\\n"/text = "other\\n"/' root.cfg >root2.cfg
sed 's/root.cfg/root2.cfg/; s/size = "2M"/size = "3M"/' gpt.cfg >other.cfg
expect_exit 0 "$LSBIMG" compose -q --no-stage -o other.img other.cfg
expect_exit 1 "$LSBIMG" diff gpt.img other.img
assert_contains "diff names the file" "$OUT" "~ 2:/etc/hostname: content"
assert_contains "diff names a derived uuid" "$OUT" "~ partition 1: uuid"
assert_contains "diff names the size" "$OUT" "size 2097152 -> 3145728"
expect_exit 0 "$LSBIMG" diff gpt.img gpt2.img
assert_eq "equal disks" "" "$OUT"
expect_exit 2 "$LSBIMG" diff --json gpt.img other.img
assert_contains "diff --json of disks" "$ERR" "name the partitions"
expect_exit 1 "$LSBIMG" diff --json gpt.img:2 other.img:2
"$TOP/tests/json_check.py" diff <<<"$OUT" || fail "diff --json of partitions does not match the schema: $OUT"

note "MBR"
cat >mbr.cfg <<'L'
disk = {
  table = "mbr";
  partitions = (
    { type = "esp"; layout = "esp.cfg"; size = "40M"; attributes = "bootable"; },
    { type = "linux-generic"; layout = "data.cfg"; },
    { type = "0x0c"; source = "raw.bin"; }
  );
};
L
expect_exit 0 "$LSBIMG" compose -q --no-stage -o mbr.img mbr.cfg
json=$(sfdisk --json mbr.img)
assert_eq "mbr label" dos "$(sf .partitiontable.label)"
assert_eq "mbr types" "ef 83 c" "$(sf '[.partitiontable.partitions[].type] | join(" ")')"
assert_eq "mbr bootable" "true" "$(sf '.partitiontable.partitions[0].bootable')"
id=$(sf .partitiontable.id)
[[ $id =~ ^0x[0-9a-f]{8}$ ]] && [ "$id" != 0x00000000 ] || fail "mbr disk id '$id'"
cut_part 1 mbr.img m1; out=$(fsck.fat -n m1 2>&1) || fail "fsck.fat -n mbr esp: $out"
cut_part 2 mbr.img m2; fsck_clean m2
expect_exit 0 "$LSBIMG" cat mbr.img:2 /data
assert_eq "cat mbr partition" ext2 "$OUT"
expect_exit 0 "$LSBIMG" compose -q --no-stage -o mbr2.img mbr.cfg
assert_eq "mbr twice" "$(sha256sum <mbr.img)" "$(sha256sum <mbr2.img)"

note "a failing compose keeps the previous disk"
before=$(sha256sum <gpt.img)
head -c 5000000 /dev/urandom >raw.bin   # now larger than the 2 MiB it was given below
sed 's/{ name = "raw"; type = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"; source = "raw.bin"; }/{ name = "raw"; type = "linux-generic"; source = "raw.bin"; size = "2M"; }/' gpt.cfg >bad.cfg
expect_exit 1 "$LSBIMG" compose -q --no-stage -o gpt.img bad.cfg
assert_contains "names the partition's line" "$ERR" "bad.cfg:9: error: partition 5: raw.bin is 5000000 bytes"
assert_eq "previous disk" "$before" "$(sha256sum <gpt.img)"
[ -z "$(find . -name '.*.lsbimg.*')" ] || fail "temporaries left: $(find . -name '.*.lsbimg.*')"
