#!/bin/bash
# An output that exists and is not a regular file (a FIFO here; /dev/null in the incident
# that found this) is refused, never replaced by the rename; a symlink to a regular file is
# still replaced as before. Oracles: test(1) on the paths, e2fsck on the image.
. "$TOP/tests/lib.sh"

printf 'image = { name = "t"; stage = ""; };\nentries = ( { type = "text"; path = "/a"; text = "a\\n"; } );\n' >t.cfg
mkfifo fifo
expect_exit 1 "$LSBIMG" compose -q -o fifo t.cfg
assert_contains "fifo refused" "$ERR" "fifo exists and is not a regular file; not replacing it"
[ -p fifo ] || fail "the FIFO was replaced"
ln -s fifo link-to-fifo
expect_exit 1 "$LSBIMG" compose -q -o link-to-fifo t.cfg
[ -L link-to-fifo ] && [ -p fifo ] || fail "the link to the FIFO was replaced"
mkdir dir
expect_exit 1 "$LSBIMG" compose -q -o dir t.cfg
[ -d dir ] || fail "the directory was replaced"

: >regular
ln -s regular link
expect_exit 0 "$LSBIMG" compose -q -o link t.cfg
[ -f link ] && ! [ -L link ] || fail "the symlink to a regular file was not replaced by the image"
fsck_clean link

mkfifo out.tar
expect_exit 1 "$LSBIMG" extract link out.tar
assert_contains "extract refused" "$ERR" "out.tar exists and is not a regular file"
[ -p out.tar ] || fail "extract replaced the FIFO"
[ -z "$(find . -name '.*.??????')" ] || fail "temporary files left: $(find . -name '.*.??????')"
