#!/bin/bash
# Layout variables: ${NAME} and ${NAME:-DEFAULT} in string values, from the environment and
# from `compose -D NAME=VALUE` (repeatable, the last wins, -D over the environment); $${
# is a literal ${. What the image holds (debugfs) and its UUID (dumpe2fs: derived from the
# values, not the text) show the values used. The errors (unset, malformed, a bad -D) are
# cases in tests/layout (var-*).
. "$TOP/tests/lib.sh"

mkdir -p srcA srcB
printf 'A\n' >srcA/f
printf 'B\n' >srcB/f
cat >v.cfg <<'EOF'
image = { name = "${NAME:-v}"; output = "${OUT:-v.img}"; stage = ""; };
entries = (
  { type = "text"; path = "/etc/${FILE}"; text = "$${kept} $$ ${WHO:-nobody} ${EMPTY:-was empty}|${EMPTY}|\n"; },
  { type = "file"; path = "/f"; source = "${SRC}/f"; }
);
EOF
uuid() { dumpe2fs -h "$1" 2>/dev/null | sed -n 's/^Filesystem UUID: *//p'; }

note "from the environment, defaults for the rest"
FILE=env SRC=srcA EMPTY= expect_exit 0 "$LSBIMG" compose -q v.cfg
fsck_clean v.img
assert_eq "text" '${kept} $$ nobody was empty||' "$(dbg v.img 'cat /etc/env')"
assert_eq "host source" A "$(dbg v.img 'cat /f')"
u1=$(uuid v.img)

note "-D over the environment, the last -D wins"
FILE=env SRC=srcA WHO=env expect_exit 0 "$LSBIMG" compose -q -D FILE=first -D FILE=def \
  -D SRC=srcB -D OUT=d.img -D WHO=def -D EMPTY= v.cfg
[ ! -e def.img ] || fail "image.name from a -D not given"
fsck_clean d.img
assert_eq "text" '${kept} $$ def was empty||' "$(dbg d.img 'cat /etc/def')"
assert_eq "host source from -D" B "$(dbg d.img 'cat /f')"
dbg d.img 'ls /etc' | grep -q first && fail "an earlier -D won"

note "the same values give the same image, other values another UUID"
FILE=env SRC=srcA EMPTY= expect_exit 0 "$LSBIMG" compose -q -D OUT=again.img v.cfg
# image.output differs, and is part of the layout's values: the UUID with it.
[ "$(uuid again.img)" != "$u1" ] || fail "a different value, the same UUID"
FILE=env SRC=srcA EMPTY= OUT=v2.img expect_exit 0 "$LSBIMG" compose -q -D OUT=v.img -o v2.img v.cfg
assert_eq "same values, same image" "$(sha v.img)" "$(sha v2.img)"

note "compose --help and the man page name -D"
assert_contains "help" "$("$LSBIMG" compose --help)" "[-D NAME=VALUE]..."
grep -q 'fB\\-D\\fR \\fINAME\\fR=\\fIVALUE' "$TOP/docs/lsbimg.1" || fail "docs/lsbimg.1 lacks -D"

note "caps LAYOUT takes -D as compose does"
expect_exit 2 "$LSBIMG" caps v.cfg
assert_contains "unset" "$ERR" 'v.cfg:3: error: ${FILE} is not set'
expect_exit 0 "$LSBIMG" caps -D FILE=x -D SRC=srcA -D EMPTY= v.cfg
assert_contains "caps help" "$("$LSBIMG" caps --help)" "[-D NAME=VALUE]..."
