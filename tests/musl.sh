# Helpers for tests/t_musl_*.sh: small dynamic programs from the real cross compilers and
# the layout header around them. Source after lib.sh.

# build_prog DIR CC: DIR/libfoo.so.1 and DIR/main, which prints 42 through libfoo.so.1 found
# by RUNPATH $ORIGIN/../lib (so /usr/bin/main finds /usr/lib/libfoo.so.1).
build_prog() {
  mkdir -p "$1"
  printf 'int foo(void) { return 42; }\n' > "$1/foo.c"
  printf '#include <stdio.h>\nint foo(void);\nint main(void) { printf("%%d\\n", foo()); return 0; }\n' > "$1/main.c"
  "$2" -shared -fPIC -Wl,-soname,libfoo.so.1 -o "$1/libfoo.so.1" "$1/foo.c" ||
    fail "$2 cannot build a shared library"
  "$2" -o "$1/main" "$1/main.c" "$1/libfoo.so.1" -Wl,-rpath,'$ORIGIN/../lib' -Wl,--enable-new-dtags ||
    fail "$2 cannot build a program"
}

# layout_head: the image group every test layout starts with (output t.img in the cwd).
layout_head() {
  echo 'image = { name = "t"; size = "auto"; output = "t.img"; stage = ""; timestamp = 1700000000; };'
}

# prog_entries DIR: /lib -> usr/lib, DIR/main as /usr/bin/main, DIR/libfoo.so.1 in /usr/lib.
prog_entries() {
  cat <<EOT
  { type = "symlink"; path = "/lib"; target = "usr/lib"; },
  { type = "file"; path = "/usr/bin/main"; source = "$1/main"; mode = "0755"; },
  { type = "file"; path = "/usr/lib/libfoo.so.1"; source = "$1/libfoo.so.1"; mode = "0755"; }
EOT
}


# interp_of FILE: PT_INTERP as readelf reports it.
interp_of() { readelf -lW "$1" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p'; }

# machine_of FILE / type_of FILE: from readelf -h.
machine_of() { readelf -hW "$1" | sed -n 's/^ *Machine: *//p'; }
type_of() { readelf -hW "$1" | sed -n 's/^ *Type: *\([A-Z]*\).*/\1/p'; }
