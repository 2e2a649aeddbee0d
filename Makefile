# tokengate: one Makefile, no other build system.
#
#   make          build build/tokengate-authz, build/tokengate-api, build/tokengate
#   make test     install missing Debian packages (as root), build, run every test
#                 (the lint first, then the suites: tests/run-all.sh)
#   make lint     banned calls, the prefix rule, gcc and clang warnings,
#                 cppcheck (scripts/lint.sh; its own builds in build-lint*/)
#   make run      install missing packages, start the demo on 127.0.0.1:8080
#   make asan     the same programs with ASan+UBSan, in build-asan/
#   make unit     build and run only the unit tests (no server needed)
#   make bench    install packages, build, run the benchmark, print one table
#                 (BENCH_QUICK=1: a short run for development)
#   make soak     the authorizer under 64 connections of mixed tokens through
#                 lighttpd for SOAK_SECONDS (600); checks answers, RSS, fds

BUILD    ?= build
CC       ?= cc
PKGS      = fcgi libmariadb libcrypto json-c
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     = -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
           -Wmissing-declarations -Wshadow -Wpointer-arith -Wsign-compare \
           -Wformat=2 -Wundef -Wvla
OPT     ?= -O2 -g
HARDEN   = -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) \
           $(WARN) $(HARDEN) $(SANITIZE) -Ilib -I$(BUILD)/gen $(PKG_CFLAGS)
LDFLAGS += -pie -Wl,-z,relro,-z,now $(SANITIZE)
LDLIBS  += $(PKG_LIBS) -lpthread

LIB_SRC   := $(wildcard lib/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/tg_migrations.o
LIBA      := $(BUILD)/libtokengate.a
AUTHZ_SRC := fcgi/authz.c fcgi/fcgi_common.c
API_SRC   := $(filter-out fcgi/authz.c,$(wildcard fcgi/*.c))
CLI_SRC   := $(wildcard cli/*.c)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC  := $(wildcard tests/tools/*.c)
TOOL_BIN  := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
SCHEMA    := $(sort $(wildcard schema/*.sql))

PROGS = $(BUILD)/tokengate-authz $(BUILD)/tokengate-api $(BUILD)/tokengate

.PHONY: all test run asan unit tools clean deps lint fuzz fuzz-bins bench soak profile
all: $(PROGS) $(TOOL_BIN)

$(BUILD)/obj/%.o: %.c $(wildcard lib/*.h fcgi/*.h cli/*.h tests/unit/*.h tests/tools/*.h) | $(BUILD)/gen/tg_migrations.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

# The migrations are compiled into the binaries, so an installed
# `tokengate migrate` can never run against a schema/ directory of another
# version.
$(BUILD)/gen/tg_migrations.c: $(SCHEMA) scripts/embed-sql.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-sql.sh $(SCHEMA) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/tg_migrations.o: $(BUILD)/gen/tg_migrations.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/tokengate-authz: $(AUTHZ_SRC:%.c=$(BUILD)/obj/%.o) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tokengate-api: $(API_SRC:%.c=$(BUILD)/obj/%.o) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tokengate: $(CLI_SRC:%.c=$(BUILD)/obj/%.o) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# null-authz --close drain finishes requests with the authorizer's own code.
$(BUILD)/tools/null-authz: $(BUILD)/obj/tests/tools/null-authz.o \
    $(BUILD)/obj/fcgi/fcgi_common.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# socket-parent opens its socket with the programs' own tg_fcgi_listen.
$(BUILD)/tools/socket-parent: $(BUILD)/obj/tests/tools/socket-parent.o \
    $(BUILD)/obj/fcgi/fcgi_common.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tools: $(TOOL_BIN)

unit: $(UNIT_BIN)
	@sh scripts/run-unit.sh $(UNIT_BIN)

asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    HARDEN="-fPIE" SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all" all \
	    $(patsubst $(BUILD)/%,build-asan/%,$(UNIT_BIN))

deps:
	@sh scripts/deps.sh

test: deps
	$(MAKE) all unit-bins
	$(MAKE) asan
	$(MAKE) fuzz-bins
	@bash tests/run-all.sh

unit-bins: $(UNIT_BIN)

run: deps
	$(MAKE) all
	@bash scripts/demo.sh

# The benchmark (tests/bench/bench.sh, README "Performance"): its own
# MariaDB, lighttpd and Apache on 127.0.0.1, one table at the end.
# BENCH_QUICK=1 shortens every point; BENCH_SOAK_SECONDS (default 300)
# sets the memory soak.  The programs are the optimised build/ ones.
BENCH_BIN := $(BUILD)/bench/bench-tokens

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# What the authorizer's own side of the FastCGI round trip costs
# (tests/bench/profile.sh, README "Performance").
profile:
	@sh scripts/deps.sh strace linux-perf
	$(MAKE) all
	TG_BUILD=$(BUILD) bash tests/bench/profile.sh

bench: deps
	$(MAKE) all $(BENCH_BIN)
	@TG_BUILD=$(BUILD) bash tests/bench/bench.sh

# The soak (tests/soak/soak.sh, README "Failure behaviour"): wrk at 64
# connections through lighttpd for SOAK_SECONDS; ends "N passed, N failed".
# make test runs a 60 s version (tests/run-all.sh).
SOAK_SECONDS ?= 600

soak: deps
	$(MAKE) all
	@TG_BUILD=$(BUILD) SOAK_SECONDS=$(SOAK_SECONDS) bash tests/soak/soak.sh

# libFuzzer targets: clang with -fsanitize=fuzzer (Debian libclang-rt-14-dev).
# Only the pure modules are linked: no target touches the database, so
# the store (lib/store*.c) and the modules that call it are left out.
FUZZ_CC   ?= clang
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
FUZZ_IO   := lib/store%.c lib/verify.c lib/feed.c lib/tokenop.c
FUZZ_LIB  := $(filter-out $(FUZZ_IO),$(LIB_SRC))
FUZZ_TIME ?= 60
FUZZ_FLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
             -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
             -Ilib $(PKG_CFLAGS)

build-fuzz/%: tests/fuzz/%.c $(FUZZ_LIB) $(wildcard lib/*.h)
	@mkdir -p build-fuzz
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIB) -lcrypto -ljson-c -lpthread

fuzz-bins: $(FUZZ_BIN)

# Runs every target for FUZZ_TIME seconds on a copy of its seed corpus.
fuzz: deps fuzz-bins
	@bash tests/fuzz/run.sh $(FUZZ_TIME) $(FUZZ_BIN)

# The lint builds in build-lint/ (gcc) and build-lint-clang/ (clang) with
# this Makefile's WARN; make test runs it as the first suite of run-all.sh.
lint:
	@bash scripts/lint.sh

clean:
	rm -rf build build-asan build-fuzz build-lint build-lint-clang
