# Incremental composes: the package cache gives the images a compose without it gives,
# survives damaged entries, concurrent composes and its size bound; an unchanged compose
# writes nothing and says so, any changed input composes again; --depfile drives make.
. "$TOP/tests/lib.sh"
command -v make >/dev/null || fail "make is needed"
shadow_checkout
# Files this test changes are copies, never the checkout's.
rm shadow/units shadow/out
cp -rL "$TOP/units" shadow/units
mkdir -p shadow/out/debs && cp -r "$TOP/out/debs/rootfs-arm64" shadow/out/debs/
{ cat "$TOP/layouts/arm64.cfg"; echo '@include "extra.cfg"'; } > shadow/layouts/t.cfg
echo '# nothing yet' > shadow/layouts/extra.cfg
L=shadow/layouts/t.cfg
CACHE=$XDG_CACHE_HOME/lsbimg/pkg
# A file changed less than a second before a compose is not trusted by its stat: the copies
# above would make the next compose compose again.
sleep 1.1

note "cold cache, cache-less and warm cache give the same image"
"$LSBIMG" compose -q -o out/a.img --stage stage $L || fail "first compose failed"
[ "$(find "$CACHE" -type f | wc -l)" -gt 10 ] || fail "no cache entries in $CACHE"
LSBIMG_CACHE=off "$LSBIMG" compose -q --no-stage -o out/off.img $L || fail "cache-less compose failed"
"$LSBIMG" compose -q --no-stage --no-cache -o out/off2.img $L || fail "--no-cache compose failed"
"$LSBIMG" compose -q --no-stage -o out/warm.img $L || fail "warm compose failed"
ref=$(sha out/a.img)
assert_eq "cache-less image" "$ref" "$(sha out/off.img)"
assert_eq "--no-cache image" "$ref" "$(sha out/off2.img)"
assert_eq "warm-cache image" "$ref" "$(sha out/warm.img)"
fsck_clean out/warm.img

ident() { stat -c '%i %s %y' out/a.img stage/a.img 2>&1 || true; sha out/a.img; sha stage/a.img; }
# recomposes WHAT CMD...: the compose recomposed (or, with RECOMPOSE=0, did not).
recomposes() {
  local what=$1 before; shift
  before=$(ident)
  expect_exit 0 "$@"
  if [ "${RECOMPOSE:-1}" = 1 ]; then
    [[ $OUT != *unchanged* ]] || fail "$what: compose said unchanged: $OUT"
    [ "$before" != "$(ident)" ] || fail "$what: the image was not written again"
  else
    assert_contains "$what: message" "$OUT" "out/a.img: unchanged"
    assert_eq "$what: image and staged copy untouched" "$before" "$(ident)"
  fi
}
compose() { "$LSBIMG" compose -o out/a.img --stage stage "$@" $L; }

note "nothing changed: nothing written, one line, none with -q"
sleep 1.1   # past the window in which a stat cannot tell a change apart
RECOMPOSE=0 recomposes "unchanged" compose
[ "$(wc -l <<<"$OUT")" = 1 ] || fail "more than one line: $OUT"
expect_exit 0 compose -q
assert_eq "-q output" "" "$OUT"
recomposes "--force" compose --force

note "a changed input composes again"
sleep 1.1
touch shadow/units/bash.service
recomposes "touched unit" compose
RECOMPOSE=0 recomposes "unchanged after the touched unit" compose
sed -i 's/^Description=.*/Description=changed/' shadow/units/bash.service
recomposes "edited unit" compose
dbg out/a.img "cat /usr/lib/systemd/system/bash.service" | grep -q 'Description=changed' ||
  dbg out/a.img "cat /etc/systemd/system/bash.service" | grep -q 'Description=changed' ||
  fail "the edited unit is not in the image"
sleep 1.1
touch "$(ls shadow/out/debs/rootfs-arm64/*.deb | head -1)"
recomposes "touched package" compose
echo '# changed' >> shadow/layouts/extra.cfg
recomposes "edited include" compose
echo '# changed' >> $L
recomposes "edited layout" compose
echo 'entries_var = ( { type = "text"; path = "/etc/incr-var"; text = "${INCR_VAR:-none}"; } );' \
  >> shadow/layouts/extra.cfg
