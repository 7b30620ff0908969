# Layout mistakes exit 2 and name the file and line; nothing is written.
. "$TOP/tests/lib.sh"

write() { cat > "$1"; }
run2() { expect_exit 2 "$LSBIMG" compose -o out.img --no-stage "$1"; [ ! -e out.img ] || fail "$1 wrote an image"; }

write syntax.cfg <<'EOF2'
image = { name = "s"; };
entries = (
  { type = "dir"; path = "/a" }
  { type = "dir"; path = "/b"; }
);
EOF2
run2 syntax.cfg
# The missing ";" after line 3 is found at the next token, on line 4.
assert_contains "syntax error names file:line" "$ERR" "syntax.cfg:4: error: syntax error"

write typo.cfg <<'EOF2'
image = { name = "t"; };
entries = (
  { type = "dir"; path = "/a"; },
  { type = "dir"; path = "/b"; modee = "0755"; }
);
EOF2
run2 typo.cfg
assert_contains "misspelt key" "$ERR" "typo.cfg:4: error: unknown key 'modee' in dir entry (did you mean 'mode'?)"

write imgtypo.cfg <<'EOF2'
image = {
  name = "t";
  blocksize = 4096;
};
EOF2
run2 imgtypo.cfg
assert_contains "misspelt image key" "$ERR" "imgtypo.cfg:3: error: unknown key 'blocksize' in image (did you mean 'block_size'?)"

write type.cfg <<'EOF2'
image = { name = "t"; block_size = "4096"; };
EOF2
run2 type.cfg
assert_contains "wrong type" "$ERR" "type.cfg:1: error: image.block_size must be an integer"

write mode.cfg <<'EOF2'
entries = ( { type = "dir"; path = "/a"; mode = 755; } );
EOF2
run2 mode.cfg
assert_contains "integer mode" "$ERR" "mode.cfg:1: error: dir entry.mode must be a string"

write kind.cfg <<'EOF2'
entries = (
  { type = "symlnk"; path = "/a"; target = "b"; }
);
EOF2
run2 kind.cfg
assert_contains "unknown entry type" "$ERR" "kind.cfg:2: error: unknown entry type 'symlnk' (did you mean 'symlink'?)"

write top.cfg <<'EOF2'
imagee = { name = "t"; };
EOF2
run2 top.cfg
assert_contains "unknown top-level key" "$ERR" "top.cfg:1: error: unknown top-level key 'imagee' (did you mean 'image'?)"

write base.cfg <<'EOF2'
entries = (
  { type = "dir"; path = "relative"; }
);
EOF2
write inc.cfg <<'EOF2'
# includes a base with a mistake
@include "base.cfg"
EOF2
run2 inc.cfg
assert_contains "error inside an included file" "$ERR" "base.cfg:2: error: path 'relative' must be absolute"

write dup.cfg <<'EOF2'
entries = (
  { type = "text"; path = "/etc/x"; text = "1"; },
  { type = "text"; path = "/etc/x"; text = "2"; }
);
EOF2
expect_exit 1 "$LSBIMG" compose -o out.img --no-stage dup.cfg
assert_contains "duplicate path" "$ERR" "dup.cfg:3: error: /etc/x: the path is already defined (first defined at dup.cfg:2); set override = true to replace it"

write over.cfg <<'EOF2'
image = { stage = ""; output = "over.img"; };
entries = (
  { type = "text"; path = "/etc/x"; text = "1"; },
  { type = "text"; path = "/etc/x"; text = "second"; override = true; }
);
EOF2
"$LSBIMG" compose -q over.cfg
assert_eq "override wins" "second" "$(dbg over.img 'cat /etc/x')"

expect_exit 2 "$LSBIMG" compose no-such-layout.cfg
assert_contains "missing layout" "$ERR" "no-such-layout.cfg: No such file or directory"
expect_exit 2 "$LSBIMG" compose
expect_exit 2 "$LSBIMG" frobnicate
