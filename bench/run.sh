#!/bin/bash
# make bench: compose the generated trees with lsbimg, mke2fs -d and genext2fs, in
# alternating runs on the same input, and report times, ratios, peak RSS, host allocation
# and e2fsck results; compose the default layout from an empty and a warm package cache,
# unchanged and after a unit changed; time check, extract and diff against e2fsck -fn,
# debugfs rdump and tree (table on stdout, JSON in $OUT/results.json). Every run records
# the 1-minute load average it started under.
# usage: bench/run.sh [TREE...]   (default: $BENCH_TREES or "rootfs bigdir wide large
#        default"; "tiny" is a 300-file tree for a quick smoke run)
# env:   BENCH_REPS (3) repetitions; BENCH_SLOW_LIMIT (200) seconds allowed to mke2fs and
#        genext2fs on bigdir and wide; BENCH_SLOW_ONCE (20): when either takes longer there,
#        it runs only once; BENCH_EXT4_TREES ("rootfs large"): the trees also composed as
#        ext4 against mke2fs -t ext4; LSBIMG_BUILD (out); BENCH_OUT ($LSBIMG_BUILD/bench): trees,
#        images, logs and results (the generator is looked for there too).
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
BUILD=${LSBIMG_BUILD:-out}
OUT=${BENCH_OUT:-$TOP/$BUILD/bench}
GEN=$OUT/gen
LSBIMG=$TOP/$BUILD/bin/lsbimg
REPS=${BENCH_REPS:-3}
SLOW_LIMIT=${BENCH_SLOW_LIMIT:-200}
SLOW_ONCE=${BENCH_SLOW_ONCE:-20}
EXT4_TREES=" ${BENCH_EXT4_TREES-rootfs large} "
FAKE_TIME=1700000000
read -r -a TREES <<<"${*:-${BENCH_TREES:-rootfs bigdir wide large default}}"

for t in "${TREES[@]}"; do
  case $t in rootfs|bigdir|wide|large|tiny|default) ;; *) echo "bench: unknown tree $t" >&2; exit 2 ;; esac
done
for tool in e2fsck dumpe2fs debugfs mke2fs genext2fs /usr/bin/time tar; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make test-deps)" >&2; exit 1; }
done
[ -x "$GEN" ] && [ -x "$LSBIMG" ] || { echo "bench: build first (make bench)" >&2; exit 1; }

mkdir -p "$OUT/trees" "$OUT/img" "$OUT/logs"
RAW=$OUT/raw.tsv      # one line per measurement, turned into the table and JSON at the end
: >"$RAW"
rec() { printf '%s\n' "$*" | tr ' ' '\t' >>"$RAW"; }
load() { cut -d' ' -f1 /proc/loadavg; }

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

# timed TREE TOOL REP LIMIT CMD...: one timed run of CMD; sets LAST_SECS (whole seconds),
# LAST_RSS (KiB), LAST_LOAD and LAST_STATUS (ok, failed, timeout) and prints a line.
timed() {
  local tree=$1 tool=$2 rep=$3 limit=$4; shift 4
  local tf=$OUT/logs/time.$$ log=$OUT/logs/$tree-$tool.log rc=0 t0 t1
  LAST_LOAD=$(load)
  t0=$(now)
  timeout -k 5 "$limit" /usr/bin/time -f '%M' -o "$tf" "$@" >"$log" 2>&1 || rc=$?
  t1=$(now)
  LAST_TIME=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  LAST_RSS=$(tail -n 1 "$tf" 2>/dev/null || echo 0)
  [[ $LAST_RSS =~ ^[0-9]+$ ]] || LAST_RSS=0
  rm -f "$tf"
  LAST_STATUS=ok
  if [ $rc = 124 ] || [ $rc = 137 ]; then LAST_STATUS=timeout
  elif [ $rc != 0 ]; then LAST_STATUS=failed; tail -n 5 "$log" >&2
  fi
  LAST_SECS=${LAST_TIME%.*}
}

# Record and print the run timed just now, with STATUS.
record() {
  local tree=$1 tool=$2 rep=$3
  rec run "$tree" "$tool" "$rep" "$LAST_TIME" "$LAST_RSS" "$LAST_STATUS" "$LAST_LOAD"
  printf '  %-8s %-10s rep %s: %8.3f s  %7d KiB  load %5s  %s\n' "$tree" "$tool" "$rep" \
    "$LAST_TIME" "$LAST_RSS" "$LAST_LOAD" "$LAST_STATUS" >&2
}

# fsck IMG: e2fsck -fn on an image a timed run wrote; a failure becomes its status.
fsck_status() {
  local img=$1 log=$OUT/logs/fsck.log
  [ "$LAST_STATUS" = ok ] || return 0
  if ! e2fsck -fn "$img" >"$log" 2>&1; then LAST_STATUS=fsck-failed; tail -n 5 "$log" >&2; fi
}

# run TREE TOOL REP LIMIT IMG CMD...: one timed run writing IMG from scratch, then
# e2fsck -fn on it.
# Remove images and the manifest compose keeps beside each (.NAME.manifest).
drop() {
  local f
  for f; do rm -f "$f" "$(dirname "$f")/.$(basename "$f").manifest"; done
}

