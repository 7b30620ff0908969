# Layout mistakes exit 2 and name the file and line; nothing is written: those cases are data,
# tests/layout/*/ run by t_layout_cases.sh. Here: what override = true does instead of the
# duplicate-path error, and the command-line mistakes (exit 2).
. "$TOP/tests/lib.sh"

cat > over.cfg <<'EOF2'
image = { stage = ""; output = "over.img"; };
entries = (
  { type = "text"; path = "/etc/x"; text = "1"; },
  { type = "text"; path = "/etc/x"; text = "second"; override = true; }
);
EOF2
"$LSBIMG" compose -q over.cfg
assert_eq "override wins" "second" "$(dbg over.img 'cat /etc/x')"

expect_exit 2 "$LSBIMG" compose
expect_exit 2 "$LSBIMG" frobnicate
