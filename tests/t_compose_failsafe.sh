# A failing compose leaves the previous image byte-identical and no temporary files.
. "$TOP/tests/lib.sh"

mkdir -p src out; printf 'data\n' > src/a; head -c 3000000 /dev/urandom > src/big
cat > good.cfg <<'EOF2'
image = { name = "g"; output = "out/g.img"; stage = "stage"; };
entries = ( { type = "tree"; path = "/"; source = "src"; } );
EOF2
"$LSBIMG" compose -q good.cfg
before=$(sha256sum < out/g.img); staged=$(sha256sum < stage/g.img)

no_temps() { local t; t=$(find out stage -name '.*' ! -name '.*.manifest' -type f); [ -z "$t" ] || fail "temporary files left: $t"; }

# Missing host source: exit 1, names layout line and path.
cat > missing.cfg <<'EOF2'
image = { name = "g"; output = "out/g.img"; stage = "stage"; };
entries = (
  { type = "tree"; path = "/"; source = "src"; },
  { type = "file"; path = "/etc/x"; source = "no/such/file"; }
);
EOF2
expect_exit 1 "$LSBIMG" compose missing.cfg
assert_contains "missing source message" "$ERR" "missing.cfg:4: error: source"
assert_contains "missing source path" "$ERR" "no/such/file: No such file or directory"
assert_eq "image after missing source" "$before" "$(sha256sum < out/g.img)"
assert_eq "stage after missing source" "$staged" "$(sha256sum < stage/g.img)"
no_temps

# Image too small: fails while writing; says what is needed versus what there is.
cat > small.cfg <<'EOF2'
image = { name = "g"; output = "out/g.img"; stage = "stage"; size = "1M"; };
entries = ( { type = "tree"; path = "/"; source = "src"; } );
EOF2
expect_exit 1 "$LSBIMG" compose small.cfg
assert_contains "too small message" "$ERR" "image too small: the content needs"
assert_contains "too small advice" "$ERR" "use image.size of at least"
assert_eq "image after too small" "$before" "$(sha256sum < out/g.img)"
no_temps

# Too few inodes.
cat > inodes.cfg <<'EOF2'
image = { name = "g"; output = "out/g.img"; stage = "stage"; inodes = 5; };
entries = ( { type = "tree"; path = "/"; source = "src"; } );
EOF2
expect_exit 1 "$LSBIMG" compose inodes.cfg
assert_contains "inodes message" "$ERR" "image.inodes 5 is too small: the content needs"
assert_eq "image after too few inodes" "$before" "$(sha256sum < out/g.img)"
no_temps

fsck_clean out/g.img
fsck_clean stage/g.img
