#!/bin/bash
# Offline enabling against host systemctl: the project's units plus test units covering
# every [Install] form are installed by the systemd section into a composed image and,
# separately, copied into a scratch root where `systemctl --root` enables, masks and sets
# the default. The symlinks (names and targets) read from the image through a read-only
# mount must be the same. Invalid [Install] forms must fail on
# both sides, ours naming the unit file and line.
. "$TOP/tests/lib.sh"
tree_of="$TOP/$BUILD/tests/systemd_tree"
data="$TOP/tests/data/systemd"
command -v systemctl >/dev/null || fail "systemctl missing (scripts/deps.sh test)"

enable=(fs_server.service net_server.service epoll_server.service fd_server.service
  aio_server.service bash.service plain.service also1.service tmpl@.service inst@one.service
  inst@two.service spec@x.service reset.service quoted.service withdrop.service
  noinstall.service tick.timer x.socket tt@.service)
mask=(getty.target serial-getty@ttyAMA0.service)

quote() { local s sep=; for s in "$@"; do printf '%s"%s"' "$sep" "$s"; sep=", "; done; }
cat >layout.cfg <<CFG
image = { name = "t"; output = "t.img"; stage = ""; timestamp = 1700000000; };
systemd = {
  units = [ "$TOP/units", "$data/units" ];
  enable = [ $(quote "${enable[@]}") ];
  mask = [ $(quote "${mask[@]}") ];
  default_target = "multi-user";
  caps_cfg = "$TOP/cfg/bash.cfg";
};
CFG
expect_exit 0 "$LSBIMG" compose -q layout.cfg
assert_contains "no-[Install] warning" "$ERR" "noinstall.service: no installation config"
fsck_clean t.img
ro_mount t.img ours
trap 'ro_umount ours' EXIT

mkdir -p oracle/usr/lib/systemd/system
cp -r "$TOP"/units/. "$data"/units/. oracle/usr/lib/systemd/system/
systemctl --root="$PWD/oracle" enable "${enable[@]}" >sc.log 2>&1 || fail "systemctl enable: $(cat sc.log)"
systemctl --root="$PWD/oracle" mask "${mask[@]}" >>sc.log 2>&1 || fail "systemctl mask: $(cat sc.log)"
systemctl --root="$PWD/oracle" set-default multi-user >>sc.log 2>&1 || fail "systemctl set-default: $(cat sc.log)"

links() { (cd "$1" && find . -type l -printf '%P -> %l\n' | sort); }
links oracle >oracle.txt
links ours >ours.txt
[ "$(wc -l <oracle.txt)" -ge 30 ] || fail "systemctl made only $(wc -l <oracle.txt) links"
diff -u oracle.txt ours.txt || fail "symlinks differ from systemctl's"
note "$(wc -l <ours.txt) symlinks identical to systemctl --root"
for f in etc/systemd/system/default.target etc/systemd/system/getty.target \
         etc/systemd/system/multi-user.target.wants/tmpl@def.service \
         etc/systemd/system/ignored.target.wants/withdrop.service; do
  grep -q "^$f -> " ours.txt || fail "$f missing"
done
# The unit files themselves: the oracle's copies get the image's time, then both trees
# must list alike and hold the same bytes.
find oracle/usr/lib/systemd/system -exec touch -h -d @1700000000 {} +
same_tree oracle/usr/lib/systemd/system ours/usr/lib/systemd/system || fail "unit files differ"

# Invalid forms: both refuse.
bad() { # NAME UNIT-TEXT WANT-MESSAGE
  rm -rf b && mkdir -p b/units b/root/usr/lib/systemd/system b/out
  printf '%b' "$2" >b/units/$1
  cp b/units/$1 b/root/usr/lib/systemd/system/
  # systemctl fails, or (for a syntax error) ignores the line with a complaint.
  rc=0; systemctl --root="$PWD/b/root" enable $1 >b/sc.log 2>&1 || rc=$?
  [ $rc != 0 ] || grep -q "Invalid syntax" b/sc.log || fail "systemctl accepted $1: $(cat b/sc.log)"
  printf 'systemd = { units = [ "units" ]; enable = [ "%s" ]; };\n' "$1" >b/layout.cfg
  expect_exit 1 "$tree_of" b/layout.cfg b/out
  assert_contains "$1" "$ERR" "$3"
}
bad n@.service '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n' \
  "n@.service:4: error: cannot enable template n@.service without an instance"
bad al.service '[Service]\nExecStart=/bin/true\n[Install]\nAlias=al.socket\n' \
  "al.service:4: error: Alias=: cannot alias al.service as al.socket"
bad sp.service '[Service]\nExecStart=/bin/true\n[Install]\n\nWantedBy=%i.target\n' \
  "sp.service:5: error: WantedBy=.target: not a valid unit name"
bad semi.service '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=g.target ; x.target\n' \
  "semi.service:4: error: WantedBy=;: not a valid unit name"
bad q.service '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy="a.target\n' \
  "q.service:4: error: WantedBy=: unterminated quote"
