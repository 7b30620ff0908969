# Host sources that change after the scan: a file of a tree replaced by a symlink to a
# secret, by a FIFO or by another file, or growing or shrinking; a tree's directory
# replaced by a symlink; a `file` entry, a systemd unit and a kernel module replaced. The
# change is made by the fault shim just before lsbimg opens the file (in the write phase
# unless said otherwise). Each compose fails with exit 1 naming the host path, within a
# time limit (a FIFO must not block it), the previous image stays byte-identical and
# e2fsck-clean, nothing is left behind, and the secret is in no output.
. "$TOP/tests/lib.sh"
fault_shim
SECRET="SECRET SECRET SECRET 9"      # as long as each victim's data
printf '%s\n' "$SECRET" > secret

# scenario NAME SETTINGS: a layout writing out/NAME.img with SETTINGS besides `image`,
# composed once as the previous image.
scenario() {
  printf 'image = { name = "%s"; output = "out/%s.img"; stage = ""; };\n%s\n' "$1" "$1" "$2" > "$1.cfg"
  expect_exit 0 "$LSBIMG" compose -q "$1.cfg"
  before=$(sha "out/$1.img")
}
# changed NAME WHAT PATH-IN-MESSAGE FAULT...: compose NAME with the shim set by FAULT...
# (VAR=VALUE); it must fail naming the path and lose nothing.
changed() {
  local name=$1 what=$2 path=$3; shift 3
  note "$what"
  expect_exit 1 timeout 60 env LD_PRELOAD="$FAULT_SO" "$@" "$LSBIMG" compose -q "$name.cfg"
  [ -z "${SHOW_ERR:-}" ] || echo "   $ERR"
  assert_contains "$what: names the path" "$ERR" "$path"
  unchanged "$what" "out/$name.img" "$before"
  no_temps out
  ! grep -rqa "$SECRET" out || fail "$what: the secret got into the output"
}
fresh_tree() {
  rm -rf src decoy; mkdir -p src/sub decoy
  printf 'public data 0123456789\n' > src/sub/victim; printf 'hello\n' > src/a
  cp secret decoy/victim
}

fresh_tree
scenario tree 'entries = ( { type = "tree"; path = "/"; source = "src"; } );'
tree=src/sub/victim
changed tree "a tree file becomes a symlink" $tree FAULT_NAME=victim FAULT_DO=symlink:$PWD/secret
fresh_tree
changed tree "a tree file becomes a FIFO" $tree FAULT_NAME=victim FAULT_DO=fifo
fresh_tree
changed tree "a tree file is replaced by another" $tree FAULT_NAME=victim FAULT_DO=replace
fresh_tree
changed tree "a tree file grows" $tree FAULT_NAME=victim FAULT_DO=grow
fresh_tree
changed tree "a tree file shrinks" $tree FAULT_NAME=victim FAULT_DO=shrink

# A directory: enough siblings with files before it that the writer has to open it again
# (the scan opened it first).
fresh_tree
for i in $(seq -w 1 100); do mkdir -p src/d$i; printf '%s\n' "$i" > src/d$i/f; done
scenario dirs 'entries = ( { type = "tree"; path = "/"; source = "src"; } );'
changed dirs "a tree directory becomes a symlink while writing" src/sub \
  FAULT_NAME=sub FAULT_AT=2 FAULT_DO=dirlink:$PWD/decoy
fresh_tree
scenario tree 'entries = ( { type = "tree"; path = "/"; source = "src"; } );'
changed tree "a tree directory becomes a symlink while scanning" src/sub \
  FAULT_NAME=sub FAULT_AT=1 FAULT_DO=dirlink:$PWD/decoy

printf 'public data 0123456789\n' > single
scenario file 'entries = ( { type = "file"; path = "/etc/single"; source = "single"; } );'
changed file "a file entry becomes a symlink" single FAULT_NAME=single FAULT_DO=symlink:$PWD/secret
printf 'public data 0123456789\n' > single
changed file "a file entry is replaced" single FAULT_NAME=single FAULT_DO=replace

mkdir -p units; printf '[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n' > units/x.service
scenario units 'entries = ( { type = "text"; path = "/bin/true"; text = "x"; mode = "0755"; } );
systemd = { units = ["units"]; };'
for at in 1 3; do
  printf '[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n' > units/x.service
  changed units "a unit file is replaced (open $at)" units/x.service \
    FAULT_NAME=x.service FAULT_AT=$at FAULT_DO=replace
done

# A module tree as depmod leaves it (libkmod reads its indexes; a.ko need not be ELF).
mods=modroot/lib/modules/1.0
mkdir -p $mods/kernel
printf 'public data 0123456789\n' > $mods/kernel/a.ko
depmod -b "$PWD/modroot" 1.0 2>/dev/null || fail "depmod on $mods"
scenario kmod "kmods = { dir = \"$mods\"; load = [\"a\"]; };"
changed kmod "a module becomes a symlink" $mods/kernel/a.ko FAULT_NAME=a.ko FAULT_DO=symlink:$PWD/secret
