#!/bin/bash
# make bench: compose the generated trees with lsbimg, mke2fs -d and genext2fs, in
# alternating runs on the same input, and report times, ratios, peak RSS, host allocation
# and e2fsck results (table on stdout, JSON in $OUT/results.json).
# usage: bench/run.sh [TREE...]   (default: $BENCH_TREES or "rootfs bigdir wide large")
# env:   BENCH_REPS (3) repetitions; BENCH_SLOW_LIMIT (400) seconds allowed to mke2fs and
#        genext2fs on bigdir and wide; BENCH_SLOW_ONCE (60): when either takes longer there,
#        it runs only once; LSBIMG_BUILD (out).
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
BUILD=${LSBIMG_BUILD:-out}
OUT=$TOP/$BUILD/bench
GEN=$OUT/gen
LSBIMG=$TOP/$BUILD/bin/lsbimg
REPS=${BENCH_REPS:-3}
SLOW_LIMIT=${BENCH_SLOW_LIMIT:-400}
SLOW_ONCE=${BENCH_SLOW_ONCE:-60}
FAKE_TIME=1700000000
read -r -a TREES <<<"${*:-${BENCH_TREES:-rootfs bigdir wide large}}"

for t in "${TREES[@]}"; do
  case $t in rootfs|bigdir|wide|large) ;; *) echo "bench: unknown tree $t" >&2; exit 2 ;; esac
done
for tool in e2fsck dumpe2fs mke2fs genext2fs /usr/bin/time tar; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make test-deps)" >&2; exit 1; }
done
[ -x "$GEN" ] && [ -x "$LSBIMG" ] || { echo "bench: build first (make bench)" >&2; exit 1; }

mkdir -p "$OUT/trees" "$OUT/img" "$OUT/logs"
RAW=$OUT/raw.tsv      # one line per measurement, turned into the table and JSON at the end
: >"$RAW"
rec() { printf '%s\n' "$*" | tr ' ' '\t' >>"$RAW"; }

# Generate TREE once; reuse it while the generator version matches.
ensure_tree() {
  local t=$1 dir=$OUT/trees/$1 stamp="$("$GEN" --version) $1"
  if [ -d "$dir" ] && [ "$(cat "$dir.stamp" 2>/dev/null)" = "$stamp" ]; then return; fi
  echo "bench: generating $t ..." >&2
  rm -rf "$dir" "$dir.tmp" "$dir.stamp"
  "$GEN" "$t" "$dir.tmp"
  mv "$dir.tmp" "$dir"
  echo "$stamp" >"$dir.stamp"
}

layout() { # NAME IMG ENTRIES...: a layout composing ENTRIES ("path=source" pairs) as $FORMAT
  local f=$OUT/img/$1.cfg img=$2; shift 2
  { echo "image = { name = \"bench\"; output = \"$img\"; stage = \"\"; size = \"auto\"; timestamp = $FAKE_TIME; format = \"${FORMAT:-ext2}\"; };"
    echo "entries = ("
    local sep=""
    for e in "$@"; do echo "  $sep{ type = \"tree\"; path = \"${e%%=*}\"; source = \"${e#*=}\"; }"; sep=","; done
    echo ");"; } >"$f"
  echo "$f"
}

now() { date +%s.%N; }

