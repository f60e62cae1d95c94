# Thin wrapper around meson for the README's commands.
BUILD ?= build
ASAN_BUILD ?= build-asan
PREFIX ?= /usr
DESTDIR ?=
MESON_SETUP = meson setup --prefix=$(PREFIX) --sysconfdir=/etc --libexecdir=lib

.PHONY: all deps check check-all check-unit check-asan check-fuzz check-vm vm-lane-a vm-lane-b vm-a-runall vm-a-attacks vm-a-system vm-a-sid-guard vm-a-sid-attacks vm-a-demo vm-b-bookworm-6.12-guard vm-b-bookworm-6.12-attacks vm-b-trixie-guard vm-b-trixie-attacks vm-b-trixie-system install demo fuzz bench clean

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
# guest on Debian 12's 6.1; on the other kernels the guard scenarios
# (tests/vm/guard-*.sh) and the attack suite's disk boot; the Debian 13 system
# guest.  make check-all: also every scenario and both attack boots on every
# kernel.  Each step prints its time (tests/vm/step).
#
# The steps run in two lanes side by side (make -j2): a guest is one
# single-threaded TCG process, so two guests use the two cores.  Lane A
# holds Debian 12's 6.1 (and its system guest and the demo) and sid, lane B
# the two 6.12 kernels and Debian 13's system guest: no kernel's caches are
# used by both lanes.  -Otarget keeps each step's output together.
OTHER_KERNELS = bookworm-6.12 trixie sid
GUARD_SCENARIOS = $(sort $(wildcard tests/vm/guard-*.sh))
STEP = tests/vm/step
# Persistence attempts planted in the guarded boot, proven at the next.
SYSTEM_EXTRAS = --guarded-script tests/vm/system/persist/plant-late.sh \
	--reboot-script tests/vm/system/persist/check-late.sh \
	--guarded-script tests/vm/system/persist/plant-boot.sh \
	--reboot-script tests/vm/system/persist/check-boot.sh

check-vm: all
	$(STEP) harness tests/vm/harness-check
	$(MAKE) --no-print-directory -j2 -Otarget vm-lane-a vm-lane-b

vm-lane-a: vm-a-demo
vm-lane-b: vm-b-trixie-system
vm-a-runall:
	$(STEP) "bookworm run-all" tests/vm/run-all
vm-a-attacks: vm-a-runall
	$(STEP) "bookworm attacks" tests/vm/attacks/run-suite
vm-a-system: vm-a-attacks
	$(STEP) "bookworm system" tests/vm/run --system $(SYSTEM_EXTRAS)
vm-a-sid-guard: vm-a-system
	$(STEP) "sid guard scenarios" tests/vm/on-kernel sid tests/vm/run-all $(GUARD_SCENARIOS)
vm-a-sid-attacks: vm-a-sid-guard
	$(STEP) "sid attacks (disk)" tests/vm/on-kernel sid tests/vm/attacks/run-suite --disk-only
vm-a-demo: vm-a-sid-attacks
	$(STEP) demo tests/vm/demo
vm-b-bookworm-6.12-guard:
	$(STEP) "bookworm-6.12 guard scenarios" tests/vm/on-kernel bookworm-6.12 tests/vm/run-all $(GUARD_SCENARIOS)
vm-b-bookworm-6.12-attacks: vm-b-bookworm-6.12-guard
	$(STEP) "bookworm-6.12 attacks (disk)" tests/vm/on-kernel bookworm-6.12 tests/vm/attacks/run-suite --disk-only
vm-b-trixie-guard: vm-b-bookworm-6.12-attacks
	$(STEP) "trixie guard scenarios" tests/vm/on-kernel trixie tests/vm/run-all $(GUARD_SCENARIOS)
vm-b-trixie-attacks: vm-b-trixie-guard
	$(STEP) "trixie attacks (disk)" tests/vm/on-kernel trixie tests/vm/attacks/run-suite --disk-only
vm-b-trixie-system: vm-b-trixie-attacks
	$(STEP) "trixie system" tests/vm/on-kernel trixie tests/vm/run --system $(SYSTEM_EXTRAS)

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
