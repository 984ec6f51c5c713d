# xocker build.  `make` builds into build/; `make SANITIZE=1` builds an
# ASan+UBSan configuration into build-asan/.  `make check` runs all tests.
CC ?= cc
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
  BUILD ?= build-asan
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDSAN := -fsanitize=address,undefined
else
  BUILD ?= build
  OPT := -O2 -g
  LDSAN :=
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wno-format-nonliteral -Wswitch-default -Wpointer-arith -Wvla
CFLAGS += -std=c17 -D_GNU_SOURCE $(OPT) $(WARN) -Isrc -MMD -MP
LDLIBS_XRUN := -ljansson -lseccomp -lcap
# xocker starts in a few ms only with few shared libraries to load: libcurl and
# libcrypto are dlopen()ed when needed (src/image/dynlib.h), and libarchive is linked
# statically, with --gc-sections keeping only the formats and filters used
# (its shared library pulls libxml2, ICU, libstdc++, nettle, acl, lz4...).
LDLIBS_ARCHIVE := -l:libarchive.a -lzstd -llzma -lbz2 -lz -Wl,--gc-sections
LDLIBS_XOCKER := $(LDLIBS_XRUN) $(LDLIBS_ARCHIVE) -lsqlite3 -lmnl -lm

COMMON_SRC := $(wildcard src/common/*.c)
RUNTIME_SRC := $(wildcard src/runtime/*.c)
XRUN_CLI_SRC := $(wildcard src/cli/xrun/*.c)
# libxocker: the engine's layers above the runtime (ARCHITECTURE.md).
XOCKER_LIB_SRC := $(wildcard src/image/*.c src/storage/*.c src/network/*.c src/engine/*.c)
XOCKER_CLI_SRC := $(wildcard src/cli/xocker/*.c)

obj = $(patsubst src/%.c,$(BUILD)/obj/%.o,$(1))
LIBXRUN_OBJ := $(call obj,$(COMMON_SRC) $(RUNTIME_SRC))
XRUN_OBJ := $(call obj,$(XRUN_CLI_SRC))
LIBXOCKER_OBJ := $(call obj,$(XOCKER_LIB_SRC))
# Files compiled into libxocker as data (scripts/embed-file.sh).
EMBED_OBJ := $(BUILD)/obj/gen/default_seccomp.o
LIBXOCKER_OBJ += $(EMBED_OBJ)
XOCKER_OBJ := $(call obj,$(XOCKER_CLI_SRC))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all clean check unit bundle
all: $(BUILD)/xrun $(BUILD)/libxrun.a $(BUILD)/xocker bundle $(UNIT_BIN)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libxrun.a: $(LIBXRUN_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/xrun: $(XRUN_OBJ) $(BUILD)/libxrun.a
	$(CC) $(LDSAN) $(LDFLAGS) -o $@ $(XRUN_OBJ) $(BUILD)/libxrun.a $(LDLIBS_XRUN)

$(BUILD)/gen/default_seccomp.c: src/runtime/profiles/default-seccomp.json scripts/embed-file.sh
	@mkdir -p $(dir $@)
	scripts/embed-file.sh xocker_default_seccomp $< > $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-variable-declarations -c $< -o $@

$(BUILD)/libxocker.a: $(LIBXOCKER_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/xocker: $(XOCKER_OBJ) $(BUILD)/libxocker.a $(BUILD)/libxrun.a
	$(CC) $(LDSAN) $(LDFLAGS) -o $@ $(XOCKER_OBJ) $(BUILD)/libxocker.a $(BUILD)/libxrun.a $(LDLIBS_XOCKER)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libxocker.a $(BUILD)/libxrun.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDSAN) -o $@ $< $(BUILD)/libxocker.a $(BUILD)/libxrun.a $(LDLIBS_XOCKER) -lcmocka

# The per-container monitor: libc only, linked statically in the plain build
# so that each one costs well under 1 MiB of RSS (ARCHITECTURE.md, "The engine").
MONITOR_SRC := $(wildcard src/monitor/*.c)
MONITOR_OBJ := $(call obj,$(MONITOR_SRC) src/common/fileutil.c src/common/xerr.c src/common/proc.c src/common/frameio.c)
ifeq ($(SANITIZE),1)
  MONITOR_LINK := $(LDSAN)
else
  MONITOR_LINK := -static
endif
all: $(BUILD)/xocker-monitor
$(BUILD)/xocker-monitor: $(MONITOR_OBJ)
	$(CC) $(MONITOR_LINK) $(LDFLAGS) -o $@ $(MONITOR_OBJ)

# A pod's infra process (src/pause): static, no sanitizer, it runs inside the pod's container.
all: $(BUILD)/xocker-pause
$(BUILD)/xocker-pause: src/pause/main.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -D_GNU_SOURCE -static -O2 $(WARN) -o $@ $<

# The static helper the integration tests copy into a container's rootfs.
all: $(BUILD)/xhelper
$(BUILD)/xhelper: tests/helper/xhelper.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -D_GNU_SOURCE -static -O2 $(WARN) -o $@ $<

# The busybox OCI bundle made from Debian's busybox-static (see scripts/).
bundle: $(BUILD)/busybox-bundle/config.json
$(BUILD)/busybox-bundle/config.json: scripts/make-busybox-bundle.sh scripts/busybox-rootfs.sh
	scripts/make-busybox-bundle.sh $(BUILD)/busybox-bundle

# The built-in image busybox:latest, an OCI layout next to xocker (image/builtin.h).
all: $(BUILD)/busybox-oci/index.json
$(BUILD)/busybox-oci/index.json: scripts/make-busybox-image.sh scripts/busybox-rootfs.sh
	scripts/make-busybox-image.sh $(BUILD)/busybox-oci

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do $$t || exit 1; done

check: all
	tests/run.sh

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
