# Full disks: on the output, on the staging directory (small tmpfs mounts and an ext4 loop
# file system). Every failure exits 1 naming the output that could not be written (never
# the source being copied, never a temporary file), leaves the previous image and staged
# copy byte-identical and e2fsck-clean, and leaves no temporary file.
. "$TOP/tests/lib.sh"

mkdir -p src out; printf 'data\n' > src/a; head -c 200000 /dev/urandom > src/small
layout() { # NAME OUTPUT STAGE
  printf 'image = { name = "g"; output = "%s"; stage = "%s"; };\nentries = ( { type = "tree"; path = "/"; source = "src"; } );\n' \
    "$2" "$3" > "$1.cfg"
}
on_exit 'for m in full sfull loop; do umount "$m" 2>/dev/null; done' 

# the message names the output, not the source or a temporary
names_output() { # WHAT OUTPUT
  assert_contains "$1: message" "$ERR" "No space left on device"
  assert_contains "$1: names the output" "$ERR" "$2"
  case $ERR in *src/big*) fail "$1: the message names the source: $ERR" ;; esac
  case $ERR in *.lsbimg.*|*/.g.img.*) fail "$1: the message names a temporary file: $ERR" ;; esac
}

note "output on a full tmpfs"
mkdir -p full; mount -t tmpfs -o size=6M tmpfs full
layout f full/g.img ""
expect_exit 0 "$LSBIMG" compose -q f.cfg
before=$(sha full/g.img)
head -c 8000000 /dev/urandom > src/big
expect_exit 1 "$LSBIMG" compose -q f.cfg
names_output "full output" "full/g.img"
unchanged "full output" full/g.img "$before"
no_temps full
rm src/big

note "staging on a full tmpfs: the image is not replaced either"
mkdir -p sfull; mount -t tmpfs -o size=6M tmpfs sfull
layout s out/g.img sfull
expect_exit 0 "$LSBIMG" compose -q s.cfg
img=$(sha out/g.img); staged=$(sha sfull/g.img)
head -c 8000000 /dev/urandom > src/big
expect_exit 1 "$LSBIMG" compose -q s.cfg
names_output "full staging" "sfull"
unchanged "full staging" out/g.img "$img"
unchanged "full staging" sfull/g.img "$staged"
no_temps out sfull
rm src/big

note "staging directory that is a file: the image is not replaced"
touch stagefile
head -c 100000 /dev/urandom > src/other
expect_exit 1 "$LSBIMG" compose -q --stage stagefile s.cfg
assert_contains "stage is a file" "$ERR" "stagefile"
unchanged "stage is a file" out/g.img "$img"
unchanged "stage is a file" sfull/g.img "$staged"
no_temps out sfull
rm src/other

note "source and output on one full ext4 loop file system (copy_file_range fails)"
truncate -s 24M loop.fs; mkfs.ext4 -q -F loop.fs; mkdir -p loop; mount -o loop loop.fs loop
mkdir -p loop/src; cp src/a src/small loop/src/
printf 'image = { name = "g"; output = "loop/g.img"; stage = ""; };\nentries = ( { type = "tree"; path = "/"; source = "loop/src"; } );\n' > l.cfg
expect_exit 0 "$LSBIMG" compose -q l.cfg
before=$(sha loop/g.img)
head -c 12000000 /dev/urandom > loop/src/big
expect_exit 1 "$LSBIMG" compose -q l.cfg
names_output "full loop" "loop/g.img"
unchanged "full loop" loop/g.img "$before"
no_temps loop
umount loop

note "libext2fs errors are words, about the output"
for keys in 'size = "64K"; block_size = 1024;' 'size = "1M"; inodes = 100000;'; do
  printf 'image = { name = "t"; stage = ""; output = "out/t.img"; %s };\nentries = ( { type = "text"; path = "/a"; text = "x"; } );\n' "$keys" > t.cfg
  rc=0; "$LSBIMG" compose -q t.cfg 2>t.err || rc=$?
  [ $rc = 1 ] || [ $rc = 2 ] || fail "$keys: exit $rc"
  grep -q "Unknown code" t.err && fail "$keys: an unknown error code: $(cat t.err)"
  grep -q '\.lsbimg\.\|/\.t\.img\.' t.err && fail "$keys: names a temporary: $(cat t.err)"
  [ $rc = 2 ] || grep -q "out/t.img" t.err || fail "$keys: does not name the output: $(cat t.err)"
done
no_temps out