# run TREE TOOL REP LIMIT IMG CMD...: one timed run; records seconds, peak RSS and status,
# then checks the image with e2fsck -fn.
run() {
  local tree=$1 tool=$2 rep=$3 limit=$4 img=$5; shift 5
  local tf=$OUT/logs/time.$$ log=$OUT/logs/$tree-$tool.log rc=0 t0 t1
  rm -f "$img"
  sync
  t0=$(now)
  timeout -k 5 "$limit" /usr/bin/time -f '%M' -o "$tf" "$@" >"$log" 2>&1 || rc=$?
  t1=$(now)
  local secs; secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  local rss; rss=$(tail -n 1 "$tf" 2>/dev/null || echo 0)
  [[ $rss =~ ^[0-9]+$ ]] || rss=0
  local status=ok
  if [ $rc = 124 ] || [ $rc = 137 ]; then status=timeout
  elif [ $rc != 0 ]; then status=failed; tail -n 5 "$log" >&2
  elif ! e2fsck -fn "$img" >"$log.fsck" 2>&1; then status=fsck-failed; tail -n 5 "$log.fsck" >&2
  fi
  rec run "$tree" "$tool" "$rep" "$secs" "$rss" "$status"
  LAST_SECS=${secs%.*}
  printf '  %-8s %-9s rep %s: %8.3f s  %7d KiB  %s\n' "$tree" "$tool" "$rep" "$secs" "$rss" "$status" >&2
  [ "$status" = ok ] && rm -f "$log.fsck"
  rm -f "$tf"
  LAST_STATUS=$status
}

