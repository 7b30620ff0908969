# Layers (docs/design.md): a file under composer/ may include headers of its own layer
# and of layers below it (the Makefile's LAYERS, lowest first), never of a layer above;
# libconfig stays inside layout/. Fails naming every offending include.
. "$TOP/tests/lib.sh"

layers=($(make -s -C "$TOP" print-layers))
[ ${#layers[@]} -ge 5 ] || fail "cannot read LAYERS from the Makefile"
rank() { local i; for i in "${!layers[@]}"; do [ "${layers[$i]}" = "$1" ] && { echo "$i"; return; }; done; echo -1; }

# scan DIR: print every violation under DIR/composer.
scan() {
  local f layer me line inc dir them
  for f in "$1"/composer/*/*.[ch]; do
    layer=$(basename "$(dirname "$f")")
    me=$(rank "$layer")
    [ "$me" -ge 0 ] || { echo "$f: folder $layer is not a layer in the Makefile"; continue; }
    while IFS=: read -r line inc; do
      dir=${inc%%/*}
      if [ "$dir" = "$inc" ]; then echo "${f#$1/}:$line: include \"$inc\" names no layer"; continue; fi
      them=$(rank "$dir")
      if [ "$them" -lt 0 ] || [ "$them" -gt "$me" ]; then
        echo "${f#$1/}:$line: $layer includes $inc from a higher layer"
      fi
    done < <(grep -n '^#include "' "$f" | sed 's/^\([0-9]*\):#include "\([^"]*\)".*/\1:\2/')
    if [ "$layer" != layout ] && grep -qE '^#include <libconfig.h>|\<config_(setting_)?t\>' "$f"; then
      echo "${f#$1/}: libconfig outside layout/"
    fi
  done
}

out=$(scan "$TOP")
[ -z "$out" ] || fail "layer violations:
$out"

# The scan must see a violation: plant two in a copy.
copy=$PWD/copy
mkdir -p "$copy" && cp -r "$TOP/composer" "$copy/"
printf '#include "cli/cli.h"\n' >> "$copy/composer/base/json.c"
printf 'static config_setting_t *planted;\n' >> "$copy/composer/model/tree.c"
out=$(scan "$copy")
assert_contains "planted upward include" "$out" "composer/base/json.c"
assert_contains "planted libconfig" "$out" "composer/model/tree.c: libconfig outside layout/"
note "layers: ${layers[*]}"
