# twpipe: one non-recursive Makefile.
#   make            build every tool into $(BUILD)/
#   make check      install missing packages, build, run every test
#   make check-quick  build, run the unit tests and golden cases (seconds)
#   make ci         what CI runs (.ci/run): both builds, every test, in
#                   parallel jobs (tests/ci.sh, schedule tests/ci.jobs)
#   make asan       the same tools with AddressSanitizer + UBSan in build-asan/
#   make bench      the benchmarks against jq, gojq, Miller and Python
#   make demo       the main job on a fresh machine
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
COMPDIR ?= $(PREFIX)/share/bash-completion/completions
BUILD ?= build
VERSION = 0.1.0

CC ?= cc
# -O3: 0.8-3.5% on tw-flatten and up to 2.5% on tw-agg against -O2, tw-load the
# same (bench/README.md section 1, "Compiler options"); LTO and PGO gave nothing.
CFLAGS ?= -O3 -g
WARNFLAGS = -Wall -Wextra -Wno-unused-parameter -Wmissing-prototypes -Wstrict-prototypes
CPPFLAGS += -Ilib -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -DTW_VERSION='"$(VERSION)"'
ALL_CFLAGS = -std=c11 $(WARNFLAGS) $(CFLAGS) -MMD -MP
LDLIBS += -ljq -lcsv -lisal -lzstd -lz -lm -lpthread

