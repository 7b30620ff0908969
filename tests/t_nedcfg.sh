#!/bin/bash
# The capability reader against real Lua: cfg/bash.cfg and a script using every syntax are
# run by lua5.4 with a stand-in L4 module that prints the caps handed to each program;
# the names lsbimg reads must be the same set. Broken scripts are refused at the line
# luac reports.
. "$TOP/tests/lib.sh"
names="$TOP/$BUILD/tests/nedcfg"
data="$TOP/tests/data/nedcfg"
[ -x "$names" ] || fail "$names missing (make unit)"
command -v lua5.4 >/dev/null || fail "lua5.4 missing (scripts/deps.sh test)"

for cfg in "$TOP/cfg/bash.cfg" "$data/every_syntax.cfg"; do
  luac5.4 -p "$cfg" || fail "$cfg is not valid Lua"
  # Positional entries get numeric keys in Lua; they name no capability.
  lua5.4 -e "dofile('$data/mock_l4.lua')" "$cfg" | grep -v '^[0-9]*$' | sort -u >lua.txt
  "$names" "$cfg" | sort >ours.txt
  [ -s lua.txt ] || fail "lua printed no caps for $cfg"
  diff -u lua.txt ours.txt || fail "$cfg: names differ from what Lua passes"
  note "$cfg: $(wc -l <ours.txt) names agree with Lua"
done
for c in global_fs global_net global_epoll global_fd global_aio lsb_root virtio_blk \
         virtio_blk_irq virtio_net virtio_net_irq iomem scheduler; do
  grep -qx "$c" <("$names" "$TOP/cfg/bash.cfg") || fail "cfg/bash.cfg does not declare $c"
done

# Broken scripts: the line luac names (or the line a long bracket starts on).
i=0
for s in "x = 'abc\ny = 1" "x = '\\\\q'" "x = 1 }" "x = [==[ abc" "--[[ never closed" \
         "t = { caps = { a = 1 ) }" "s = \"\\\\xZZ\""; do
  i=$((i + 1))
  printf '%b\n' "local a = 1\n$s" >bad$i.lua
  rc=0; luac5.4 -p bad$i.lua 2>luac.err || rc=$?
  [ $rc != 0 ] || fail "luac accepted bad$i.lua"
  want=$(sed -n 's/.*(starting at line \([0-9]*\)).*/\1/p' luac.err)
  [ -n "$want" ] || want=$(sed -n 's/^luac5.4: bad[0-9]*\.lua:\([0-9]*\):.*/\1/p' luac.err)
  expect_exit 1 "$names" bad$i.lua
  assert_contains "bad$i.lua error line" "$ERR" "bad$i.lua:$want: error:"
done
