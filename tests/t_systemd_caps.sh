#!/bin/bash
# L4 capabilities: `lsbimg caps` on a layout and on an image, layout-added mappings as
# drop-ins that systemd itself reads (systemd-analyze cat-config --root on an extraction
# of the image lists the files in the order it applies them), values refused with file,
# line and a suggestion, the record of the ned script in the image (sha256sum as the
# oracle) that makes compose, check and caps give one verdict anywhere, --caps-cfg on each
# command, environment files parsed as systemd parses them (its environment.d generator as
# the oracle), and unit sanity warnings that become errors with strict.
. "$TOP/tests/lib.sh"
command -v systemd-analyze >/dev/null || fail "systemd-analyze missing (scripts/deps.sh test)"
CFG=$TOP/cfg/bash.cfg

mkdir -p units/aio_server.service.d
cp "$TOP"/units/* units/
# A packaged drop-in overriding one variable of aio_server.
printf '[Service]\nEnvironment=L4_CAP_GLOBAL_AIO=global_epoll L4_CAP_AIO_FD=global_fd\n' \
  >units/aio_server.service.d/60-override.conf
layout() { # extra systemd keys
  cat >layout.cfg <<CFG
image = { name = "t"; output = "t.img"; stage = ""; };
systemd = {
  units = [ "units" ];
  enable = [ "bash.service", "fs_server.service", "net_server.service" ];
  caps_cfg = "$CFG";
  $1
};
CFG
}
# row UNIT VAR CAP [GIVEN-AT]: the plain table holds that row.
row() {
  grep -E "^$1 +$2 +$3 +${4:-}" <<<"$plain" >/dev/null || fail "caps: no row $1 $2 $3 ${4:-} in: $plain"
}
layout 'mappings = ( { unit = "net_server.service"; env = { L4_CAP_EXTRA = "global_fd"; L4_CAP_IOMEM = "scheduler"; }; } );'

expect_exit 0 "$LSBIMG" caps layout.cfg
plain=$OUT
init_line=$(grep -n 'l:start' "$CFG" | tail -1 | cut -d: -f1)   # the start whose program is init
row fs_server.service L4_CAP_GLOBAL_FS global_fs "$CFG:$init_line"
row fs_server.service L4_CAP_SCHED scheduler
row net_server.service L4_CAP_EXTRA global_fd
row epoll_server.service L4_CAP_GLOBAL_EPOLL global_epoll
assert_eq "rows" 15 "$(($(wc -l <<<"$plain") - 1))"
[ ! -e t.img ] || fail "caps LAYOUT wrote an image"
expect_exit 0 "$LSBIMG" caps --json layout.cfg
assert_contains "json" "$OUT" '{"unit":"net_server.service","variable":"L4_CAP_EXTRA","capability":"global_fd","file":"/etc/systemd/system/net_server.service.d/50-l4-caps.conf","line":3,"given_at":"'"$CFG:$init_line"'","problem":null}'
assert_eq "json rows" 15 "$(jq '.uses | length' <<<"$OUT")"
"$TOP/tests/json_check.py" caps <<<"$OUT" || fail "caps --json does not match docs/json.schema.json"

note "the shipped fs_server.service continues one Environment= over lines, as L4ReRust's does"
[ "$(grep -c '"L4_CAP_[A-Z_]*=[a-z_]*" \\$' "$TOP/units/fs_server.service")" -ge 5 ] ||
  fail "units/fs_server.service has no continued Environment="
for v in GLOBAL_FS LSB_ROOT VIRTIO_BLK VIRTIO_BLK_IRQ IOMEM SCHED; do
  want=$(grep -n "\"L4_CAP_$v=" "$TOP/units/fs_server.service" | cut -d: -f1)
  got=$(jq -r ".uses[] | select(.unit == \"fs_server.service\" and .variable == \"L4_CAP_$v\") | .line" <<<"$OUT")
  assert_eq "line of fs_server's L4_CAP_$v" "$want" "$got"
done
for f in "$TOP"/units/*.service "$TOP/cfg/bash.cfg"; do
  [ "${f##*/}" = bash.service ] && continue
  grep -q "L4ReRust" "$f" || fail "$f does not say where it differs from L4ReRust's"
