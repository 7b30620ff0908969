# Signals at several points of compose, extract, journal, diff and check (sent by the
# process to itself from the fault shim, so the point is exact): the process ends with
# 128+N, the previous outputs are byte-identical, nothing is left behind. After SIGKILL,
# which no process can handle, the next run on the same output removes what was left.
. "$TOP/tests/lib.sh"
fault_shim
mkdir -p src out tmp; printf 'data\n' > src/a; head -c 20000000 /dev/urandom > src/big
mkdir -p m; head -c 3000000 /dev/urandom > m/member; tar -cf a.tar -C m member
printf 'image = { name = "g"; output = "out/g.img"; stage = "out/stage"; };\nentries = (\n  { type = "tree"; path = "/"; source = "src"; },\n  { type = "archive"; path = "/arc"; source = "a.tar"; }\n);\n' > g.cfg
export TMPDIR=$PWD/tmp
expect_exit 0 "$LSBIMG" compose -q g.cfg
img=$(sha out/g.img); staged=$(sha out/stage/g.img)
printf 'new\n' > src/new   # so a replaced output would show (composes are reproducible)

# faulted SIGNAL CALL NAME AT CMD...: run CMD with the shim sending SIGNAL at the AT-th
# CALL (open of NAME, fchmod, rename); it must end with 128+SIGNAL. Signals the test's
# own caller ignores are reset first (lsbimg keeps ignored signals ignored).
faulted() {
  local sig=$1 call=$2 name=$3 at=$4; shift 4
  expect_exit $((128 + sig)) env --default-signal=INT,TERM,HUP LD_PRELOAD="$FAULT_SO" \
    FAULT_CALL="$call" FAULT_NAME="$name" FAULT_AT="$at" FAULT_DO="signal:$sig" "$@"
}

for sig in 2 15 1; do
  note "compose, signal $sig: reading an archive"
  faulted $sig open a.tar 1 "$LSBIMG" compose -q g.cfg
  note "compose, signal $sig: writing the image"
  faulted $sig open big 1 "$LSBIMG" compose -q g.cfg
  note "compose, signal $sig: image written, staged copy not begun"
  faulted $sig fchmod "" 1 "$LSBIMG" compose -q g.cfg
  note "compose, signal $sig: both written, neither in place"
  faulted $sig fchmod "" 2 "$LSBIMG" compose -q g.cfg
  unchanged "compose, signal $sig" out/g.img "$img"
  unchanged "compose, signal $sig" out/stage/g.img "$staged"
  no_temps out out/stage tmp
done

note "compose, signal while the outputs are put in place: both or neither, then 128+N"
faulted 15 rename "" 1 "$LSBIMG" compose -q g.cfg
a=$(sha out/g.img); b=$(sha out/stage/g.img)
assert_eq "image and staged copy are one compose's" "$a" "$b"
[ "$a" = "$img" ] || [ "$a" != "$staged" ] || fail "half replaced"
fsck_clean out/g.img
no_temps out out/stage tmp
img=$a staged=$b
printf 'newer\n' > src/new

note "compose killed (SIGKILL) while writing: the next compose removes what it left"
faulted 9 open big 1 "$LSBIMG" compose -q g.cfg
unchanged "compose, SIGKILL" out/g.img "$img"
left=$(find out -maxdepth 1 -name '.g.img.*')
[ -n "$left" ] || fail "SIGKILL left nothing behind (the test lost its point)"
[[ $left == out/.g.img.lsbimg.?????? ]] || fail "not recognisable as lsbimg's: $left"
expect_exit 0 "$LSBIMG" compose g.cfg   # not -q: that prints errors only
assert_contains "the stale temporary is reported" "$ERR" "$left"
no_temps out out/stage tmp
img=$(sha out/g.img); fsck_clean out/g.img

note "extract into a directory"
for sig in 2 15 1; do
  faulted $sig open member 1 "$LSBIMG" extract out/g.img out/x
  [ ! -e out/x ] || fail "extract, signal $sig: out/x exists"
  no_temps out tmp
done
printf 'old\n' > out/x.tar; old=$(sha out/x.tar)
for sig in 2 15; do
  faulted $sig fchmod "" 1 "$LSBIMG" extract out/g.img out/x.tar
  NO_FSCK=1 unchanged "extract to an archive, signal $sig" out/x.tar "$old"
  no_temps out tmp
done
faulted 9 open member 1 "$LSBIMG" extract out/g.img out/x
[ -n "$(find out -maxdepth 1 -name '.x.*')" ] || fail "SIGKILL left nothing behind"
expect_exit 0 "$LSBIMG" extract out/g.img out/x
cmp src/big out/x/big || fail "extract after SIGKILL: wrong data"
no_temps out tmp

note "journal"
mid=0123456789abcdef0123456789abcdef
mkdir -p jsrc/var/log/journal/$mid
printf '__REALTIME_TIMESTAMP=1700000000000000\n__MONOTONIC_TIMESTAMP=1000000\n_BOOT_ID=11111111111111111111111111111111\nMESSAGE=hello\n\n' |
  /lib/systemd/systemd-journal-remote -o "$PWD/jsrc/var/log/journal/$mid/a.journal" - 2>/dev/null ||
  fail "systemd-journal-remote"
cp jsrc/var/log/journal/$mid/a.journal jsrc/var/log/journal/$mid/b.journal
compose_tree jsrc j.img
expect_exit 0 "$LSBIMG" journal j.img
assert_contains "journal works" "$OUT" "hello"
for sig in 2 15 1 13; do
  faulted $sig open 1-b.journal 1 "$LSBIMG" journal j.img    # copying the files out
  faulted $sig open 0-a.journal 2 "$LSBIMG" journal j.img    # reading the copies
  no_temps tmp
done
faulted 9 open 1-b.journal 1 "$LSBIMG" journal j.img
[ -n "$(find tmp -maxdepth 1 -name '.lsbimg-journal.lsbimg.*')" ] || fail "SIGKILL left nothing behind"
expect_exit 0 "$LSBIMG" journal j.img
no_temps tmp

note "diff and check"
for sig in 2 15; do
  faulted $sig open j.img 1 "$LSBIMG" diff out/g.img j.img
  faulted $sig open g.img 1 "$LSBIMG" check out/g.img
  no_temps out tmp
done