TOOLS = $(patsubst cmd/%/main.c,%,$(wildcard cmd/tw-*/main.c))
LIB_SRC = $(sort $(wildcard lib/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC = $(sort $(wildcard tests/unit/*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
MAN = $(sort $(wildcard man/*.1 man/*.7))
FUZZERS = $(patsubst fuzz/%.c,%,$(filter-out fuzz/driver.c,$(wildcard fuzz/*.c)))
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

all: $(TOOLS:%=$(BUILD)/%)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libtw.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

.SECONDEXPANSION:
tool_objs = $(patsubst %.c,$(BUILD)/%.o,$(wildcard cmd/$(1)/*.c))
$(BUILD)/tw-%: $$(call tool_objs,tw-$$*) $(BUILD)/libtw.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(BUILD)/libtw.a -Wl,--as-needed $(LDLIBS) $(LIBS_$(@F))

# Libraries that only one tool needs.
LIBS_tw-gen = -ldl

# A unit test of a command's own file links that file's object too.
UNIT_OBJS_test_agg_window = $(BUILD)/cmd/tw-agg/engine.o
# The tools load libsnappy when they first write snappy (tw_parquet.c);
# this test decodes snappy pages itself.
UNIT_LIBS_test_parquet = -lsnappy
$(BUILD)/unit/%: $(BUILD)/tests/unit/%.o $$(UNIT_OBJS_$$*) $(BUILD)/libtw.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(UNIT_OBJS_$*) $(BUILD)/libtw.a $(LDLIBS) $(UNIT_LIBS_$*)

# Every header of lib/ compiles on its own (it includes what it uses),
# with no warning: each is compiled as a file of its own, so make units
# (and make check-quick, make check, CI) fails when one does not.
HDR_CHECK = $(patsubst lib/%.h,$(BUILD)/hdr/%.o,$(wildcard lib/*.h))
$(BUILD)/hdr/%.o: lib/%.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Werror -x c -c -o $@ $<

# Test drivers (never installed): pqwrite writes NDJSON as Parquet
# through lib/tw_pqrec, for the golden cases, the readers' tests and
# the benchmark.
TEST_TOOLS = pqwrite
units: $(UNIT_BIN) $(FUZZERS:%=$(BUILD)/fuzz/%) $(TEST_TOOLS:%=$(BUILD)/%) $(HDR_CHECK)

$(BUILD)/pqwrite: $(BUILD)/tests/parquet/pqwrite.o $(BUILD)/libtw.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libtw.a -Wl,--as-needed $(LDLIBS)

# Replay drivers: each harness with a plain main, built by $(CC), so that
# make check runs every saved fuzz input without libFuzzer.
$(BUILD)/fuzz/%: $(BUILD)/fuzz/%.o $(BUILD)/fuzz/driver.o $(BUILD)/libtw.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/fuzz/driver.o $(BUILD)/libtw.a $(LDLIBS)

# libFuzzer builds (clang): make fuzz FUZZ_TIME=seconds runs each harness.
build-fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build-fuzz/libtw.a: $(LIB_SRC:%.c=build-fuzz/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

build-fuzz/fuzz-%: build-fuzz/fuzz/%.o build-fuzz/libtw.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZERS:%=build-fuzz/fuzz-%)

fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_TIME)

# The same harnesses under AFL++ (Debian's afl++): afl-clang-fast links
# them with its libFuzzer-compatible driver. make fuzz-afl FUZZ_TIME=s.
AFL_CC ?= afl-clang-fast
build-afl/%.o: %.c
	@mkdir -p $(@D)
	AFL_QUIET=1 $(AFL_CC) $(CPPFLAGS) -std=c11 $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build-afl/libtw.a: $(LIB_SRC:%.c=build-afl/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

build-afl/afl-%: build-afl/fuzz/%.o build-afl/libtw.a
	AFL_QUIET=1 $(AFL_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz-afl-build: $(FUZZERS:%=build-afl/afl-%)

fuzz-afl: fuzz-afl-build
	@sh tests/fuzz/afl.sh $(FUZZ_TIME)

# A Kafka to try examples/kafka on, without a Kafka installation: librdkafka's
# mock cluster (tests/mockbroker.c; needs librdkafka-dev, which make deps
# installs). build/mockbroker 3 raw_tweets:8 prints the bootstrap list.
mockbroker: $(BUILD)/mockbroker
$(BUILD)/mockbroker: tests/mockbroker.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -o $@ tests/mockbroker.c $$(pkg-config --cflags --libs rdkafka)

deps:
	@sh tests/deps.sh

# Only what the build and the demo need.
deps-demo:
	@sh tests/deps.sh demo

# With VALGRIND=1 the suite runs under valgrind instead of the sanitizers
# (a sanitized tool cannot run under valgrind).
check: deps
	@$(MAKE) --no-print-directory all units
	@sh tests/run.sh $(BUILD)
	@if [ "$(VALGRIND)" != 1 ]; then $(MAKE) --no-print-directory check-asan; fi

# The edit-test loop: the unit tests and the golden cases, in parallel
# (tests/run.sh -j, the number of cores), without installing packages or
# starting servers; well under a minute.
check-quick:
	@$(MAKE) --no-print-directory all units
	@TW_FILTER='^(unit|cases)/' sh tests/run.sh $(BUILD)

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    LDFLAGS="-fsanitize=address,undefined" all units

# The whole suite again under AddressSanitizer + UBSan; any report fails
# the test that triggered it (the sanitizers abort the tool).
check-asan: asan
	@echo "== the suite under AddressSanitizer and UndefinedBehaviorSanitizer"
	@VALGRIND= ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:exitcode=99 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1 \
	    TW_SANITIZED=1 TW_SKIP_HEAVY=1 sh tests/run.sh build-asan

# The end-to-end suites (Kafka, sockets, demo, MariaDB, PostgreSQL) under
# the sanitizers: slow, so make check-asan leaves them to this target (CI,
# tests/ci.sh, runs them with everything else).
check-asan-heavy: asan
	@VALGRIND= ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:exitcode=99 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1 \
	    TW_SANITIZED=1 TW_FILTER='integration/(kafka|hive|demo|load_mariadb|load_postgres)$$' \
	    sh tests/run.sh build-asan

ci:
	@sh tests/ci.sh

bench: all
	@sh tests/deps.sh bench
	@sh bench/run.sh $(BUILD)

demo: deps-demo
	@$(MAKE) --no-print-directory all
	@sh examples/demo.sh $(BUILD)

lint-man:
	@for m in $(MAN); do mandoc -Tlint -W warning $$m || exit 1; done

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	for t in $(TOOLS); do install -m 755 $(BUILD)/$$t $(DESTDIR)$(BINDIR)/$$t; done
	for m in man/*.1; do install -m 644 $$m $(DESTDIR)$(MANDIR)/man1/; done
	for m in man/*.7; do install -m 644 $$m $(DESTDIR)$(MANDIR)/man7/; done
	mkdir -p $(DESTDIR)$(COMPDIR)
	for t in $(TOOLS); do install -m 644 completion/twpipe.bash $(DESTDIR)$(COMPDIR)/$$t; done

uninstall:
	for t in $(TOOLS); do rm -f $(DESTDIR)$(BINDIR)/$$t; done
	for m in $(MAN); do rm -f $(DESTDIR)$(MANDIR)/man1/$${m#man/} $(DESTDIR)$(MANDIR)/man7/$${m#man/}; done
	for t in $(TOOLS); do rm -f $(DESTDIR)$(COMPDIR)/$$t; done

clean:
	rm -rf build build-asan build-fuzz build-afl

.PHONY: all units mockbroker deps deps-demo check check-quick ci asan check-asan check-asan-heavy bench demo lint-man install uninstall clean fuzz fuzz-build fuzz-afl fuzz-afl-build
.PRECIOUS: $(BUILD)/%.o

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