# Host bytes allocated to IMG vs. bytes of blocks its file system uses.
alloc() {
  local tree=$1 tool=$2 img=$3
  [ -f "$img" ] || return 0
  local host bs count free
  host=$(( $(stat -c %b "$img") * 512 ))
  read -r bs count free < <(dumpe2fs -h "$img" 2>/dev/null | awk -F: '
    /^Block size/ { bs = $2 + 0 } /^Block count/ { c = $2 + 0 } /^Free blocks/ { f = $2 + 0 }
    END { print bs, c, f }')
  rec alloc "$tree" "$tool" "$host" "$(( (count - free) * bs ))"
}

# Read every file once (warm cache, like the compose runs): the floor for any writer.
read_tree() {
  local tree=$1 rep=$2 dir=$3 t0 t1
  t0=$(now)
  tar -C "$dir" -cf - . | cat >/dev/null
  t1=$(now)
  rec run "$tree" read "$rep" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" 0 ok
}

# ext4: lsbimg's ext4 against mke2fs -t ext4 -d given the same block and inode counts and
# journal, in alternating pairs like ext2 (tools lsbimg4 and mke2fs4).
bench_ext4() {
  local t=$1 dir=$2 l4=$OUT/img/$1-lsbimg4.img m4=$OUT/img/$1-mke2fs4.img
  local cfg; cfg=$(FORMAT=ext4 layout "$t-ext4" "$l4" "/=$dir")
  "$LSBIMG" compose -q "$cfg"
  local blocks inodes journal
  read -r blocks inodes journal < <(dumpe2fs -h "$l4" 2>/dev/null | awk -F: '
    /^Block count/ { b = $2 + 0 } /^Inode count/ { i = $2 + 0 }
    /^Total journal blocks/ { j = $2 + 0 } END { print b, i, j }')
  local mk=(env E2FSPROGS_FAKE_TIME=$FAKE_TIME mke2fs -q -t ext4 -b 4096 -N "$inodes"
    -J size=$((journal * 4096 >> 20)) -E root_owner=0:0 -d "$dir" "$m4" "$blocks")
  local ls=("$LSBIMG" compose -q "$cfg") slow=0 others=1
  case $t in bigdir|wide) slow=1 ;; esac
  for ((r = 1; r <= REPS; r++)); do
    if [ $((r % 2)) = 1 ]; then run "$t" lsbimg4 "$r" 100000 "$l4" "${ls[@]}"; fi
    if [ $others = 1 ]; then
      local lim=100000; [ $slow = 1 ] && lim=$SLOW_LIMIT
      run "$t" mke2fs4 "$r" "$lim" "$m4" "${mk[@]}"
      if [ "$r" = 1 ] && [ "$LAST_STATUS" = ok ]; then alloc "$t" mke2fs4 "$m4"; fi
      rm -f "$m4"
      if [ $slow = 1 ] && [ "$LAST_SECS" -ge "$SLOW_ONCE" ]; then others=0; fi
    fi
    if [ $((r % 2)) = 0 ]; then run "$t" lsbimg4 "$r" 100000 "$l4" "${ls[@]}"; fi
  done
  alloc "$t" lsbimg4 "$l4"
  rm -f "$l4"
}

bench_tree() {
  local t=$1 dir=$OUT/trees/$1
  ensure_tree "$t"
  echo "bench: $t" >&2
  local li=$OUT/img/$t-lsbimg.img mi=$OUT/img/$t-mke2fs.img gi=$OUT/img/$t-genext2fs.img
  local cfg; cfg=$(layout "$t" "$li" "/=$dir")
  rec files "$t" "$(find "$dir" -mindepth 1 ! -type d | wc -l)" "$(find "$dir" -type d | wc -l)"
  read_tree "$t" 0 "$dir"   # warms the cache
  # lsbimg sizes the image; the others get the same block and inode counts.
  "$LSBIMG" compose -q "$cfg"
  local blocks inodes
  read -r blocks inodes < <(dumpe2fs -h "$li" 2>/dev/null | awk -F: '
    /^Block count/ { b = $2 + 0 } /^Inode count/ { i = $2 + 0 } END { print b, i }')
  local mk=(env E2FSPROGS_FAKE_TIME=$FAKE_TIME mke2fs -q -t ext2 -b 4096 -N "$inodes"
    -E root_owner=0:0 -d "$dir" "$mi" "$blocks")
  local ge=(genext2fs -B 4096 -b "$blocks" -N "$inodes" -z -d "$dir" "$gi")
  local ls=("$LSBIMG" compose -q "$cfg")

  # mke2fs -d and genext2fs insert directory entries one by one: quadratic on bigdir and
  # possibly slow on wide, so there they get a time limit, and run only once when slow.
  local slow=0 others=1 longest
  case $t in bigdir|wide) slow=1 ;; esac
  for ((r = 1; r <= REPS; r++)); do
    read_tree "$t" "$r" "$dir"
    if [ $((r % 2)) = 1 ]; then
      run "$t" lsbimg "$r" 100000 "$li" "${ls[@]}"
    fi
    if [ $others = 1 ]; then
      local lim=100000; [ $slow = 1 ] && lim=$SLOW_LIMIT
      run "$t" mke2fs "$r" "$lim" "$mi" "${mk[@]}"
      longest=$LAST_SECS
      if [ "$r" = 1 ] && [ "$LAST_STATUS" = ok ]; then alloc "$t" mke2fs "$mi"; fi
      rm -f "$mi"
      run "$t" genext2fs "$r" "$lim" "$gi" "${ge[@]}"
      [ "$LAST_SECS" -gt "$longest" ] && longest=$LAST_SECS
      if [ "$r" = 1 ] && [ "$LAST_STATUS" = ok ]; then alloc "$t" genext2fs "$gi"; fi
      rm -f "$gi"
      if [ $slow = 1 ] && [ "$longest" -ge "$SLOW_ONCE" ]; then others=0; fi
    fi
    if [ $((r % 2)) = 0 ]; then
      run "$t" lsbimg "$r" 100000 "$li" "${ls[@]}"
    fi
  done
  alloc "$t" lsbimg "$li"
  rm -f "$li"
  bench_ext4 "$t" "$dir"

  if [ "$t" = wide ]; then
    # The same shape at a tenth of the size, for the time-per-file scaling target.
    local sub=() i
    for i in $(seq -f %02g 0 9); do sub+=("/t$i=$dir/t$i"); done
    local cfg10; cfg10=$(layout wide100k "$li" "${sub[@]}")
    rec files wide100k 100000 1000
    for ((r = 1; r <= REPS; r++)); do
      run wide100k lsbimg "$r" 100000 "$li" "$LSBIMG" compose -q "$cfg10"
    done
    rm -f "$li"
  fi
}

for t in "${TREES[@]}"; do bench_tree "$t"; done

machine="$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(uname -r), $(df -T "$OUT" | awk 'NR == 2 { print $2 }') host fs"
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
awk -f bench/report.awk -v machine="$machine" -v commit="$commit" -v reps="$REPS" -v limit="$SLOW_LIMIT" \
  -v json="$OUT/results.json" "$RAW"
echo "bench: results in $OUT/results.json" >&2
