# The man page (docs/lsbimg.1) and every command's --help describe the same options: each
# flag in a command's --help is in its man page section and the other way round, every
# flag a command accepts is described in its --help, and --help prints on stdout, exit 0.
# Problems are collected and listed together, each naming the command and the flag.
. "$TOP/tests/lib.sh"
MAN=$TOP/docs/lsbimg.1
RUNQEMU=$TOP/scripts/runqemu
command -v man >/dev/null || fail "man is missing (scripts/deps.sh test)"
problems=()
problem() { problems+=("$*"); }

# flags_in: the flags (-x, --long-name) in the text on stdin, sorted, one a line.
flags_in() { { grep -oE '(^|[^A-Za-z0-9-])--?[A-Za-z][A-Za-z0-9-]*' || true; } | sed 's/^[^-]*//' | sort -u; }
# help_flags: the flags of a --help text's option lines ("  -o, --output FILE  what"): the
# first column, up to two blanks.
help_flags() { { grep -E '^ +-[-A-Za-z]' || true; } | sed -E 's/^ +//; s/  .*//' | flags_in; }
# usage_flags: the flags of the usage line(s) at the top.
usage_flags() { awk 'NR == 1 || (go && /^ +\[/) { print; go = 1; next } { go = 0 }' | flags_in; }
# man_flags SECTION: the flags tagged (.TP) in the man page's ".SS SECTION" (OPTIONS: the
# global ".SH OPTIONS").
man_flags() {
  awk -v want="$1" '/^\.SH / { sec = ($2 == "OPTIONS") ? "OPTIONS" : ""; next }
    /^\.SS / { sec = $2; next }
    tag { if (sec == want) print; tag = 0; next }
    /^\.TP/ { tag = 1 }' "$MAN" | sed 's/\\f[BIRP]//g; s/\\-/-/g; s/"//g' | flags_in
}
# differ SET-A SET-B MSG-A MSG-B: a problem per flag only in SET-A (MSG-A, %s the flag) and
# per flag only in SET-B (MSG-B).
differ() {
  local f
  for f in $(comm -23 <(echo "$1") <(echo "$2")); do problem "$(printf "$3" "$f")"; done
  for f in $(comm -13 <(echo "$1") <(echo "$2")); do problem "$(printf "$4" "$f")"; done
}
# compare WHAT HELP-FLAGS MAN-FLAGS
compare() {
  differ "$2" "$3" "man page section '$1' lacks %s, which '$1 --help' describes" \
    "'$1 --help' lacks %s, which the man page's section '$1' describes"
}

note "lsbimg's own options"
expect_exit 0 "$LSBIMG" --help
[ -z "$ERR" ] || problem "lsbimg --help printed on stderr: $ERR"
compare OPTIONS "$(help_flags <<<"$OUT")" "$(man_flags OPTIONS)"
mapfile -t commands < <(awk '/^commands:/ { go = 1; next } go && /^  [a-z]/ { print $1 } go && /^$/ { exit }' <<<"$OUT")
[ ${#commands[@]} -ge 11 ] || fail "lsbimg --help lists ${#commands[@]} commands: ${commands[*]}"

# Long option names anywhere in the commands' option tables, to probe each command with.
mapfile -t longs < <(grep -ohE '\{ *"[a-z][a-z-]*", *(no|required|optional)_argument' "$TOP"/composer/cli/*.c |
  sed -E 's/\{ *"([^"]*)".*/\1/' | sort -u)
[ ${#longs[@]} -ge 10 ] || fail "found only ${#longs[@]} long options in composer/cli"
# accepts CMD FLAG: the command takes FLAG (with an argument or not) before --help.
accepts() {
  local out rc=0
  out=$("$LSBIMG" "$1" "$2" 1 --help 2>/dev/null) || rc=$?
  [ $rc = 0 ] && [[ $out == "usage: lsbimg $1"* ]]
}

for cmd in "${commands[@]}"; do
  note "$cmd"
  rc=0; "$LSBIMG" "$cmd" --help >help.out 2>help.err || rc=$?
  [ $rc = 0 ] || problem "lsbimg $cmd --help exited $rc"
  [ ! -s help.err ] || problem "lsbimg $cmd --help printed on stderr: $(cat help.err)"
  grep -q "^usage: lsbimg $cmd" help.out || problem "lsbimg $cmd --help does not begin with its usage"
  hf=$(help_flags <help.out)
  grep -q -- '--help' <<<"$hf" || problem "lsbimg $cmd --help does not describe --help"
  grep -q "^\.SS $cmd\$" "$MAN" || problem "the man page has no section '.SS $cmd'"
  compare "$cmd" "$hf" "$(man_flags "$cmd")"
  for f in $(comm -23 <(usage_flags <help.out) <(echo "$hf")); do
    problem "lsbimg $cmd --help: $f is in the usage line but not described"
  done
  # Every flag the command accepts is described: each letter, each long name.
  for f in $(printf -- '-%s\n' {a..z} {A..Z}) "${longs[@]/#/--}"; do
    if accepts "$cmd" "$f" && ! grep -qx -- "$f" <<<"$hf"; then
      problem "lsbimg $cmd accepts $f, but its --help does not describe it"
    fi
  done
done

note "no man page section for a command that does not exist"
for s in $(sed -n 's/^\.SS //p' "$MAN"); do
  [[ " ${commands[*]} runqemu " == *" $s "* ]] || problem "the man page describes '$s', which is no command"
done

note "runqemu"
rc=0; "$RUNQEMU" --help >help.out 2>help.err || rc=$?
[ $rc = 0 ] || problem "runqemu --help exited $rc"
[ ! -s help.err ] || problem "runqemu --help printed on stderr: $(cat help.err)"
hf=$(help_flags <help.out)
compare runqemu "$hf" "$(man_flags runqemu)"
# The options runqemu's argument loop takes: its case patterns.
parsed=$(sed -n '/^while \[ \$# -gt 0 \]/,/^done/p' "$RUNQEMU" | grep -oE '^ {4}-[-|A-Za-z]+\)' |
  tr -d ' )' | tr '|' '\n' | grep -E '^--?[A-Za-z]' | sort -u)
[ -n "$parsed" ] || fail "found no options in runqemu's argument loop"
differ "$parsed" "$hf" "runqemu accepts %s, but its --help does not describe it" \
  "runqemu --help describes %s, which runqemu does not accept"

note "the man page renders without warnings"
warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$MAN" 2>&1 >/dev/null) || problem "man -l failed: $warn"
[ -z "$warn" ] || problem "man --warnings: $warn"

if [ ${#problems[@]} -gt 0 ]; then
  printf '%s\n' "${problems[@]}" >&2
  fail "${#problems[@]} differences between the man page, --help and the options taken"
fi
