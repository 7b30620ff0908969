#!/bin/bash
# check, diff and extract grow linearly with the number of files, counted without timing:
# strace counts the image reads (pread64) of check and diff and the host opens (openat)
# of extract on an image with 20000 files in one directory four levels down (and a few
# hundred nested deeper), and each must stay within a small bound per file. Resolving
# every path from the root (a linear scan of the big directory each time) costs about a
# hundred reads per file instead, and reopening every host directory from the top for
# every file five opens.
. "$TOP/tests/lib.sh"
command -v strace >/dev/null || fail "strace missing (scripts/deps.sh test installs it)"
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0  # no LeakSanitizer under ptrace

N=20000
B=usr/share/data/big
mkdir -p a/$B
for ((i = 0; i < N; i++)); do printf 'file %d\n' "$i" >a/$B/f$i; done
for ((d = 0; d < 20; d++)); do
  mkdir -p a/deep/d$d/e/f/g
  for ((i = 0; i < 20; i++)); do printf '%d %d\n' "$d" "$i" >a/deep/d$d/e/f/g/x$i; done
done
ln -s ../$B/f7 a/deep/link
ln a/$B/f1 a/$B/hard
files=$(find a | wc -l)
cp -a a b
printf 'changed\n' >b/$B/f12345

# calls SYSCALL CMD...: how often CMD calls SYSCALL (its output in calls.out).
calls() {
  local sc=$1; shift
  strace -f -qq -c -o calls.trace -e trace="$sc" "$@" >calls.out 2>calls.err ||
    [ $? = 1 ] || fail "$* failed: $(cat calls.err)"
  awk -v sc="$sc" '$NF == sc { n = $4 } END { print n + 0 }' calls.trace
}
# within WHAT COUNT PER: COUNT is at most PER calls per file.
within() {
  note "$1: $2 calls for $files files"
  [ "$2" -le $(($3 * files)) ] || fail "$1: $2 calls for $files files (more than $3 per file)"
  [ "$2" -gt 0 ] || fail "$1: no calls counted"
}

for fmt in ext2 squashfs; do
  IMAGE_KEYS="format = \"$fmt\";" compose_tree a a.$fmt
  IMAGE_KEYS="format = \"$fmt\";" compose_tree b b.$fmt

  n=$(calls pread64 "$LSBIMG" check a.$fmt)
  grep -q ': clean$' calls.out || fail "check $fmt: $(cat calls.out calls.err)"
  within "check $fmt preads" "$n" 8

  n=$(calls pread64 "$LSBIMG" diff a.$fmt b.$fmt)
  assert_eq "diff $fmt" "~ /$B/f12345: content" "$(cat calls.out)"
  within "diff $fmt preads" "$n" 8

  rm -rf out
  n=$(calls openat "$LSBIMG" extract a.$fmt out)
  [ -z "$(diff -r --no-dereference -x lost+found a out)" ] || fail "extract $fmt differs from the source"
  [ "$(stat -c %i out/$B/f1)" = "$(stat -c %i out/$B/hard)" ] || fail "extract $fmt: hard link lost"
  within "extract $fmt openats" "$n" 2
done
