#!/bin/bash
# Truncated, bit-flipped and foreign files given to every inspection command: no crash,
# no sanitizer report, no hang; the good image gives exit 0, an empty stderr and what its
# source tree holds; broken images give a non-zero exit with a message, and `check` never
# objects to an image e2fsck -fn (the oracle) accepts.
. "$TOP/tests/lib.sh"

# The image under test; switch to `lsbimg compose` once it exists.
make_image() { compose_tree "$1" "$2"; }

mkdir -p root/etc/sub/deeper root/usr/bin root/dev root/var/log/journal/0123456789abcdef0123456789abcdef
for i in $(seq 1 40); do printf 'file %d\n' "$i" >root/etc/sub/f$i; done
printf 'l4re\n' >root/etc/hostname
ln root/etc/hostname root/etc/hostname2
seq 1 13000 >root/usr/bin/blob  # deterministic, so every run flips the same things
ln -s ../../etc/hostname root/usr/bin/fast
ln -s "$(printf 'z%.0s' $(seq 1 100))" root/usr/bin/slow
ln -s /etc root/abs
mknod root/dev/console c 5 1
mkfifo root/dev/fifo
printf '__REALTIME_TIMESTAMP=1700000000000000\n__MONOTONIC_TIMESTAMP=1000000\n_BOOT_ID=11111111111111111111111111111111\nMESSAGE=hello\n_PID=7\n\n' |
  /lib/systemd/systemd-journal-remote -o "$PWD/root/var/log/journal/0123456789abcdef0123456789abcdef/system.journal" - 2>/dev/null ||
  fail "systemd-journal-remote could not write a journal"
make_image root good.img
fsck_clean good.img

cmds=("ls -lR @ /" "ls --json @ /etc/sub" "cat @ /etc/hostname" "cat @ /usr/bin/blob"
  "cat @ /abs/sub/f7" "stat @ /usr/bin/slow" "stat -L --json @ /usr/bin/fast" "tree @ /"
  "tree --json @ /etc" "info @" "info --json @" "diff @ good.img" "check @" "journal @")
