#!/bin/bash
# Offline enabling against Debian 12's systemctl on the image's own tree: a layout with the
# project's units, test units covering every [Install] form and common.cfg's merged /usr
# (/lib -> usr/lib) is composed twice, with and without enable, mask and default_target.
# systemctl --root enables, masks and sets the default on an extraction of the second
# image; every symlink (name and target) must be byte-identical to those in an extraction
# of the first. With /lib -> usr/lib, systemd 252 finds units as /lib/systemd/system/NAME
# (it searches /lib/systemd/system first and drops /usr/lib/systemd/system as the same
# directory), so that is where the links point. The same without the /lib link, and
# invalid [Install] forms must fail on both sides, ours naming the unit file and line.
. "$TOP/tests/lib.sh"
data="$TOP/tests/data/systemd"
command -v systemctl >/dev/null || fail "systemctl missing (scripts/deps.sh test)"

enable=(fs_server.service net_server.service epoll_server.service fd_server.service
  aio_server.service bash.service plain.service also1.service tmpl@.service inst@one.service
  inst@two.service spec@x.service reset.service quoted.service withdrop.service
  noinstall.service tick.timer x.socket tt@.service)
mask=(getty.target serial-getty@ttyAMA0.service)

quote() { local s sep=; for s in "$@"; do printf '%s"%s"' "$sep" "$s"; sep=", "; done; }
layout() { # NAME MERGED(0|1) WITH-INSTALL(0|1)
  local entries='{ type = "dir"; path = "/usr/lib/systemd/system"; mode = "0755"; }'
  [ "$2" = 1 ] && entries+=', { type = "symlink"; path = "/lib"; target = "usr/lib"; },
    { type = "symlink"; path = "/bin"; target = "usr/bin"; }'
  local install=
  [ "$3" = 1 ] && install="enable = [ $(quote "${enable[@]}") ];
  mask = [ $(quote "${mask[@]}") ];
  default_target = \"multi-user\";"
  cat >"$1.cfg" <<CFG
image = { name = "$1"; output = "$1.img"; stage = ""; };
entries = ( $entries );
systemd = {
  units = [ "$TOP/units", "$data/units" ];
  $install
  caps_cfg = "$TOP/cfg/bash.cfg";
};
CFG
  expect_exit 0 "$LSBIMG" compose "$1.cfg"   # not -q, which keeps warnings back
  COMPOSE_ERR=$ERR
  fsck_clean "$1.img"
  expect_exit 0 "$LSBIMG" extract "$1.img" "$1"
}
links() { (cd "$1" && find . -type l -printf '%P -> %l\n' | sort); }

for merged in 1 0; do
  note "merged /usr: $merged"
  rm -rf ours plain ours.img plain.img
  layout ours $merged 1
  [ $merged = 1 ] && assert_contains "no-[Install] warning" "$COMPOSE_ERR" "noinstall.service: no installation config"
  layout plain $merged 0
  : >sc.log
  systemctl --root="$PWD/plain" enable "${enable[@]}" >>sc.log 2>&1 || fail "systemctl enable: $(cat sc.log)"
  systemctl --root="$PWD/plain" mask "${mask[@]}" >>sc.log 2>&1 || fail "systemctl mask: $(cat sc.log)"
  systemctl --root="$PWD/plain" set-default multi-user >>sc.log 2>&1 || fail "systemctl set-default: $(cat sc.log)"
  links plain >oracle.txt
  links ours >ours.txt
  [ "$(wc -l <oracle.txt)" -ge 30 ] || fail "systemctl made only $(wc -l <oracle.txt) links"
  diff -u oracle.txt ours.txt || fail "symlinks differ from systemctl's on the image's own tree"
  note "$(wc -l <ours.txt) symlinks identical to systemctl --root on an extraction"
  want=/usr/lib/systemd/system
  [ $merged = 1 ] && want=/lib/systemd/system
  assert_contains "link target" "$(cat ours.txt)" "etc/systemd/system/multi-user.target.wants/fs_server.service -> $want/fs_server.service"
  assert_contains "default.target" "$(cat ours.txt)" "etc/systemd/system/default.target -> $want/multi-user.target"
  for f in etc/systemd/system/default.target etc/systemd/system/getty.target \
           etc/systemd/system/multi-user.target.wants/tmpl@def.service \
           etc/systemd/system/ignored.target.wants/withdrop.service; do
    grep -q "^$f -> " ours.txt || fail "$f missing"
  done
  same_tree plain/usr/lib/systemd/system ours/usr/lib/systemd/system || fail "unit files differ"
  # The check reads the links back as systemd would.
  expect_exit 0 "$LSBIMG" check ours.img
done

# Invalid forms: both refuse.
bad() { # NAME UNIT-TEXT WANT-MESSAGE
  rm -rf b && mkdir -p b/units b/root/usr/lib/systemd/system
  printf '%b' "$2" >b/units/$1
  cp b/units/$1 b/root/usr/lib/systemd/system/
  # systemctl fails, or (for a syntax error) ignores the line with a complaint.
  rc=0; systemctl --root="$PWD/b/root" enable $1 >b/sc.log 2>&1 || rc=$?
  [ $rc != 0 ] || grep -q "Invalid syntax" b/sc.log || fail "systemctl accepted $1: $(cat b/sc.log)"
  printf 'image = { name = "b"; output = "b.img"; stage = ""; };\nsystemd = { units = [ "units" ]; enable = [ "%s" ]; };\n' "$1" >b/layout.cfg
  expect_exit 1 "$LSBIMG" compose -q b/layout.cfg
  assert_contains "$1" "$ERR" "$3"
  [ ! -e b/b.img ] || fail "an image was written for $1"
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
echo ok
