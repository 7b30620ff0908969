# An unusable TMPDIR (missing, full) while archive members are spooled: compose and
# extract fail with exit 1 and say why; a member never ends up empty in an image that
# replaced the previous one; nothing is left behind.
. "$TOP/tests/lib.sh"

mkdir -p m out; head -c 40000000 /dev/urandom > m/big; printf 'small\n' > m/small
tar -cf a.tar -C m big small
layout() { # NAME OUTPUT
  printf 'image = { name = "g"; output = "%s"; stage = "out/stage"; };\nentries = ( { type = "archive"; path = "/"; source = "a.tar"; } );\n' "$2" > "$1.cfg"
}
layout a out/g.img
expect_exit 0 "$LSBIMG" compose -q a.cfg
img=$(sha out/g.img); staged=$(sha out/stage/g.img)
mkdir -p full; mount -t tmpfs -o size=4M tmpfs full
on_exit 'umount full 2>/dev/null'

for tmp in /nonexistent "$PWD/full"; do
  note "compose with TMPDIR=$tmp"
  expect_exit 1 env TMPDIR="$tmp" "$LSBIMG" compose -q --force a.cfg
  assert_contains "compose, TMPDIR=$tmp: says why" "$ERR" "spool"
  unchanged "compose, TMPDIR=$tmp" out/g.img "$img"
  unchanged "compose, TMPDIR=$tmp" out/stage/g.img "$staged"
  no_temps out out/stage full

  note "extract to a directory with TMPDIR=$tmp"
  expect_exit 1 env TMPDIR="$tmp" "$LSBIMG" extract a.tar out/x
  assert_contains "extract, TMPDIR=$tmp: says why" "$ERR" "spool"
  [ ! -e out/x ] || fail "extract, TMPDIR=$tmp: out/x was made: $(ls -la out/x)"
  no_temps out full

  note "extract to an archive with TMPDIR=$tmp"
  printf 'old\n' > out/x.tar; old=$(sha out/x.tar)
  expect_exit 1 env TMPDIR="$tmp" "$LSBIMG" extract a.tar out/x.tar
  NO_FSCK=1 unchanged "extract to an archive, TMPDIR=$tmp" out/x.tar "$old"
  rm out/x.tar
  no_temps out full
done

note "with a usable TMPDIR the member is whole"
expect_exit 0 "$LSBIMG" extract a.tar out/x
cmp m/big out/x/big || fail "extracted member differs"