recomposes "variable in an include" compose
RECOMPOSE=0 recomposes "variable unset, unchanged" compose
recomposes "-D value" compose -D INCR_VAR=one
RECOMPOSE=0 recomposes "same -D value" compose -D INCR_VAR=one
recomposes "other -D value" compose -D INCR_VAR=two
assert_eq "-D value in the image" "two" "$(dbg out/a.img 'cat /etc/incr-var')"
INCR_VAR=env recomposes "environment value" compose
SOURCE_DATE_EPOCH=1234567890 recomposes "other SOURCE_DATE_EPOCH" compose
recomposes "SOURCE_DATE_EPOCH back" compose
sleep 1.1
RECOMPOSE=0 recomposes "settled" compose
# The files read are spooled to a temporary file; without one they are kept in memory.
TMPDIR=/nonexistent recomposes "--force without a TMPDIR" compose --force
sleep 1.1
TMPDIR=/nonexistent RECOMPOSE=0 recomposes "unchanged without a TMPDIR" compose
touch out/a.img
recomposes "touched image" compose
rm stage/a.img
recomposes "removed staged copy" compose
printf x | dd of=out/a.img bs=1 seek=2000 conv=notrunc status=none
recomposes "image modified by hand" compose
recomposes "other stage directory" "$LSBIMG" compose -o out/a.img --stage stage2 $L
fsck_clean out/a.img

note "damaged cache entries are rebuilt, not used"
# The units changed above: a new reference, composed without the cache.
LSBIMG_CACHE=off "$LSBIMG" compose -q --no-stage -o out/off.img shadow/layouts/arm64.cfg ||
  fail "cache-less compose failed"
big=$(ls -S "$CACHE" | sed -n 1p); small=$(ls -S "$CACHE" | sed -n 5p)
want_big=$(sha "$CACHE/$big"); want_small=$(sha "$CACHE/$small")
truncate -s -4096 "$CACHE/$big"
printf 'X' | dd of="$CACHE/$small" bs=1 seek=$(( $(stat -c %s "$CACHE/$small") - 1 )) conv=notrunc status=none
"$LSBIMG" compose -q --no-stage -o out/c.img shadow/layouts/arm64.cfg || fail "compose over damaged entries failed"
assert_eq "image from damaged cache" "$(sha out/off.img)" "$(sha out/c.img)"
assert_eq "truncated entry rebuilt" "$want_big" "$(sha "$CACHE/$big")"
assert_eq "corrupted entry rebuilt" "$want_small" "$(sha "$CACHE/$small")"

note "concurrent composes share a fresh cache"
export XDG_CACHE_HOME=$PWD/cache2
"$LSBIMG" compose -q --no-stage -o out/p1.img shadow/layouts/arm64.cfg & p1=$!
"$LSBIMG" compose -q --no-stage -o out/p2.img shadow/layouts/arm64.cfg & p2=$!
wait $p1 || fail "first concurrent compose failed"
wait $p2 || fail "second concurrent compose failed"
fsck_clean out/p1.img; fsck_clean out/p2.img
assert_eq "concurrent image 1" "$(sha out/off.img)" "$(sha out/p1.img)"
assert_eq "concurrent image 2" "$(sha out/off.img)" "$(sha out/p2.img)"
no_temps cache2/lsbimg/pkg

note "the size bound prunes least recently used entries"
before=$(du -sb cache2/lsbimg/pkg | cut -f1)
LSBIMG_CACHE_MAX=20M "$LSBIMG" compose -q --no-stage --force -o out/p1.img shadow/layouts/arm64.cfg
[ "$(du -sb cache2/lsbimg/pkg | cut -f1)" -le $((20 << 20)) ] || fail "cache above its 20M bound"
[ "$(du -sb cache2/lsbimg/pkg | cut -f1)" -lt "$before" ] || fail "nothing pruned"
expect_exit 0 env LSBIMG_CACHE_MAX=1M "$LSBIMG" cache prune
[ "$(du -sb cache2/lsbimg/pkg | cut -f1)" -le $((1 << 20)) ] || fail "cache prune left more than 1M"
expect_exit 0 "$LSBIMG" cache clear
assert_contains "cache info" "$("$LSBIMG" cache info)" "0 packages"
expect_exit 2 "$LSBIMG" cache frobnicate

note "--depfile: make composes again exactly when an input changed"
mkdir -p 'tree dir$x#1/etc' other
echo one > 'tree dir$x#1/etc/f'
cat > m.cfg <<'EOF2'
image = { name = "m"; output = "out/m.img"; stage = ""; };
entries = ( { type = "tree"; path = "/"; source = "tree dir$x#1"; } );
EOF2
cat > Makefile <<EOF2
out/m.img:
	"$LSBIMG" compose -q --depfile out/m.d m.cfg
-include out/m.d
EOF2
make -s || fail "make failed"
grep -q 'tree\\ dir\$\$x\\#1/etc/f' out/m.d || fail "depfile escapes: $(cat out/m.d)"
make -q || fail "make: not up to date after composing"
sleep 1.1
touch other/unrelated
make -q || fail "make: an unrelated file made the image out of date"
echo two > 'tree dir$x#1/etc/f'
expect_exit 1 make -q
make -s || fail "make failed after the change"
make -q || fail "make: not up to date after composing again"
assert_eq "changed file in the image" "two" "$(dbg out/m.img 'cat /etc/f')"