runs=0
# run_all IMG MUST_FAIL: every command on IMG. MUST_FAIL 1: each must fail, naming IMG;
# ok: each must succeed with nothing on stderr; 0: either, as long as it does not crash.
run_all() {
  local img=$1 must_fail=$2 c rc
  for c in "${cmds[@]}"; do
    local args=(${c//@/$img})
    rc=0
    timeout -k 5 30 "$LSBIMG" "${args[@]}" >cmd.out 2>cmd.err || rc=$?
    runs=$((runs + 1))
    [ $rc -ne 124 ] && [ $rc -ne 137 ] || fail "'lsbimg ${args[*]}' hung"
    [ $rc -lt 128 ] || fail "'lsbimg ${args[*]}' died with signal $((rc - 128)): $(tail -5 cmd.err)"
    ! grep -qE 'Sanitizer|runtime error:' cmd.err || fail "'lsbimg ${args[*]}': $(head -20 cmd.err)"
    if [ $rc -ne 0 ]; then
      [ -s cmd.err ] || [ "${args[0]}" = diff ] || [ "${args[0]}" = check ] ||
        fail "'lsbimg ${args[*]}' exited $rc without a message"
    fi
    if [ "$must_fail" = ok ]; then
      [ $rc -eq 0 ] || fail "'lsbimg ${args[*]}' exited $rc on the good image: $(head -5 cmd.err)"
      [ ! -s cmd.err ] || fail "'lsbimg ${args[*]}' wrote to stderr on the good image: $(head -5 cmd.err)"
      cp cmd.out "good.$runs.out"
    fi
    if [ "$must_fail" = 1 ]; then
      [ $rc -ne 0 ] || fail "'lsbimg ${args[*]}' accepted a broken image"
      grep -q "$img" cmd.err || fail "'lsbimg ${args[*]}': the message does not name $img: $(cat cmd.err)"
    fi
  done
}

note "the good image"
first=$((runs + 1))
run_all good.img ok
# What the good image gives, against its source tree: cat through a fast link and through an
# absolute directory link, and the journal's message.
cmp "good.$((first + 2)).out" root/etc/hostname || fail "cat /etc/hostname differs from the source"
cmp "good.$((first + 3)).out" root/usr/bin/blob || fail "cat /usr/bin/blob differs from the source"
cmp "good.$((first + 4)).out" root/etc/sub/f7 || fail "cat /abs/sub/f7 differs from the source"
grep -q 'hello' "good.$((first + 13)).out" || fail "journal of the good image lacks its message: $(cat "good.$((first + 13)).out")"
assert_eq "ls --json /etc/sub" "$(ls root/etc/sub | LC_ALL=C sort)" "$(jq -r '.entries[].name' "good.$((first + 1)).out" | LC_ALL=C sort)"
assert_eq "stat -L --json /usr/bin/fast" "file 5" "$(jq -r '"\(.type) \(.size)"' "good.$((first + 6)).out")"
assert_eq "diff of the good image with itself" "" "$(cat "good.$((first + 11)).out")"
assert_contains "check of the good image" "$(cat "good.$((first + 12)).out")" "good.img: clean"

note "truncated images"
size=$(stat -c %s good.img)
for n in 0 100 1024 2048 4096 65536 1000000 $((size / 2)) $((size - 4096)) $((size - 1)); do
  head -c $n good.img >trunc.img
  run_all trunc.img 1
done

note "foreign files"
head -c 2000000 /dev/urandom >random.img
run_all random.img 1
cp good.img nomagic.img
printf '\0\0' | dd of=nomagic.img bs=1 seek=1080 conv=notrunc status=none
run_all nomagic.img 1
mkdir dir.img
run_all dir.img 1

# Bit flips where they hurt: superblock, descriptors, bitmaps, the first inode table
# blocks, directory blocks. Seeds make every run flip the same bits.
note "bit-flipped images"
dumpe2fs good.img 2>/dev/null >layout.txt
bb=$(sed -n 's/^ *Block bitmap at \([0-9]*\).*/\1/p' layout.txt | head -1)
ib=$(sed -n 's/^ *Inode bitmap at \([0-9]*\).*/\1/p' layout.txt | head -1)
it=$(sed -n 's/^ *Inode table at \([0-9]*\)-.*/\1/p' layout.txt | head -1)
targets=(0 "$bb" "$ib" "$it" "$((it + 1))" "$((it + 2))")
for d in / /etc /etc/sub /usr/bin /var/log/journal; do
  targets+=("$(debugfs -R "bmap $d 0" good.img 2>/dev/null)")
done
for t in "${targets[@]}"; do [[ $t =~ ^[0-9]+$ ]] || fail "could not locate metadata block: '${targets[*]}'"; done
both=0 theirs_only=0 clean=0
for seed in $(seq 1 40); do
  RANDOM=$seed
  cp good.img flip.img
  for k in $(seq 1 $(( (seed % 4 + 1) * 3 ))); do
    blk=${targets[RANDOM % ${#targets[@]}]}
    off=$(( blk * 4096 + (RANDOM * 32768 + RANDOM) % 4096 ))
    [ "$blk" != 0 ] || off=$(( 1024 + RANDOM % 1024 ))   # the superblock, not the boot area
    byte=$(od -An -tu1 -j "$off" -N1 flip.img)
    printf "\\x$(printf %02x $(( byte ^ (1 << (RANDOM % 8)) )))" |
      dd of=flip.img bs=1 seek="$off" conv=notrunc status=none
  done
  cp flip.img "flip-$seed.img"
  run_all "flip-$seed.img" 0
  fsck_rc=0; e2fsck -fn "flip-$seed.img" >fsck.log 2>&1 || fsck_rc=$?
  ours=0; "$LSBIMG" check "flip-$seed.img" >check.log 2>&1 || ours=$?
  if [ $fsck_rc = 0 ]; then
    [ $ours = 0 ] || fail "seed $seed: check objects to an image e2fsck accepts: $(head -5 check.log)"
    clean=$((clean + 1))
  elif [ $ours != 0 ]; then
    both=$((both + 1))
  else
    theirs_only=$((theirs_only + 1))
    note "seed $seed: only e2fsck objects: $(grep -m1 -vE '^(Pass|e2fsck)' fsck.log)"
  fi
  rm -f "flip-$seed.img"
done
note "$runs runs; flipped images: $both caught by both, $theirs_only by e2fsck only, $clean clean"
[ $both -ge 20 ] && [ $theirs_only -le 4 ] || fail "check caught too few corruptions: $both (e2fsck alone: $theirs_only)"