done

# systemd reads the files we say it reads, and the value we report is the last one it sees.
expect_exit 0 "$LSBIMG" compose -q layout.cfg
expect_exit 0 "$LSBIMG" extract t.img root
for pair in net_server.service:L4_CAP_IOMEM net_server.service:L4_CAP_EXTRA \
            aio_server.service:L4_CAP_GLOBAL_AIO fs_server.service:L4_CAP_LSB_ROOT; do
  unit=${pair%%:*} var=${pair#*:}
  systemd-analyze --root="$PWD/root" cat-config "systemd/system/$unit" >cat.txt 2>&1 ||
    fail "cat-config $unit: $(cat cat.txt)"
  # The value in the last assignment of VAR systemd applies (files come in its order).
  want=$(grep -vE '^ *#' cat.txt | tr ' ' '\n' | tr -d '"\\' | sed 's/^Environment=//' |
         sed -n "s/^$var=//p" | tail -1)
  [ -n "$want" ] || fail "cat-config shows no $var for $unit: $(cat cat.txt)"
  row "$unit" "$var" "$want"
done
systemd-analyze --root="$PWD/root" cat-config systemd/system/net_server.service >cat.txt
grep -q "^# $PWD/root/etc/systemd/system/net_server.service.d/50-l4-caps.conf\$" cat.txt ||
  fail "systemd does not see the mapping drop-in: $(cat cat.txt)"
row aio_server.service L4_CAP_GLOBAL_AIO global_epoll

note "the image records the ned script: path, sha256 and a copy"
expect_exit 0 "$LSBIMG" cat t.img /usr/lib/lsbimg/check.conf
assert_contains "recorded path" "$OUT" "ned_script=$CFG"
assert_contains "recorded sha256" "$OUT" "ned_script_sha256=$(sha256sum <"$CFG" | cut -d' ' -f1)"
cmp root/usr/lib/lsbimg/ned-script.cfg "$CFG" || fail "the recorded copy differs from $CFG"

note "check and caps on the image read the record, never the current directory"
mkdir -p elsewhere/cfg
printf 'require("L4").default_loader:start({}, "/sbin/init")\n' >elsewhere/cfg/bash.cfg
(cd elsewhere && expect_exit 0 "$LSBIMG" check ../t.img && assert_contains "check" "$OUT" "../t.img: caps: ok")
(cd elsewhere && expect_exit 0 "$LSBIMG" caps ../t.img)
assert_eq "caps IMAGE = caps LAYOUT" "$plain" "$(cd elsewhere && "$LSBIMG" caps ../t.img)"
note "--caps-cfg overrides on check, caps and compose"
expect_exit 1 "$LSBIMG" check --caps-cfg elsewhere/cfg/bash.cfg t.img
assert_contains "check --caps-cfg" "$OUT" "t.img: caps: /usr/lib/systemd/system/fs_server.service:"
expect_exit 1 "$LSBIMG" caps --caps-cfg elsewhere/cfg/bash.cfg t.img
assert_eq "every row flagged" 15 "$(grep -c " ! the task running /sbin/init (elsewhere/cfg/bash.cfg:1) gets no capability" <<<"$OUT")"
expect_exit 1 "$LSBIMG" caps --caps-cfg elsewhere/cfg/bash.cfg layout.cfg
expect_exit 1 "$LSBIMG" compose -q --caps-cfg elsewhere/cfg/bash.cfg -o other.img layout.cfg
[ ! -e other.img ] || fail "compose wrote an image its checks refused"
assert_contains "compose --caps-cfg" "$ERR" "gets no capability 'global_fs'"
cp "$CFG" my.cfg
expect_exit 0 "$LSBIMG" compose -q --caps-cfg my.cfg -o other.img layout.cfg
expect_exit 0 "$LSBIMG" cat other.img /usr/lib/lsbimg/check.conf
assert_contains "the override is recorded" "$OUT" "ned_script=my.cfg"

note "a copy changed after compose: the check could not run, and says so"
cp t.img tampered.img
printf 'return\n' >evil.cfg
debugfs -w -R "rm /usr/lib/lsbimg/ned-script.cfg" tampered.img >/dev/null 2>&1
debugfs -w -R "write evil.cfg /usr/lib/lsbimg/ned-script.cfg" tampered.img >/dev/null 2>&1
expect_exit 1 "$LSBIMG" check tampered.img
assert_contains "tampered" "$OUT" "tampered.img: caps: could not run"
assert_contains "tampered why" "$OUT" "has sha256 $(sha256sum <evil.cfg | cut -d' ' -f1), but the image records"

note "an image without a record: caps could not run (not ok); --caps-cfg checks it"
printf '{ type = "text"; path = "/usr/lib/systemd/system/x.service"; text = "[Service]\\nExecStart=/x\\nEnvironment=L4_CAP_A=global_fs L4_CAP_B=global_nett\\n"; }' >entry
printf 'image = { name = "n"; output = "n.img"; stage = ""; };\nentries = ( %s );\n' "$(cat entry)" >norec.cfg
expect_exit 0 "$LSBIMG" compose -q norec.cfg
expect_exit 1 "$LSBIMG" check n.img
assert_contains "not ok" "$OUT" "n.img: caps: could not run"
assert_contains "why" "$OUT" "2 L4_CAP_* variables not checked: the image records no ned script"
expect_exit 1 "$LSBIMG" caps n.img
assert_contains "unchecked rows" "$OUT" "? not checked"
expect_exit 1 "$LSBIMG" caps --caps-cfg "$CFG" n.img
assert_contains "caps IMAGE validates" "$ERR" "/usr/lib/systemd/system/x.service:3: error: unit x.service: L4_CAP_B=global_nett: the task running /sbin/init ($CFG:$init_line) gets no capability 'global_nett' (did you mean 'global_net'?)"
plain=$OUT
row x.service L4_CAP_A global_fs "$CFG:$init_line"

# An undeclared capability in a unit: the whole table, the row flagged, file, line,
# variable, value, suggestion; no image.
sed -i 's/L4_CAP_VIRTIO_BLK=virtio_blk"/L4_CAP_VIRTIO_BLK=virtio_bkl"/' units/fs_server.service
line=$(grep -n virtio_bkl units/fs_server.service | cut -d: -f1)
expect_exit 1 "$LSBIMG" caps layout.cfg
assert_contains "undeclared" "$ERR" "/usr/lib/systemd/system/fs_server.service:$line: error: unit fs_server.service: L4_CAP_VIRTIO_BLK=virtio_bkl: the task running /sbin/init ($CFG:$init_line) gets no capability 'virtio_bkl' (did you mean 'virtio_blk'?) (installed from units/fs_server.service)"
assert_eq "whole table" 16 "$(wc -l <<<"$OUT")"
assert_contains "flagged row" "$OUT" "virtio_bkl      ! the task running"
cp "$TOP/units/fs_server.service" units/

# ... in a layout mapping (the drop-in's line).
layout 'mappings = ( { unit = "fd_server.service"; env = { L4_CAP_X = "lsbroot"; }; } );'
expect_exit 1 "$LSBIMG" caps layout.cfg
assert_contains "mapping undeclared" "$ERR" "/etc/systemd/system/fd_server.service.d/50-l4-caps.conf:3: error: unit fd_server.service: L4_CAP_X=lsbroot: the task running /sbin/init ($CFG:$init_line) gets no capability 'lsbroot' (did you mean 'lsb_root'?) (written for layout.cfg:6)"

note "capabilities handed to another program only, and case-only mismatches"
cat >others.cfg <<'EOF'
local L4 = require("L4")
local ld = L4.default_loader
ld:start({ caps = { global_net = ld:new_channel():svr() } }, "rom/net_server")
ld:start({ caps = { global_fs = ld:new_channel():svr(), scheduler = L4.Env.scheduler } }, "/sbin/init")
EOF
layout "caps_cfg = \"others.cfg\"; mappings = ( { unit = \"fd_server.service\"; env = { L4_CAP_Y = \"Global_FS\"; }; } );"
sed -i "s|  caps_cfg = \"$CFG\";||" layout.cfg
expect_exit 1 "$LSBIMG" caps layout.cfg
assert_contains "other program's" "$ERR" "L4_CAP_GLOBAL_NET=global_net: the task running /sbin/init (others.cfg:4) gets no capability 'global_net'; the script hands it to rom/net_server (others.cfg:3) only"
assert_contains "case" "$ERR" "L4_CAP_Y=Global_FS: the task running /sbin/init (others.cfg:4) gets no capability 'Global_FS' (capability names are case-sensitive: did you mean 'global_fs'?)"

note "L4ReRust's unit shapes against its script's shape: 9 values, 3 nil under ned, exact lines"
rm -rf units && mkdir units && cp "$TOP"/tests/data/systemd/upstream_like/* units/
cat >layout.cfg <<CFG
image = { name = "u"; output = "u.img"; stage = ""; };
systemd = { units = [ "units" ]; enable = [ "fs_server.service" ];
  caps_cfg = "$TOP/tests/data/nedcfg/upstream_like.cfg"; };
CFG
expect_exit 1 "$LSBIMG" caps layout.cfg
assert_eq "9 values" 9 "$(($(wc -l <<<"$OUT") - 1))"
assert_eq "3 flagged" 3 "$(grep -c ' ! ' <<<"$OUT")"
for v in VIRTIO_BLK VIRTIO_BLK_IRQ SCHED; do
  l=$(grep -n "\"L4_CAP_$v=" units/fs_server.service | cut -d: -f1)
  assert_contains "line of L4_CAP_$v" "$ERR" "/usr/lib/systemd/system/fs_server.service:$l: error: unit fs_server.service: L4_CAP_$v="
done
assert_contains "why nil" "$ERR" "upstream_like.cfg:15: warning: L4.Env.sched is nil"

note "environment files: values systemd's parser reads, checked like Environment="
gen=/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator
[ -x $gen ] || fail "$gen missing (systemd)"
rm -rf units && mkdir units
printf '[Service]\nExecStart=/x\nEnvironment=L4_CAP_A=wrong\nEnvironmentFile=/etc/l4/caps.env\nEnvironmentFile=-/etc/l4/optional.env\nEnvironmentFile=/etc/l4/missing.env\n' >units/e.service
mkdir -p envd/environment.d
printf '# caps\nL4_CAP_A=global_fs\n  L4_CAP_B = global_net  \nL4_CAP_C="global_fd"\n; L4_CAP_Z=nope\nL4_CAP_D='"'"'global_aio'"'"'\nL4_CAP_E=global_\\\nepoll\nL4_CAP_F= "lsb" _root\nL4_CAP_G="iom\\em"\nL4_CAP_H=global_nett\nl4_caps_i=scheduler\n' >envd/environment.d/50-caps.conf
cat >layout.cfg <<CFG
image = { name = "e"; output = "e.img"; stage = ""; };
entries = ( { type = "file"; path = "/etc/l4/caps.env"; source = "envd/environment.d/50-caps.conf"; } );
systemd = { units = [ "units" ]; caps_cfg = "$CFG"; };
CFG
expect_exit 1 "$LSBIMG" caps --json layout.cfg
json=$OUT errs=$ERR
# The oracle: systemd's own env file parser, through the environment.d generator.
env -i XDG_CONFIG_HOME="$PWD/envd" HOME=/nonexistent $gen >gen.txt
for v in A B C D E F G H; do
  want=$(env -i bash -c "$(grep "^L4_CAP_$v=" gen.txt); printf '%s' \"\$L4_CAP_$v\"")
  [ -n "$want" ] || fail "the generator gives no L4_CAP_$v: $(cat gen.txt)"
  got=$(jq -r ".uses[] | select(.variable == \"L4_CAP_$v\") | .capability" <<<"$json")
  assert_eq "L4_CAP_$v from the env file" "$want" "$got"
done
! grep -q L4_CAP_Z gen.txt || fail "the generator took a comment"
assert_eq "env file overrides Environment=" "/etc/l4/caps.env" "$(jq -r '.uses[] | select(.variable == "L4_CAP_A") | .file' <<<"$json")"
l=$(grep -n '^L4_CAP_H' envd/environment.d/50-caps.conf | cut -d: -f1)
assert_contains "env file value checked" "$errs" "/etc/l4/caps.env:$l: error: unit e.service: L4_CAP_H=global_nett: the task running /sbin/init"
l=$(grep -n '^l4_caps_i' envd/environment.d/50-caps.conf | cut -d: -f1)
assert_contains "near miss" "$errs" "/etc/l4/caps.env:$l: warning: unit e.service: l4_caps_i=scheduler is no L4_CAP_* variable (did you mean 'L4_CAP_I'?)"
assert_contains "missing env file" "$errs" "/usr/lib/systemd/system/e.service:6: warning: EnvironmentFile=/etc/l4/missing.env: not in the image"
[[ $errs != *optional.env* ]] || fail "a '-' environment file was reported: $errs"

# Unit sanity: warnings, errors with strict; compose strict and check --strict agree.
rm -rf units && mkdir units && cp "$TOP"/units/* units/
printf '[Unit]\nRequires=ghost.service\nWants=fs_server.service\n[Service]\nExecStart=-/usr/bin/nothere\n' \
  >units/sane.service
layout ''
expect_exit 0 "$LSBIMG" caps layout.cfg
expect_exit 0 "$LSBIMG" compose layout.cfg
assert_contains "requires warning" "$ERR" "sane.service:2: warning: Requires=ghost.service: no such unit in the image"
assert_contains "exec warning" "$ERR" "sane.service:5: warning: ExecStart=/usr/bin/nothere: program not in the image"
[[ $ERR != *"Wants=fs_server"* ]] || fail "present unit reported: $ERR"
# sane.service is the layout's own, not enabled: check sees it through the record too.
expect_exit 0 "$LSBIMG" check t.img
assert_contains "check, own unit" "$OUT" "t.img: units: warning: /usr/lib/systemd/system/sane.service:2: Requires=ghost.service"
expect_exit 1 "$LSBIMG" check --strict t.img
layout 'strict = true;'
expect_exit 1 "$LSBIMG" compose layout.cfg
assert_contains "strict" "$ERR" "sane.service:2: error: Requires=ghost.service"
# With everything there, strict compose and check --strict both pass.
rm units/sane.service
printf '{ type = "text"; path = "/boot/%s"; text = "x"; mode = "0755"; },\n' fs_server net_server \
  epoll_server fd_server aio_server >progs
cat >strict.cfg <<CFG
image = { name = "s"; output = "s.img"; stage = ""; strict = true; };
entries = ( $(cat progs) { type = "text"; path = "/bin/bash"; text = "x"; mode = "0755"; } );
systemd = { units = [ "units" ]; enable = [ "fs_server.service", "net_server.service" ];
  caps_cfg = "$CFG"; };
CFG
expect_exit 0 "$LSBIMG" compose strict.cfg
(cd elsewhere && expect_exit 0 "$LSBIMG" check --strict ../s.img)
(cd elsewhere && expect_exit 0 "$LSBIMG" caps --strict ../s.img)

# machine-id forms (machine-id(5)).
for form in empty uninitialized 0123456789abcdef0123456789abcdef; do
  layout "machine_id = \"$form\";"
  rm -rf mid t.img
  expect_exit 0 "$LSBIMG" compose -q layout.cfg
  expect_exit 0 "$LSBIMG" extract t.img mid
  case $form in
    empty) [ -f mid/etc/machine-id ] && [ ! -s mid/etc/machine-id ] || fail "machine-id not empty" ;;
    *) assert_eq "machine-id $form" "$form" "$(cat mid/etc/machine-id)" ;;
  esac
  assert_eq "machine-id mode" 444 "$(stat -c %a mid/etc/machine-id)"
done
# Malformed machine-ids and a misspelt systemd key: tests/layout/systemd-{machine-id,key}-*.
echo ok
