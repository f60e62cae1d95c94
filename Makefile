# Thin wrapper around meson for the README's commands.
BUILD ?= build
ASAN_BUILD ?= build-asan
PREFIX ?= /usr
DESTDIR ?=
MESON_SETUP = meson setup --prefix=$(PREFIX) --sysconfdir=/etc --libexecdir=lib

.PHONY: all deps check check-unit check-asan check-fuzz check-vm install demo fuzz bench clean

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

check-vm: all
	tests/vm/harness-check
	tests/vm/run-all
	tests/vm/on-6.12 tests/vm/run-all
	tests/vm/on-6.12 tests/vm/attacks/run-suite
	for k in trixie sid; do for s in guard-smoke guard-smoke-kernelkeys; do \
		tests/vm/on-kernel $$k tests/vm/run tests/vm/$$s.sh || exit 1; done; done
	tests/vm/attacks/run-suite
	tests/vm/run --system
	tests/vm/demo

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