run() {
  local tree=$1 tool=$2 rep=$3 limit=$4 img=$5; shift 5
  drop "$img"
  sync
  timed "$tree" "$tool" "$rep" "$limit" "$@"
  fsck_status "$img"
  record "$tree" "$tool" "$rep"
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
  local tree=$1 rep=$2 dir=$3 t0 t1 l
  l=$(load)
  t0=$(now)
  tar -C "$dir" -cf - . | cat >/dev/null
  t1=$(now)
  rec run "$tree" read "$rep" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" 0 ok "$l"
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
  drop "$l4"
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
  case $t in
    rootfs|tiny)   # a second image of the same files, laid out by mke2fs, for diff
      "${mk[@]}" >/dev/null 2>&1 || rm -f "$mi"
      bench_inspect "$t" "$li" "$mi" ;;
    bigdir) bench_inspect "$t" "$li" "" ;;
  esac
  drop "$li" "$mi"
  [[ $EXT4_TREES != *" $t "* ]] || bench_ext4 "$t" "$dir"

  if [ "$t" = wide ]; then
    # The same shape at a tenth of the size, for the time-per-file scaling target.
    local sub=() i
    for i in $(seq -f %02g 0 9); do sub+=("/t$i=$dir/t$i"); done
    local cfg10; cfg10=$(layout wide100k "$li" "${sub[@]}")
    rec files wide100k 100000 1000
    for ((r = 1; r <= REPS; r++)); do
      run wide100k lsbimg "$r" 100000 "$li" "$LSBIMG" compose -q "$cfg10"
    done
    drop "$li"
  fi
}

# The inspection commands on IMG against the e2fsprogs tool doing the most similar work:
# check against e2fsck -fn (check adds the ELF closure, units and capabilities), extract
# into a directory against debugfs's rdump, and diff of IMG and OTHER (the same files laid
# out by mke2fs; none when empty) against tree on both plus reading both images whole.
bench_inspect() {
  local t=$1 img=$2 other=$3 x=$OUT/img/$1-extract r
  for ((r = 1; r <= REPS; r++)); do
    timed "$t" check "$r" 100000 "$LSBIMG" check "$img"; record "$t" check "$r"
    timed "$t" e2fsck "$r" 100000 e2fsck -fn "$img"; record "$t" e2fsck "$r"
    rm -rf "$x"; sync
    timed "$t" extract "$r" 100000 "$LSBIMG" extract "$img" "$x"; record "$t" extract "$r"
    rm -rf "$x"; mkdir "$x"; sync
    timed "$t" rdump "$r" 100000 debugfs -R "rdump / $x" "$img"; record "$t" rdump "$r"
    rm -rf "$x"
    if [ -n "$other" ] && [ -f "$other" ]; then
      timed "$t" diff "$r" 100000 "$LSBIMG" diff "$img" "$other"; record "$t" diff "$r"
      # The floor diff is held to: both trees' metadata plus every byte of both images.
      timed "$t" treeread "$r" 100000 sh -c '"$1" tree "$2" && "$1" tree "$3" && cat "$2" "$3"' \
        sh "$LSBIMG" "$img" "$other"; record "$t" treeread "$r"
    fi
  done
}

# The default image (layouts/arm64.cfg, what `make image` composes) from a copy of its
# layouts, units and caps script, with a package cache of its own: first with the cache
# empty, then with it warm and no image, then again with nothing changed (the image may
# be left as it is), then after one unit file changed.
bench_default() {
  local d=$OUT/default img=$OUT/img/default.img cache=$OUT/cache r
  rm -rf "$d" "$cache"
  mkdir -p "$d/layouts"
  cp layouts/arm64.cfg layouts/common.cfg layouts/image.cfg layouts/systemd.cfg "$d/layouts/"
  cp -r units cfg "$d/"
  ln -s "$TOP/out" "$d/out"   # ../out/debs, as from the clone's layouts
  local ls=(env XDG_CACHE_HOME="$cache" "$LSBIMG" compose -q -o "$img" --no-stage
    "$d/layouts/arm64.cfg")
  echo "bench: default" >&2
  rec files default "$(find "$TOP/out/debs/rootfs-arm64" -name '*.deb' | wc -l)" 0
  for ((r = 1; r <= REPS; r++)); do
    rm -rf "$cache"
    run default first "$r" 100000 "$img" "${ls[@]}"
    run default cached "$r" 100000 "$img" "${ls[@]}"
    sync
    timed default unchanged "$r" 100000 "${ls[@]}"; fsck_status "$img"; record default unchanged "$r"
    echo "# bench: changed in repetition $r" >>"$d/units/bash.service"
    sync
    timed default unit-changed "$r" 100000 "${ls[@]}"; fsck_status "$img"
    record default unit-changed "$r"
  done
  rm -rf "$d" "$cache"
  drop "$img"
}

for t in "${TREES[@]}"; do
  if [ "$t" = default ]; then bench_default; else bench_tree "$t"; fi
done

machine="$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(uname -r), $(df -T "$OUT" | awk 'NR == 2 { print $2 }') host fs"
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
awk -f bench/report.awk -v machine="$machine" -v commit="$commit" -v reps="$REPS" -v limit="$SLOW_LIMIT" \
  -v json="$OUT/results.json" "$RAW"
echo "bench: results in $OUT/results.json" >&2
