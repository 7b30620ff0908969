# Shared helpers for tests/t_*.sh. Each test runs in its own scratch directory (the cwd).
set -euo pipefail
: "${TOP:?run tests through tests/run}"

fail() { echo "FAIL: $*" >&2; exit 1; }
# FAIL_SOFT=1: report every failure and go on (to see each case of a test fail on an older
# build); the test still exits 1 at the end.
[ -z "${FAIL_SOFT:-}" ] || fail() { echo "FAIL: $*" >&2; SOFT_FAILED=1; }
# on_exit CMD: run CMD when the test ends, however it ends (a test that sets its own EXIT
# trap replaces these).
EXIT_HOOKS=()
on_exit() { EXIT_HOOKS+=("$1"); }
run_exit_hooks() {
  local rc=$? h
  for h in ${EXIT_HOOKS[@]+"${EXIT_HOOKS[@]}"}; do eval "$h" || true; done
  [ -z "${SOFT_FAILED:-}" ] || rc=1
  exit $rc
}
trap run_exit_hooks EXIT
note() { echo "-- $*"; }

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() { [ "$2" == "$3" ] || fail "$1: expected '$2', got '$3'"; }
# assert_contains WHAT HAYSTACK NEEDLE
assert_contains() { [[ $2 == *"$3"* ]] || fail "$1: '$3' not found in: $2"; }

# expect_exit CODE CMD...: run CMD, require its exit status, keep its stderr in $ERR.
expect_exit() {
  local want=$1; shift
  local rc=0
  "$@" >"$PWD/.out" 2>"$PWD/.err" || rc=$?
  OUT=$(cat "$PWD/.out"); ERR=$(cat "$PWD/.err")
  [ "$rc" = "$want" ] || fail "'$*' exited $rc, want $want; stderr: $ERR"
}

# fsck_clean IMG: e2fsck in no-change mode must find nothing.
fsck_clean() {
  local out rc=0
  out=$(e2fsck -fn "$1" 2>&1) || rc=$?
  [ $rc = 0 ] || fail "e2fsck -fn $1 exited $rc: $out"
}

# dbg IMG CMD: run a debugfs request, failing on debugfs's own error lines (it exits 0 on them).
dbg() {
  local out
  out=$(debugfs -R "$2" "$1" 2>&1 | sed '1{/^debugfs /d}')
  if grep -qiE '^(.*: )?(File not found|.*not found by ext2_lookup|Ext2 inode is not a directory)' <<<"$out"; then
    fail "debugfs -R '$2' $1: $out"
  fi
  # A reader that stops early (grep -q) must not kill this with SIGPIPE, which pipefail
  # turned into a failed test now and then.
  (trap '' PIPE; printf '%s\n' "$out") 2>/dev/null || true
}

# stat_field IMG PATH FIELD: one field of debugfs stat (Mode, User, Group, Links, Size, Type).
stat_field() {
  local s; s=$(dbg "$1" "stat \"$2\"")
  case $3 in
    Mode) printf '%04o\n' "$((8#$(sed -n 's/.*Mode: *\([0-7]*\).*/\1/p' <<<"$s" | head -1)))" ;;
    User) sed -n 's/.*User: *\([0-9]*\).*/\1/p' <<<"$s" | head -1 ;;
    Group) sed -n 's/.*Group: *\([0-9]*\).*/\1/p' <<<"$s" | head -1 ;;
    Links) sed -n 's/.*Links: *\([0-9]*\).*/\1/p' <<<"$s" | head -1 ;;
    Size) sed -n 's/.*Size: *\([0-9]*\).*/\1/p' <<<"$s" | head -1 ;;
    Type) sed -n 's/.*Type: *\(.*[^ ]\) *Mode:.*/\1/p' <<<"$s" | head -1 ;;
    *) fail "stat_field: unknown field $3" ;;
  esac
}

# dump IMG PATH OUT: copy a file's bytes out with debugfs.
dump() { debugfs -R "dump -p \"$2\" $3" "$1" >/dev/null 2>&1; [ -f "$3" ] || fail "debugfs could not dump $2"; }

# link_dest IMG PATH: the target of a fast symlink, as debugfs reads it.
link_dest() { dbg "$1" "stat \"$2\"" | sed -n 's/^Fast link dest: "\(.*\)"$/\1/p'; }

