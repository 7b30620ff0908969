#!/bin/bash
# L4 capability mappings: `lsbimg caps` on a layout, layout-added mappings as drop-ins that
# systemd itself reads (systemd-analyze cat-config --root lists the files in the order it
# applies them), undeclared capabilities refused with file, line and a suggestion, and
# unit sanity warnings that become errors with strict.
. "$TOP/tests/lib.sh"
tree_of="$TOP/$BUILD/tests/systemd_tree"
command -v systemd-analyze >/dev/null || fail "systemd-analyze missing (scripts/deps.sh test)"

mkdir -p units/aio_server.service.d
cp "$TOP"/units/* units/
# A packaged drop-in overriding one variable of aio_server.
printf '[Service]\nEnvironment=L4_CAP_GLOBAL_AIO=global_epoll L4_CAP_AIO_FD=global_fd\n' \
  >units/aio_server.service.d/60-override.conf
layout() { # extra systemd keys
  cat >layout.cfg <<CFG
image = { name = "t"; };
systemd = {
  units = [ "units" ];
  enable = [ "bash.service", "fs_server.service", "net_server.service" ];
  caps_cfg = "$TOP/cfg/bash.cfg";
  $1
};
CFG
}
layout 'mappings = ( { unit = "net_server.service"; env = { L4_CAP_EXTRA = "global_fd"; L4_CAP_IOMEM = "scheduler"; }; } );'

expect_exit 0 "$LSBIMG" caps layout.cfg
plain=$OUT
row() { grep -E "^$1 +$2 +$3\$" <<<"$plain" >/dev/null || fail "caps: no row $1 $2 $3 in: $plain"; }
row fs_server.service L4_CAP_GLOBAL_FS global_fs
row fs_server.service L4_CAP_SCHED scheduler
row net_server.service L4_CAP_EXTRA global_fd
row epoll_server.service L4_CAP_GLOBAL_EPOLL global_epoll
assert_eq "rows" 15 "$(($(wc -l <<<"$plain") - 1))"
expect_exit 0 "$LSBIMG" caps --json layout.cfg
assert_contains "json" "$OUT" '{"unit": "net_server.service", "variable": "L4_CAP_EXTRA", "capability": "global_fd", "file": "/etc/systemd/system/net_server.service.d/50-l4-caps.conf", "line": 3}'
assert_eq "json rows" 15 "$(grep -c '"unit"' <<<"$OUT")"

# systemd reads the files we say it reads, and the value we report is the last one it sees.
mkdir root
expect_exit 0 "$tree_of" layout.cfg root
for pair in net_server.service:L4_CAP_IOMEM net_server.service:L4_CAP_EXTRA \
            aio_server.service:L4_CAP_GLOBAL_AIO fs_server.service:L4_CAP_LSB_ROOT; do
  unit=${pair%%:*} var=${pair#*:}
  systemd-analyze --root="$PWD/root" cat-config "systemd/system/$unit" >cat.txt 2>&1 ||
    fail "cat-config $unit: $(cat cat.txt)"
  # The value in the last assignment of VAR systemd applies (files come in its order).
  want=$(grep -E '^Environment=' cat.txt | tr ' ' '\n' | tr -d '"' | sed 's/^Environment=//' |
         sed -n "s/^$var=//p" | tail -1)
  [ -n "$want" ] || fail "cat-config shows no $var for $unit: $(cat cat.txt)"
  row "$unit" "$var" "$want"
done
systemd-analyze --root="$PWD/root" cat-config systemd/system/net_server.service >cat.txt
grep -q "^# $PWD/root/etc/systemd/system/net_server.service.d/50-l4-caps.conf\$" cat.txt ||
  fail "systemd does not see the mapping drop-in: $(cat cat.txt)"
row aio_server.service L4_CAP_GLOBAL_AIO global_epoll

# An undeclared capability in a unit: file, line, variable, value, suggestion.
sed -i 's/L4_CAP_VIRTIO_BLK=virtio_blk"/L4_CAP_VIRTIO_BLK=virtio_bkl"/' units/fs_server.service
line=$(grep -n virtio_bkl units/fs_server.service | cut -d: -f1)
expect_exit 1 "$LSBIMG" caps layout.cfg
assert_contains "undeclared" "$ERR" "/usr/lib/systemd/system/fs_server.service:$line: error: unit fs_server.service: L4_CAP_VIRTIO_BLK=virtio_bkl names no capability declared in $TOP/cfg/bash.cfg (did you mean 'virtio_blk'?) (installed from units/fs_server.service)"
cp "$TOP/units/fs_server.service" units/

# ... and in a layout mapping (the drop-in's line).
layout 'mappings = ( { unit = "fd_server.service"; env = { L4_CAP_X = "lsbroot"; }; } );'
expect_exit 1 "$LSBIMG" caps layout.cfg
assert_contains "mapping undeclared" "$ERR" "/etc/systemd/system/fd_server.service.d/50-l4-caps.conf:3: error: unit fd_server.service: L4_CAP_X=lsbroot names no capability declared in $TOP/cfg/bash.cfg (did you mean 'lsb_root'?) (written for layout.cfg:6)"
# A mapping value that is not a plain word, and a missing caps cfg when units use L4_CAP_*:
# tests/layout/caps-*.

# Unit sanity: warnings, errors with strict.
printf '[Unit]\nRequires=ghost.service\nWants=fs_server.service\n[Service]\nExecStart=-/usr/bin/nothere\n' \
  >units/sane.service
layout ''
expect_exit 0 "$LSBIMG" caps layout.cfg
assert_contains "requires warning" "$ERR" "sane.service:2: warning: Requires=ghost.service: no such unit in the image"
assert_contains "exec warning" "$ERR" "sane.service:5: warning: ExecStart=/usr/bin/nothere: program not in the image"
[[ $ERR != *"Wants=fs_server"* ]] || fail "present unit reported: $ERR"
layout 'strict = true;'
expect_exit 1 "$LSBIMG" caps layout.cfg
assert_contains "strict" "$ERR" "sane.service:2: error: Requires=ghost.service"

# machine-id forms (machine-id(5)).
rm units/sane.service
for form in empty uninitialized 0123456789abcdef0123456789abcdef; do
  layout "machine_id = \"$form\";"
  rm -rf mid && mkdir mid
  expect_exit 0 "$tree_of" layout.cfg mid
  case $form in
    empty) [ -f mid/etc/machine-id ] && [ ! -s mid/etc/machine-id ] || fail "machine-id not empty" ;;
    *) assert_eq "machine-id $form" "$form" "$(cat mid/etc/machine-id)" ;;
  esac
  assert_eq "machine-id mode" 444 "$(stat -c %a mid/etc/machine-id)"
done
# Malformed machine-ids and a misspelt systemd key: tests/layout/systemd-{machine-id,key}-*.
