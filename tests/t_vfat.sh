# image.format = "vfat": fsck.fat -n finds nothing, and mtools (an independent reader)
# sees every file and directory with its bytes and time, the label and the volume id, as
# FAT12, FAT16 and FAT32 and with given cluster sizes; the same layout gives the same bytes,
# holes stay holes in the image file; what FAT cannot hold is an error naming the path;
# lsbimg's own vfat reader against mtools. (The kernel's vfat driver reads it in
# t_boot_vfat: this machine's kernel has none.)
. "$TOP/tests/lib.sh"
export TZ=UTC MTOOLS_SKIP_CHECK=1

mkdir -p src/sub/deeper src/empty src/many
printf 'hello\n' >src/README.txt
printf 'x\n' >src/UPPER.TXT
printf 'lower\n' >src/lower.txt
printf 'y\n' >"src/Mixed Case Name.longextension"
printf 'u\n' >"src/ünïcödé.txt"
printf 'dot\n' >src/.hidden
head -c 300000 /dev/urandom >src/sub/random.bin
printf 'head' >src/sub/holey; printf 'tail' | dd of=src/sub/holey bs=1M seek=8 conv=notrunc status=none
printf 'deep\n' >src/sub/deeper/f
: >src/sub/empty-file
for i in $(seq 1 300); do printf '%d\n' "$i" >"src/many/a-long-file-name-$i.txt"; done
find src -exec touch -h -d @1700000000 {} +

# compose NAME IMAGE-KEYS: src as the whole image.
compose() {
  printf 'image = { name = "%s"; output = "%s.img"; stage = ""; format = "vfat"; %s };\nentries = ( { type = "tree"; path = "/"; source = "src"; } );\n' \
    "$1" "$1" "$2" >"$1.cfg"
  "$LSBIMG" compose -q "$1.cfg" || fail "compose of $1 failed"
}

# check NAME FAT-TYPE: fsck.fat, then everything mtools copies out, with times.
check() {
  local img=$1.img out
  out=$(fsck.fat -n "$img" 2>&1) || fail "fsck.fat -n $img: $out"
  assert_contains "$img type" "$(file -s "$img")" "FAT ($2 bit)"
  rm -rf "m-$1" && mkdir "m-$1"
  mcopy -s -m -n -i "$img" '::/*' '::/.hidden' "m-$1/" || fail "mcopy of $img failed"
  touch -d @1700000000 "m-$1"
  # Owners and modes are FAT's to make up: compare names, types, sizes, times and bytes.
  diff -u <(cd src && find . -printf '%p %y %s %T@\n' | sed 's/ [0-9]* \([0-9.]*\)$/ \1/; /^\. /d' | LC_ALL=C sort) \
          <(cd "m-$1" && find . -printf '%p %y %s %T@\n' | sed 's/ [0-9]* \([0-9.]*\)$/ \1/; /^\. /d' | LC_ALL=C sort) >&2 ||
    fail "$img: mtools sees other names, types or times"
  same_bytes src "m-$1" || fail "$img: mtools reads other bytes"
}

note "auto size: small content is FAT16 with the smallest clusters"
compose a ''
check a 16
assert_contains "label" "$(mlabel -s -i a.img ::)" "Volume label is A"
note "FAT32, FAT12, given cluster sizes"
compose f32 'size = "300M"; label = "LSB ROOT";'
check f32 32
assert_contains "label" "$(mlabel -s -i f32.img ::)" "Volume label is LSB ROOT"
rm -rf tiny && mkdir -p tiny/d && printf 'a\n' >tiny/a && printf 'b\n' >tiny/d/b
printf 'image = { name = "t"; output = "t.img"; stage = ""; format = "vfat"; };\nentries = ( { type = "tree"; path = "/"; source = "tiny"; } );\n' >t.cfg
"$LSBIMG" compose -q t.cfg
fsck.fat -n t.img >/dev/null || fail "fsck.fat -n t.img"
assert_contains "FAT12" "$(file -s t.img)" "FAT (12 bit)"
assert_eq "FAT12 holds a" "a" "$(mtype -i t.img ::/a)"
assert_eq "FAT12 holds d/b" "b" "$(mtype -i t.img ::/d/b)"
compose c4k 'block_size = 4096;'
check c4k 12   # 11 MiB in 4 KiB clusters: fewer than 4085 of them
assert_eq "cluster size" 8 "$(od -An -tu1 -j13 -N1 c4k.img | tr -d ' ')"

