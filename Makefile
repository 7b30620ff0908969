# lsbimg — compose L4Re/Linux root filesystem images through libext2fs.
PREFIX  ?= /usr/local
BUILD   ?= out
CC      ?= cc
PKGS     = ext2fs e2p com_err libconfig libarchive libsystemd lua5.4 libsquashfs1 libcap libkmod fdisk zlib
SAN     ?=
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Wall -Wextra -Werror $(SAN)
CPPFLAGS += -Icomposer $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS += $(SAN)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# Sources by layer (docs/design.md): liblsbimg.a is every layer but cli/, which holds
# the commands; the binary, unit tests and fuzz targets link the library.
LAYERS  := base model formats io checks inspect layout sections compose cli
SRCS    := $(sort $(wildcard $(LAYERS:%=composer/%/*.c)))
HDRS    := $(wildcard $(LAYERS:%=composer/%/*.h))
OBJS    := $(SRCS:composer/%.c=$(BUILD)/obj/%.o)
LIBSRCS := $(filter-out composer/cli/%,$(SRCS))
LIBOBJS := $(LIBSRCS:composer/%.c=$(BUILD)/obj/%.o)
CLIOBJS := $(filter $(BUILD)/obj/cli/%,$(OBJS))
LIB     := $(BUILD)/lib/liblsbimg.a
UNITS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(sort $(wildcard tests/unit/*.c)))
BIN     := $(BUILD)/bin/lsbimg

# The version 'lsbimg --version' prints: in a git checkout 'git describe' (a tag), else
# the VERSION file and the commit (0.1-g1234abc); in a tarball without .git the VERSION
# file alone. $(BUILD)/version changes only when the version does, so only main.o is
# rebuilt then.
VERSION := $(shell if [ -e .git ] && v=$$(git describe --tags 2>/dev/null); then echo "$$v"; \
	elif [ -e .git ] && h=$$(git rev-parse --short HEAD 2>/dev/null); then echo "$$(cat VERSION)-g$$h"; \
	else cat VERSION; fi)

.PHONY: print-layers print-version FORCE all deps test-deps debs image disk boot-efi check check-asan unit install clean bench fuzz fuzz-build \
	kernels initramfs-init initramfs

all: $(BIN)

$(BUILD)/obj/%.o: composer/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/version: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' >$@

$(BUILD)/obj/cli/main.o: $(BUILD)/version
$(BUILD)/obj/cli/main.o: CPPFLAGS += -DLSBIMG_VERSION='"$(VERSION)"'

print-version:
	@echo '$(VERSION)'

$(LIB): $(LIBOBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $(LIBOBJS)

$(BIN): $(CLIOBJS) $(LIB) | $(BUILD)/bin
	$(CC) $(LDFLAGS) -o $@ $(CLIOBJS) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/bin $(BUILD)/tests:
	mkdir -p $@

unit: $(UNITS)

# The layer order, lowest first, for tests/t_layers.sh.
print-layers:
	@echo $(LAYERS)

# make bench [BENCH_TREES="rootfs bigdir"]: see docs/bench.md.
BENCH_TREES ?= rootfs bigdir wide large default
$(BUILD)/bench/gen: bench/gen.c | $(BUILD)/bench
	$(CC) $(CFLAGS) -o $@ $<

$(BUILD)/bench:
	mkdir -p $@

bench: test-deps
	$(MAKE) all debs $(BUILD)/bench/gen
	LSBIMG_BUILD=$(BUILD) BENCH_TREES="$(BENCH_TREES)" bench/run.sh

# make fuzz [FUZZ_TIME=600] [FUZZ_TARGETS="layout elf"]: libFuzzer targets built with clang,
# ASan and UBSan in out/fuzz whatever BUILD is; see docs/fuzz.md.
FUZZ_TARGETS ?= $(filter-out fuzz,$(basename $(notdir $(wildcard tests/fuzz/*.c))))
FUZZ_TIME    ?= 600
FUZZ_CC      ?= clang
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_OBJS    := $(patsubst composer/%.c,out/fuzz/obj/%.o,$(LIBSRCS)) out/fuzz/obj/fuzz.o

# Kept, not intermediate: every target links all of them.
.SECONDARY: $(FUZZ_OBJS)

out/fuzz/obj/%.o: composer/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

out/fuzz/obj/fuzz.o: tests/fuzz/fuzz.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

out/fuzz/bin/%: tests/fuzz/%.c $(FUZZ_OBJS) | out/fuzz/bin
	$(FUZZ_CC) $(CPPFLAGS) -Itests/fuzz $(CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -MMD -MP \
	  -DFUZZ_FIXTURES='"$(abspath tests/fuzz/fixtures/layout)"' -o $@ $< $(FUZZ_OBJS) $(LDLIBS)

out/fuzz/bin:
	mkdir -p $@

fuzz-build: $(FUZZ_TARGETS:%=out/fuzz/bin/%)

fuzz: test-deps
	$(MAKE) fuzz-build
	tests/fuzz/run $(FUZZ_TIME) $(FUZZ_TARGETS)

deps:
	scripts/deps.sh build

# Debian packages with their runtime closure, per architecture; downloads are cached
# outside the clone. Fetched again only when apt's package lists (a new version), the
# script or the list change.
#   out/debs/rootfs-ARCH: the default layouts (layouts/arm64.cfg, arm.cfg): systemd as
#     init, and what a person needs at the console: bash (the console shell and /bin/sh),
#     coreutils (ls, cat, cp, ...), util-linux and mount (mount, umount, dmesg), procps
#     (ps, free, top), less (the pager systemctl and journalctl use), dbus (the system
#     bus systemctl poweroff and logind talk over). usr-is-merged
#     satisfies init-system-helpers' "usrmerge | usr-is-merged", whose first choice would
#     bring perl.
#   out/debs/systemd-ARCH: systemd alone, for the boot tests' images.
DEB_ARCHES      := arm64 armhf
ROOTFS_PACKAGES := systemd systemd-sysv bash coreutils util-linux mount procps less dbus \
                   usr-is-merged
debs: $(DEB_ARCHES:%=out/debs/systemd-%) $(DEB_ARCHES:%=out/debs/rootfs-%)

out/debs/systemd-%: scripts/fetch-debs $(wildcard /var/lib/apt/lists/*Packages*)
	scripts/fetch-debs --arch $* --closure --into $@ systemd systemd-sysv >/dev/null

out/debs/rootfs-%: scripts/fetch-debs Makefile $(wildcard /var/lib/apt/lists/*Packages*)
	scripts/fetch-debs --arch $* --closure --into $@ $(ROOTFS_PACKAGES) >/dev/null

# Boot kit for runqemu --linux and the boot tests, kept in out/ whatever BUILD is: Debian's
# kernels (download cached outside the clone), our static /init, and the initramfs lsbimg
# composes from them.
BOOT_ARCHES   := arm64 arm
INIT_CC_arm64 := aarch64-linux-musl-gcc
INIT_CC_arm   := arm-linux-musleabihf-gcc
INIT_BINS     := $(BOOT_ARCHES:%=out/initramfs/%/init)

kernels: $(BIN)
	LSBIMG=$(abspath $(BIN)) scripts/kernels $(BOOT_ARCHES)

out/initramfs/%/init: initramfs/init.c
	mkdir -p $(@D)
	$(INIT_CC_$*) -std=c11 -D_GNU_SOURCE -Os -Wall -Wextra -Werror -static -s -o $@ $<

initramfs-init: $(INIT_BINS)

initramfs: kernels initramfs-init
	for a in $(BOOT_ARCHES); do \
	  $(BIN) compose -q layouts/initramfs-$$a.cfg || exit 1; \
	done

test-deps:
	scripts/deps.sh test

image: deps
	$(MAKE) all debs
	$(BIN) compose layouts/arm64.cfg

# systemd-boot for the disks' ESPs (layouts/esp-*.cfg): the one file, out of Debian's
# systemd-boot-efi package of each architecture (out/debs/boot-DEBARCH), in
# out/boot/ARCH/efi/. Arguments: kernel arch, Debian arch, EFI arch suffix.
define boot_efi
out/debs/boot-$(2): scripts/fetch-debs $(wildcard /var/lib/apt/lists/*Packages*)
	scripts/fetch-debs --arch $(2) --into $$@ systemd-boot-efi >/dev/null

out/boot/$(1)/efi/systemd-boot$(3).efi: out/debs/boot-$(2) $(BIN)
	rm -rf out/boot/$(1)/efi && mkdir -p out/boot/$(1)
	$(BIN) extract --path /usr/lib/systemd/boot/efi out/debs/boot-$(2)/systemd-boot-efi_*.deb \
	  out/boot/$(1)/efi
	test -f $$@ && touch $$@
endef
$(eval $(call boot_efi,arm64,arm64,aa64))
$(eval $(call boot_efi,arm,armhf,arm))
boot-efi: out/boot/arm64/efi/systemd-bootaa64.efi out/boot/arm/efi/systemd-bootarm.efi

# The whole bootable disks (layouts/disk-arm64.cfg, disk-arm.cfg): ESP and root partition.
disk: deps
	$(MAKE) all debs initramfs boot-efi
	$(BIN) compose layouts/disk-arm64.cfg
	$(BIN) compose layouts/disk-arm.cfg

check: test-deps
	$(MAKE) all unit debs
	tests/run

# The whole suite again on an ASan+UBSan build in its own tree. The fuzz smoke builds and
# runs its own sanitized binaries (out/fuzz) whatever the build, so it runs once, in check.
check-asan: test-deps
	$(MAKE) BUILD=out/asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" all unit debs
	LSBIMG_BUILD=out/asan tests/run --exclude fuzz_smoke

# The man page names the documentation directory; it says /usr/local/share/doc/lsbimg
# and is installed saying DOCDIR. runqemu's completion is lsbimg's file, under its name.
DOCDIR  ?= $(PREFIX)/share/doc/lsbimg
COMPDIR ?= $(PREFIX)/share/bash-completion/completions
install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/lsbimg
	install -D -m 0755 scripts/runqemu $(DESTDIR)$(PREFIX)/bin/runqemu
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(DOCDIR) $(DESTDIR)$(COMPDIR)
	sed 's|/usr/local/share/doc/lsbimg|$(DOCDIR)|g; s|/usr/local/share/bash-completion/completions|$(COMPDIR)|g' \
	  docs/lsbimg.1 >$(DESTDIR)$(PREFIX)/share/man/man1/lsbimg.1
	chmod 0644 $(DESTDIR)$(PREFIX)/share/man/man1/lsbimg.1
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 scripts/lsbimg.bash-completion $(DESTDIR)$(COMPDIR)/lsbimg
	ln -sf lsbimg $(DESTDIR)$(COMPDIR)/runqemu

clean:
	rm -rf out

-include $(OBJS:.o=.d) $(FUZZ_OBJS:.o=.d) $(wildcard out/fuzz/bin/*.d)
