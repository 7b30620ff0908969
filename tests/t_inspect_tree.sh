# lsbimg tree takes tree(1)'s -a, -d, -l and -L LEVEL and draws and counts as tree(1) does
# on a mount of the same image: dot files hidden without -a, links to directories counted
# as directories, -l following them once ("[recursive, not followed]"), the top counted.
. "$TOP/tests/lib.sh"
command -v tree >/dev/null || fail "tree(1) is missing (scripts/deps.sh test)"
mkdir -p src/a/b/c src/.hid/x src/d
echo 1 >src/a/f; echo 2 >src/.dot; echo 3 >src/a/b/c/deep; echo 4 >src/.hid/x/y
ln -s a src/la; ln -s . src/a/self; ln -s ../nowhere src/dangling; ln -s b/c src/a/lc
compose_tree "$PWD/src" t.img
ro_mount t.img mnt
on_exit 'ro_umount mnt'
# tree(1)'s UTF-8 indent has no-break spaces, lsbimg's plain ones; its top line is ".".
tree_of_mount() { (cd mnt && LC_ALL=C.UTF-8 tree --charset=UTF-8 "$@" .) | sed '1s|^\.$|/|; s/\xc2\xa0/ /g'; }
for args in "" -a -d -l "-L 1" "-L 2" "-a -d" "-l -d" "-l -a -L 3" "-a -l -d -L 2"; do
  expect_exit 0 "$LSBIMG" tree $args t.img /
  assert_eq "tree $args" "$(tree_of_mount $args)" "$OUT"
done
assert_contains "a loop is not followed" "$OUT" "self -> .  [recursive, not followed]"
note "-l also follows PATH; -J is --json"
expect_exit 0 "$LSBIMG" tree -l t.img /la
assert_eq "tree -l of a link" "$( (cd mnt/la && LC_ALL=C.UTF-8 tree --charset=UTF-8 -l .) | sed '1s|^\.$|/la|; s/\xc2\xa0/ /g')" "$OUT"
expect_exit 0 "$LSBIMG" tree t.img /la
assert_eq "tree of a link" "$(printf '/la -> a\n\n0 directories, 1 file')" "$OUT"
assert_eq "-J" "$("$LSBIMG" tree --json -a t.img /)" "$("$LSBIMG" tree -J -a t.img /)"
assert_eq "-L 1 JSON: no grandchildren" "a d dangling la lost+found" \
  "$("$LSBIMG" tree -J -L 1 t.img / | jq -r '[.root.children[] | .name, (.children // [] | .[].name)] | join(" ")')"
for bad in 0 -1 x 1x 257 ""; do
  expect_exit 2 "$LSBIMG" tree -L "$bad" t.img /
  assert_contains "-L '$bad'" "$ERR" "-L: the level must be a whole number from 1 to 256, not '$bad'"
done
