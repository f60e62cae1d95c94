# Thin wrapper around meson for the README's commands.
BUILD ?= build
ASAN_BUILD ?= build-asan
PREFIX ?= /usr
DESTDIR ?=
MESON_SETUP = meson setup --prefix=$(PREFIX) --sysconfdir=/etc --libexecdir=lib

.PHONY: all deps check check-all check-unit check-asan check-fuzz check-vm install demo fuzz bench clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	$(MESON_SETUP) $(if $(CI),-Dwerror=true) $(BUILD)

$(ASAN_BUILD)/build.ninja:
	$(MESON_SETUP) -Db_sanitize=address,undefined -Db_lundef=false $(ASAN_BUILD)

deps:
	tools/install-deps

# Every test: unit, CLI, compatibility (normal and ASan/UBSan builds), fuzz smoke, VM.
check: deps
	$(MAKE) all
	meson test -C $(BUILD) --print-errorlogs --no-suite fuzz
	$(MAKE) check-asan
	$(MAKE) check-fuzz
	$(MAKE) check-vm

check-asan: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(ASAN_BUILD) --print-errorlogs --no-suite fuzz --no-suite compat-slow

check-fuzz:
	fuzz/run 30

# The VM tiers.  make check: every scenario, the attack suite and the system
# guest on Debian 12's 6.1; on the other kernels the guard scenarios and the
# attack suite's disk boot; Debian 13's system guest.  make check-all: also
# every scenario and both attack boots on every kernel.  Each step prints its
# time (tests/vm/step).
OTHER_KERNELS = bookworm-6.12 trixie sid
GUARD_SCENARIOS = $(wildcard tests/vm/guard-*.sh)
STEP = tests/vm/step

check-vm: all
	$(STEP) harness tests/vm/harness-check
	$(STEP) "bookworm run-all" tests/vm/run-all
	$(STEP) "bookworm attacks" tests/vm/attacks/run-suite
	for k in $(OTHER_KERNELS); do \
		$(STEP) "$$k guard scenarios" tests/vm/on-kernel $$k tests/vm/run-all $(GUARD_SCENARIOS) || exit 1; \
		$(STEP) "$$k attacks (disk)" tests/vm/on-kernel $$k tests/vm/attacks/run-suite --disk-only || exit 1; \
	done
	$(STEP) "bookworm system" tests/vm/run --system
	$(STEP) "trixie system" tests/vm/on-kernel trixie tests/vm/run --system
	$(STEP) demo tests/vm/demo

check-all: check
	for k in $(OTHER_KERNELS); do \
		$(STEP) "$$k run-all" tests/vm/on-kernel $$k tests/vm/run-all || exit 1; \
		$(STEP) "$$k attacks" tests/vm/on-kernel $$k tests/vm/attacks/run-suite || exit 1; \
	done

fuzz:
	fuzz/run $${FUZZ_SECONDS:-600}

bench: all
	bench/sign-verify

install: all
	DESTDIR=$(DESTDIR) meson install -C $(BUILD) --no-rebuild

demo: deps all
	tests/vm/demo

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
