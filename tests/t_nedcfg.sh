#!/bin/bash
# ned scripts are evaluated by Lua: what each start hands to its program, and which task
# runs /sbin/init, must be what lua5.4 running the same script on an independent stand-in
# for ned's L4 module (tests/data/nedcfg/mock_l4.lua) prints. The sandbox's own pattern
# matcher must give lua5.4's results and errors, and broken scripts must be reported with
# the line and message luac5.4 and lua5.4 give.
. "$TOP/tests/lib.sh"
ned="$TOP/$BUILD/tests/nedcfg"
data="$TOP/tests/data/nedcfg"
[ -x "$ned" ] || fail "$ned missing (make unit)"
command -v lua5.4 >/dev/null || fail "lua5.4 missing (scripts/deps.sh test)"

cp "$data"/*.cfg "$data"/*.lua .
cp "$TOP/cfg/bash.cfg" project_bash.cfg
for cfg in *.cfg; do
  luac5.4 -p "$cfg" || fail "$cfg is not valid Lua"
  lua5.4 mock_l4.lua "$cfg" >lua.txt || fail "lua5.4 failed on $cfg"
  "$ned" "$cfg" >ours.txt 2>ours.err || fail "lsbimg failed on $cfg: $(cat ours.err)"
  grep -q '^start ' lua.txt || fail "$cfg starts nothing under lua5.4"
  diff -u lua.txt ours.txt || fail "$cfg: what the starts get differs from lua5.4's"
  note "$cfg: $(grep -c '^start' ours.txt) starts, $(grep -c '^  ' ours.txt) capabilities agree with lua5.4"
done

# The cases the issue names, in numbers.
init_caps() { sed -n '/\[init\]$/,/^start/p' ours.txt | grep '^  ' | tr -d ' ' | sort | tr '\n' ' '; }
"$ned" renamed.cfg >ours.txt 2>/dev/null
assert_eq "renamed table" "global_fs global_net lsb_root rom " "$(init_caps)"
"$ned" loop.cfg >ours.txt 2>/dev/null
assert_eq "loop-built" "dev1 dev2 dev3 global_aio global_epoll global_fd global_fs global_net rom " "$(init_caps)"
"$ned" others.cfg >ours.txt 2>/dev/null
assert_eq "caps of other programs" "console global_fs rom " "$(init_caps)"
"$ned" upstream_like.cfg >ours.txt 2>ours.err
assert_eq "nil L4.Env names" "global_aio global_epoll global_fd global_fs global_net iomem lsb_root rom " "$(init_caps)"
assert_contains "nil L4.Env warning" "$(cat ours.err)" "upstream_like.cfg:15: warning: L4.Env.sched is nil: ned gets no capability named 'sched' from moe"

# Pattern functions: lua5.4's results and errors, case by case.
lua5.4 patterns.lua >lua.txt
"$ned" --lua patterns.lua >ours.txt || fail "patterns.lua failed in the sandbox"
[ "$(wc -l <lua.txt)" -gt 3000 ] || fail "patterns.lua printed only $(wc -l <lua.txt) lines"
diff -u lua.txt ours.txt || fail "pattern functions differ from lua5.4's"
note "$(wc -l <ours.txt) pattern results agree with lua5.4"

# Syntax errors: luac5.4's line and message.
i=0
for s in "x = 'abc\ny = 1" "x = '\\\\q'" "x = 1 }" "x = [==[ abc" "--[[ never closed" \
         "t = { caps = { a = 1 ) }" "s = \"\\\\xZZ\"" "local = 1" "goto nowhere"; do
  i=$((i + 1))
  printf '%b\n' "local a = 1\n$s" >bad$i.lua
  rc=0; luac5.4 -p bad$i.lua 2>luac.err || rc=$?
  [ $rc != 0 ] || fail "luac accepted bad$i.lua"
  want=$(sed -n 's/^luac5.4: \(bad[0-9]*\.lua:[0-9]*\): \(.*\)$/\1: error: \2/p' luac.err)
  [ -n "$want" ] || fail "cannot read luac's message: $(cat luac.err)"
  expect_exit 1 "$ned" bad$i.lua
  assert_eq "bad$i.lua" "$want" "$ERR"
done
# Runtime errors: lua5.4's line and message.
for s in "local t = nil\nt.x = 1" "error('boom')" "local x = #nil" "string.rep()" \
         "require('L4').Env.icu:nosuch()" "local s = ('x'):bad()"; do
  i=$((i + 1))
  printf '%b\n' "local a = 1\n$s" >bad$i.lua
  rc=0; lua5.4 mock_l4.lua bad$i.lua >/dev/null 2>lua.err || rc=$?
  [ $rc != 0 ] || fail "lua5.4 accepted bad$i.lua"
  want=$(sed -n 's/^\(bad[0-9]*\.lua:[0-9]*\): \(.*\)$/\1: error: \2/p' lua.err)
  [ -n "$want" ] || fail "cannot read lua's message: $(cat lua.err)"
  expect_exit 1 "$ned" bad$i.lua
  assert_contains "bad$i.lua" "$ERR" "$want"
done
echo ok
