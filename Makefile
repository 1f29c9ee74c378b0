# wfad: GNU Make build. Plain make keeps the build small and explicit (one library, one CLI,
# one test runner); pkg-config supplies the Debian libraries.
#   make            library (static + shared), CLI
#   make check      tests, fuzz-corpus replay and CLI golden files (ends with "N passed, N failed")
#   make asan       the same tests under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#   make fuzz       libFuzzer binaries (clang) in build-fuzz/
#   make bench      benchmarks in bench/
#   make install PREFIX=/usr/local

PREFIX ?= /usr/local
BUILD ?= build
CC ?= cc
PKGS := jansson libzip sqlite3 yaml-0.1 cairo
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))
# XGBoost (Debian libxgboost-dev) ships no pkg-config file.
XGB_LIBS := -lxgboost

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wvla -Wno-unused-parameter
CSTD := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT ?= -O2 -g
WERROR ?= -Werror
CFLAGS_ALL = $(CSTD) $(OPT) $(WARN) $(WERROR) -fPIC -Iinclude $(PKG_CFLAGS) $(EXTRA_CFLAGS) $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) $(XGB_LIBS) -lm -pthread $(EXTRA_LDFLAGS) $(LDFLAGS)

LIB_SRC := $(sort $(wildcard src/*/*.c))
DETECT_SRC := $(sort $(wildcard src/detect/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/detect_registry.o
APP_SRC := $(sort $(wildcard apps/wfad/*.c))
APP_OBJ := $(APP_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(sort $(wildcard tests/*.c))
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRC:fuzz/fuzz_%.c=%)
FUZZ_REPLAY_OBJ := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz-replay/%.o)
BENCH_SRC := $(sort $(wildcard bench/*.c))
HEADERS := $(wildcard include/wfad/*.h) $(wildcard src/*/*.h) $(wildcard apps/*/*.h)

.PHONY: all check asan fuzz bench install clean format format-check
all: $(BUILD)/libwfad.a $(BUILD)/libwfad.so $(BUILD)/wfad

$(BUILD)/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

# The detector registry lists every WFAD_DETECTOR_REGISTER(name) in src/detect/.
$(BUILD)/gen/detect_registry.c: $(DETECT_SRC) scripts/gen-detector-registry.sh
	@mkdir -p $(dir $@)
	sh scripts/gen-detector-registry.sh /dev/null $(DETECT_SRC) > $@
$(BUILD)/gen/detect_registry.o: $(BUILD)/gen/detect_registry.c $(HEADERS)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/libwfad.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libwfad.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libwfad.so.0 -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/wfad: $(APP_OBJ) $(BUILD)/libwfad.a
	$(CC) -o $@ $(APP_OBJ) $(BUILD)/libwfad.a $(LDLIBS_ALL)

# Each fuzz harness is also compiled into the test runner under its own name, so the seed
# corpora replay in the normal test run (no clang needed for that).
$(BUILD)/fuzz-replay/%.o: fuzz/%.c $(HEADERS) $(wildcard fuzz/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -DLLVMFuzzerTestOneInput=wfad_$* -c $< -o $@

$(BUILD)/test_registry.h: $(TEST_SRC) $(FUZZ_SRC) scripts/gen-test-registry.sh
	@mkdir -p $(BUILD)
	sh scripts/gen-test-registry.sh $(TEST_SRC) -- $(FUZZ_NAMES) > $@

$(BUILD)/tests/%.o: tests/%.c $(HEADERS) $(BUILD)/test_registry.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -I$(BUILD) -c $< -o $@

$(BUILD)/wfad-tests: $(TEST_OBJ) $(FUZZ_REPLAY_OBJ) $(BUILD)/libwfad.a
	$(CC) -o $@ $(TEST_OBJ) $(FUZZ_REPLAY_OBJ) $(BUILD)/libwfad.a $(LDLIBS_ALL)

check: $(BUILD)/wfad-tests $(BUILD)/wfad
	WFAD_BIN=$(BUILD)/wfad $(BUILD)/wfad-tests

asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" check

FUZZ_CC ?= clang
fuzz: $(FUZZ_NAMES:%=build-fuzz/fuzz_%)
build-fuzz/fuzz_%: fuzz/fuzz_%.c $(LIB_SRC) $(HEADERS) $(wildcard fuzz/*.h) build-fuzz/detect_registry.c
	$(FUZZ_CC) $(CSTD) -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude $(PKG_CFLAGS) \
		-o $@ $< $(LIB_SRC) build-fuzz/detect_registry.c $(PKG_LIBS) $(XGB_LIBS) -lm -pthread
build-fuzz/detect_registry.c: $(DETECT_SRC) scripts/gen-detector-registry.sh
	@mkdir -p build-fuzz
	sh scripts/gen-detector-registry.sh /dev/null $(DETECT_SRC) > $@

bench: $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
$(BUILD)/bench/%: bench/%.c $(BUILD)/libwfad.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libwfad.a $(LDLIBS_ALL)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/include/wfad $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/wfad $(DESTDIR)$(PREFIX)/bin/wfad
	install -m 644 $(BUILD)/libwfad.a $(DESTDIR)$(PREFIX)/lib/libwfad.a
	install -m 755 $(BUILD)/libwfad.so $(DESTDIR)$(PREFIX)/lib/libwfad.so.0
	ln -sf libwfad.so.0 $(DESTDIR)$(PREFIX)/lib/libwfad.so
	install -m 644 $(HEADERS) $(DESTDIR)$(PREFIX)/include/wfad/
	install -m 644 docs/wfad.1 $(DESTDIR)$(PREFIX)/share/man/man1/wfad.1
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|0.1.0|g' -e 's|@REQUIRES@|$(PKGS)|g' \
		wfad.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/wfad.pc

FORMAT_FILES = $(wildcard include/wfad/*.h src/*/*.c apps/*/*.c tests/*.c tests/*.h fuzz/*.c fuzz/*.h bench/*.c)
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf build build-asan build-fuzz