note "identity from the layout, reproducible bytes, holes"
id=$(mdir -i a.img :: | sed -n 's/.*Serial Number is //p')
uuid=$(od -An -tx1 -j39 -N4 a.img | tr -d ' ')   # FAT16: the volume id at byte 39
assert_eq "volume id in the boot sector" "$id" "$(printf '%s' "$uuid" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3-\2\1/' | tr a-f A-F)"
mkdir -p again && cp -a src a.cfg again/
(cd again && sleep 1 && "$LSBIMG" compose -q a.cfg)
cmp a.img again/a.img || fail "two composes of one layout differ"
compose b 'label = "OTHER";'
[ "$(mdir -i b.img :: | sed -n 's/.*Serial Number is //p')" != "$id" ] || fail "the volume id did not follow the layout"
alloc=$(( $(stat -c %b f32.img) * 512 ))
# Two FATs, directories, and a host block for each small file come to about 2 MiB; the
# 8 MiB hole and the 290 MiB of free clusters must not be there.
[ "$alloc" -lt $((4 << 20)) ] || fail "f32.img allocates $alloc bytes: holes or free space were written"

note "what FAT cannot hold"
vfat_refuses() { # WHAT ENTRY MESSAGE
  printf 'image = { name = "r"; output = "r.img"; stage = ""; format = "vfat"; };\nentries = ( %s );\n' "$2" >r.cfg
  expect_exit 1 "$LSBIMG" compose -q r.cfg
  assert_contains "$1" "$ERR" "$3"
  [ ! -e r.img ] || fail "$1: an image was written"
}
vfat_refuses symlink '{ type = "symlink"; path = "/l"; target = "x"; }' "r.cfg:2: /l: a symlink: vfat holds regular files and directories only"
vfat_refuses device '{ type = "chr"; path = "/dev/c"; major = 1; minor = 3; }' "/dev/c: a character device: vfat holds"
vfat_refuses "hard link" '{ type = "text"; path = "/a"; text = "x"; }, { type = "hardlink"; path = "/b"; target = "/a"; }' "/a: a hard link (2 names): vfat holds one name per file"
vfat_refuses case '{ type = "text"; path = "/Readme"; text = "x"; }, { type = "text"; path = "/README"; text = "y"; }' "/Readme: the name differs from another name in the directory only in case"
vfat_refuses "trailing dot" '{ type = "text"; path = "/a."; text = "x"; }' "/a.: the name ends in a dot or a space"
vfat_refuses colon '{ type = "text"; path = "/a:b"; text = "x"; }' "/a:b: the name holds a character FAT names cannot"
truncate -s 4G huge
vfat_refuses "4 GiB" "{ type = \"file\"; path = \"/huge\"; source = \"$PWD/huge\"; }" "/huge: 4294967296 bytes, more than FAT's largest file (4 GiB - 1)"
# Modes and owners: one warning.
printf 'image = { name = "w"; output = "w.img"; stage = ""; format = "vfat"; };\nentries = ( { type = "text"; path = "/a"; text = "x"; uid = 7; }, { type = "text"; path = "/b"; text = "y"; mode = "0600"; } );\n' >w.cfg
expect_exit 0 "$LSBIMG" compose w.cfg
assert_eq "one warning" 1 "$(grep -c 'warning: ' <<<"$ERR")"
assert_contains "warning" "$ERR" "vfat keeps no owners, permissions or extended attributes: those of 2 files and directories are dropped"

note "lsbimg reads vfat as mtools does"
expect_exit 0 "$LSBIMG" extract f32.img x
diff -r x m-f32 >&2 || fail "lsbimg extract differs from mcopy"
"$LSBIMG" cat f32.img /sub/random.bin | cmp - src/sub/random.bin || fail "lsbimg cat differs"
expect_exit 0 "$LSBIMG" info a.img
assert_contains "info" "$OUT" "fat: 16"
assert_contains "info" "$OUT" "volume_id: $id"
expect_exit 0 "$LSBIMG" ls -l a.img /sub
assert_contains "ls" "$OUT" "-rw-r--r--   1     0     0     300000 2023-11-14 22:13:20 random.bin"

note "a truncated image is refused, exit 2"
head -c 30000 a.img >trunc.img
expect_exit 2 "$LSBIMG" ls trunc.img /
assert_contains "truncated" "$ERR" "trunc.img: error: not a readable FAT file system: the boot sector describes more than the file holds"
