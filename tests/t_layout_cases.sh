# Layout-error cases as data (tests/layout/CASE/, see tests/layout/README.md): each case's
# folder is copied to a scratch directory and lsbimg runs inside the copy (with the case's
# env lines, SOURCE_DATE_EPOCH unset otherwise); its exit status
# must be expect.exit, its stderr expect.err exactly, and the copy must hold nothing but the
# case's own files afterwards (no image, no temporary file). Every failing case is reported
# by name with a diff; any failure fails the test.
. "$TOP/tests/lib.sh"

cases=$TOP/tests/layout
default_cmd="compose -o out.img --no-stage layout.cfg"
limit=${CASE_TIMEOUT:-30}
n=0 failed=()

# listing DIR: every name under DIR with its type, sorted.
listing() { (cd "$1" && find . -mindepth 1 -printf '%y %p\n' | LC_ALL=C sort); }

# normalize FILE DIR: FILE with DIR's absolute path (as given and resolved) written @DIR@.
normalize() {
  local s="" d
  IFS= read -rd '' s <"$1" || true
  for d in "$2" "$(cd "$2" && pwd -P)"; do s=${s//"$d"/@DIR@}; done
  printf '%s' "$s"
}

# run_case NAME: prints what is wrong with the case; prints nothing when it passes.
run_case() {
  local name=$1 src=$cases/$1 copy=$PWD/work/$1 res=$PWD/res/$1
  local f args want rc=0 i vars=(-u SOURCE_DATE_EPOCH)
  for f in expect.exit expect.err; do
    [ -f "$src/$f" ] || { echo "no $f"; return; }
  done
  want=$(tr -d ' \n' <"$src/expect.exit")
  [[ $want =~ ^[0-9]+$ ]] || { echo "expect.exit is not a number: '$want'"; return; }
  if [ -f "$src/cmd" ]; then
    read -ra args <"$src/cmd" || true
    for i in "${!args[@]}"; do [ "${args[$i]}" != "''" ] || args[$i]=; done
  else
    [ -f "$src/layout.cfg" ] || { echo "no layout.cfg (and no cmd)"; return; }
    read -ra args <<<"$default_cmd"
  fi
  if [ -f "$src/env" ]; then
    while IFS= read -r f; do [ -z "$f" ] || vars+=("$f"); done <"$src/env"
  fi
  mkdir -p "$res" "${copy%/*}"
  cp -a "$src" "$copy"
  listing "$copy" >"$res/before"
  # TMPDIR inside the copy: a temporary file anywhere lsbimg might put one is caught below.
  (cd "$copy" && TMPDIR=$copy timeout -k 5 "$limit" env "${vars[@]}" "$LSBIMG" "${args[@]}") \
    >"$res/stdout" 2>"$res/stderr.raw" </dev/null || rc=$?
  normalize "$res/stderr.raw" "$copy" >"$res/stderr"
  listing "$copy" >"$res/after"
  [ "$rc" = "$want" ] || echo "exit $rc, want $want"
  diff -u --label "$name/expect.err" --label "stderr" "$src/expect.err" "$res/stderr" || true
  diff -u --label "case files" --label "after lsbimg ${args[*]}" "$res/before" "$res/after" || true
}

for dir in "$cases"/*/; do
  name=$(basename "$dir")
  n=$((n + 1))
  problems=$(run_case "$name")
  if [ -z "$problems" ]; then
    echo "ok   $name"
  else
    failed+=("$name")
    echo "FAIL $name"
    sed 's/^/    /' <<<"$problems"
  fi
done

[ "$n" -gt 0 ] || fail "no cases under $cases"
echo "$n cases, ${#failed[@]} failed"
[ ${#failed[@]} = 0 ] || fail "failing cases: ${failed[*]}"
