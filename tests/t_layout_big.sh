# Reading a layout takes time linear in its size. libconfig 1.5 reading a file itself
# rescans a long token from its start after every 8 KiB it reads: a 4 MB comment line took
# 7.5 s, 16 MB would take minutes. lsbimg reads the files and gives libconfig one string
# (composer/layout/layout_text.c). Measured: one long comment line in the top layout and
# one long string (a text entry's) in an included file, at 1 MB and 16 MB each; every compose must finish
# within 10 s, and 16 MB may take at most 64 times as long as 1 MB (linear is 16 times,
# quadratic 256 times). The times are printed for the log.
. "$TOP/tests/lib.sh"

limit=10

# gen MB KIND: a layout whose bulk is one MB-megabyte token of KIND (comment, string).
gen() {
  local mb=$1 kind=$2 x
  x=$(head -c $((mb * 1048576)) /dev/zero | tr '\0' x)
  case $kind in
    comment)
      printf '# %s\nimage = { name = "t"; stage = ""; };\nentries = ( { type = "dir"; path = "/d"; } );\n' \
        "$x" >"$kind-$mb.cfg" ;;
    string)
      printf 'text = "%s";\n' "$x" >"$kind-$mb-inc.cfg"
      printf 'image = { name = "t"; stage = ""; };\nentries = ( { type = "text"; path = "/t";\n  @include "%s"\n} );\n' \
        "$kind-$mb-inc.cfg" >"$kind-$mb.cfg" ;;
  esac
}

# ms CFG: compose CFG, print the wall time in milliseconds.
ms() {
  local start end rc=0
  start=$(date +%s%N)
  timeout -k 5 $((limit * 3)) "$LSBIMG" compose -q -o t.img --no-stage "$1" 2>err || rc=$?
  end=$(date +%s%N)
  [ $rc = 0 ] || fail "compose $1 exited $rc (124: more than $((limit * 3)) s): $(cat err)"
  echo $(((end - start) / 1000000))
}

for kind in comment string; do
  gen 1 $kind
  gen 16 $kind
  t1=$(ms $kind-1.cfg)
  t16=$(ms $kind-16.cfg)
  echo "$kind: 1 MB ${t1} ms, 16 MB ${t16} ms"
  [ "$t16" -lt $((limit * 1000)) ] || fail "$kind: 16 MB took ${t16} ms, over ${limit} s"
  # a floor of 20 ms for 1 MB: process start-up dominates there
  [ "$t16" -lt $((64 * (t1 > 20 ? t1 : 20))) ] || fail "$kind: 16 MB took ${t16} ms, 1 MB ${t1} ms: not linear"
done