# shadow_checkout: ./shadow mirrors the checkout through links, with a layouts/ of links to
# the real layouts. @include and host paths resolve against the directory of the file (as
# opened, links not followed) that names them, so a test layout written into
# shadow/layouts/ finds everything as the real layouts do.
shadow_checkout() {
  mkdir -p shadow/layouts
  local f
  for f in "$TOP"/*; do [ "${f##*/}" = layouts ] || ln -s "$f" shadow/; done
  for f in "$TOP"/layouts/*; do ln -s "$f" shadow/layouts/; done
}

# ro_mount IMG DIR [TYPE]: read-only kernel loop mount (as TYPE, default ext2), or fuse2fs
# where loop is unavailable.
ro_mount() {
  mkdir -p "$2"
  if mount -o loop,ro -t "${3:-ext2}" "$1" "$2" 2>/dev/null; then MOUNT_KIND=loop; return 0; fi
  if fuse2fs -o ro,fakeroot "$1" "$2" >/dev/null 2>&1; then MOUNT_KIND=fuse2fs; return 0; fi
  fail "neither a loop mount nor fuse2fs could mount $1"
}
ro_umount() { umount "$1" 2>/dev/null || fusermount -u "$1"; }

# compose_tree SRC IMG [ENTRIES...]: compose host directory SRC as the whole image, plus
# extra layout entries (e.g. owners a host tree cannot carry into a layout). Extra image
# keys come from $IMAGE_KEYS.
compose_tree() {
  local src=$1 img=$2; shift 2
  local extra=""; for e in "$@"; do extra+=", $e"; done
  printf 'image = { name = "t"; stage = ""; output = "%s"; %s };\nentries = ( { type = "tree"; path = "/"; source = "%s"; }%s );\n' \
    "$img" "${IMAGE_KEYS:-}" "$src" "$extra" > "$img.cfg"
  "$LSBIMG" compose -q "$img.cfg" || fail "compose of $src failed"
}

# Tree comparisons. A test comparing two trees uses same_tree (or listing and same_bytes
# where one side cannot carry an attribute, saying which): both sides' names count.

# prune_args PATH...: find arguments leaving out each ./PATH and what is below it.
prune_args() { local p; PRUNE=(); for p in "$@"; do PRUNE+=(-path "./$p" -prune -o); done; }

# listing DIR [LEAVE-OUT...]: one line per file under DIR: name, type, mode, numeric owner,
# link target, size, link count and whole-second mtime. Directories have no size and link
# count here (both depend on the file system, not on what it holds); their mtimes count.
# LEAVE-OUT names paths below DIR (e.g. lost+found) not listed, with what is under them.
listing() {
  local d=$1; shift; prune_args "$@"
  (cd "$d" && find . "${PRUNE[@]}" \( -type d -printf '%p %y %m %U:%G - - - ' -o \
      -printf '%p %y %m %U:%G [%l] %s %n ' \) -printf '%TY-%Tm-%Td %TT\n' |
    sed 's/\.[0-9]*$//' | LC_ALL=C sort)
}

# same_bytes A B [LEAVE-OUT...]: A and B hold the same regular files (a file in either one
# only fails), each with the same bytes.
same_bytes() {
  local a=$1 b=$2 f; shift 2; prune_args "$@"
  diff -u <(cd "$a" && find . "${PRUNE[@]}" -type f -print | LC_ALL=C sort) \
          <(cd "$b" && find . "${PRUNE[@]}" -type f -print | LC_ALL=C sort) >&2 ||
    { echo "the regular files of $a and $b differ" >&2; return 1; }
  while IFS= read -r -d '' f; do
    cmp -s "$a/$f" "$b/$f" || { echo "differs: $f" >&2; return 1; }
  done < <(cd "$a" && find . "${PRUNE[@]}" -type f -print0)
}

# same_tree A B [LEAVE-OUT...]: A and B list alike (names on both sides; type, mode, owner,
# link target, size, mtime) and their regular files have the same bytes.
same_tree() {
  diff -u <(listing "$1" "${@:3}") <(listing "$2" "${@:3}") >&2 ||
    { echo "the listings of $1 and $2 differ" >&2; return 1; }
  same_bytes "$@"
}

# ls_vs_mount IMG MNT [nodirsize]: `lsbimg ls -R --json IMG /` lists what the mounted MNT
# holds: every path with type, mode, owner, size, links, inode, whole-second mtime and link
# target (with nodirsize, directories' sizes are left out: formats other than ext2 give
# them sizes of their own), and every device number.
ls_vs_mount() {
  local img=$1 mnt=$2 dirsize=${3:-}
  (cd "$mnt" && find . -mindepth 1 -printf '/%P|%y|%m|%U|%G|%s|%n|%i|%T@|%l\n' |
     sed -E 's/\|([0-9]+)\.[0-9]+\|/|\1|/' | LC_ALL=C sort) >want.ls
  (cd "$mnt" && find . -mindepth 1 \( -type b -o -type c \) -printf '/%P\n') | while read -r d; do
    printf '%s %d %d\n' "$d" "0x$(stat -c %t "$mnt$d")" "0x$(stat -c %T "$mnt$d")"
  done | LC_ALL=C sort >want.dev
  "$LSBIMG" ls -R --json "$img" / >ls.json || fail "lsbimg ls -R --json $img failed"
  jq -r '.entries[] | [.path, ({dir:"d",file:"f",symlink:"l",chr:"c",blk:"b",fifo:"p",sock:"s"}[.type]),
     (.mode | ltrimstr("0") | if . == "" then "0" else . end), .uid, .gid, .size, .nlink,
     .inode, .mtime, (.target // "")] | join("|")' ls.json | LC_ALL=C sort >got.ls
  if [ "$dirsize" = nodirsize ]; then
    sed -i -E 's/^([^|]*\|d\|[^|]*\|[^|]*\|[^|]*)\|[0-9]+\|/\1|-|/' want.ls got.ls
  fi
  diff -u want.ls got.ls >&2 || fail "ls -R --json of $img differs from the mounted tree"
  jq -r '.entries[] | select(.major != null) | "\(.path) \(.major) \(.minor)"' ls.json | LC_ALL=C sort >got.dev
  diff -u want.dev got.dev >&2 || fail "device numbers of $img differ from the mount"
}

# ---- fault tests (tests/t_fault_*.sh) ----

# fault_shim: build the LD_PRELOAD shim tests/fault/fault.c (its header says what the
# FAULT_* variables do) into ./fault.so; $FAULT_SO names it.
fault_shim() {
  cc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$PWD/fault.so" "$TOP/tests/fault/fault.c" -ldl \
    || fail "cannot build the fault shim"
  FAULT_SO=$PWD/fault.so
  # An ASan build refuses to run with another library preloaded before its runtime.
  export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
}

# no_temps DIR...: nothing a run could have left behind in DIRs: no dot file or directory
# (lsbimg's .NAME.lsbimg.XXXXXX, and the .NAME.XXXXXX of older builds) and no
# lsbimg-* (older builds' journal copies).
no_temps() {
  local t
  t=$(find "$@" -mindepth 1 -maxdepth 1 \( -name '.*' -o -name 'lsbimg-*' \) 2>/dev/null)
  [ -z "$t" ] || fail "temporaries left behind: $t"
}

# sha FILE: its sha256, or "none" when it does not exist.
sha() { if [ -e "$1" ]; then sha256sum <"$1" | cut -d' ' -f1; else echo none; fi; }

# unchanged WHAT FILE SHA: FILE still has SHA (the previous output survived), and when it
# exists e2fsck finds nothing wrong with it (ext2 images only: $NO_FSCK skips).
unchanged() {
  assert_eq "$1: $2 unchanged" "$3" "$(sha "$2")"
  if [ -e "$2" ] && [ -z "${NO_FSCK:-}" ]; then fsck_clean "$2"; fi
}

# boot_both FN: `FN arm64` and `FN arm`, each starting a boot in the background, then wait
# for both: BOOT_RC[arm64] and BOOT_RC[arm] hold their exit statuses.
declare -A BOOT_RC
boot_both() {
  local p64 p32
  "$1" arm64
  p64=$!
  "$1" arm
  p32=$!
  BOOT_RC=([arm64]=0 [arm]=0)
  wait $p64 || BOOT_RC[arm64]=$?
  wait $p32 || BOOT_RC[arm]=$?
}

# console_ok ARCH LOG RC: a run of tests/boot/console.exp (exit status RC, console in LOG)
# reached the prompt with no failed unit and job control, and QEMU powered off by itself.
# Notes the time to the prompt and systemd's startup time.
console_ok() {
  local arch=$1 log=$2
  [ "$3" = 0 ] || fail "$arch: $(grep -a '@@ERROR' "$log" || true); console tail: $(tail -n 15 "$log")"
  note "$arch: prompt after $(sed -n 's/^@@PROMPT //p' "$log" | tr -d '\r') s; $(grep -ao 'Startup finished in .*s' "$log" | tail -n 1)"
  assert_eq "$arch failed units" 0 "$(sed -n 's/^@@FAILED //p' "$log" | tr -d '\r')"
  assert_eq "$arch job control" yes "$(sed -n 's/^@@JOBCONTROL //p' "$log" | tr -d '\r')"
  grep -aq 'reboot: Power down' "$log" || fail "$arch: no power-down on the console"
  grep -aq '@@END' "$log" || fail "$arch: QEMU did not end by itself"
}
