# rondo — plain GNU make, flags from pkg-config.
#
#   make            build ./rondo
#   make check      build and run every test (unit, integration, SDK, crash, fuzz)
#   make bench      run the benchmarks in bench/
#   make fuzz       run the fuzz targets for longer (FUZZ_SECONDS=60)
#   make run        build, create demo.db if absent, start the server
#   make format     apply .clang-format
#
# Knobs: SANITIZE=address,undefined   DEBUG=1

SHELL := /bin/bash
CC ?= cc
PKGS := sqlite3 libmicrohttpd jansson libsodium libidn2 libutf8proc inih glib-2.0 libcurl
CXX ?= c++

ifeq ($(origin CC),default)
CC := cc
endif

DEPS_OK := $(shell scripts/deps.sh >&2 && echo ok)
ifneq ($(DEPS_OK),ok)
$(error scripts/deps.sh failed: the packages above could not be installed)
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla -Werror
CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -Isrc $(PKG_CFLAGS) -pthread
LDLIBS := $(PKG_LIBS) -lcsv -lphonenumber -lstdc++ -pthread -lm
CXXFLAGS := -std=c++17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror -Isrc $(PKG_CFLAGS) -pthread

ifdef DEBUG
CFLAGS += -O0 -g3
CXXFLAGS += -O0 -g3
else
CFLAGS += -O2 -g
CXXFLAGS += -O2 -g
endif
ifdef SANITIZE
CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
CXXFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif

# One build directory per flag set, so switching SANITIZE or DEBUG never mixes objects.
VARIANT := $(if $(SANITIZE),san,rel)$(if $(DEBUG),-dbg,)
B := build/$(VARIANT)

LIB_SRC := $(filter-out src/main.c,$(wildcard src/base/*.c src/store/*.c src/ingest/*.c \
             src/clean/*.c src/gen/*.c src/identity/*.c src/segment/*.c src/scenario/*.c src/channel/*.c src/report/*.c src/http/*.c \
             src/cmd/*.c))
# One C++ file: the extern "C" bridge to libphonenumber (src/clean/phone_lib.cc).
LIB_CXX := $(wildcard src/clean/*.cc)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o) $(LIB_CXX:%.cc=$(B)/%.o)
MAIN_OBJ := $(B)/src/main.o

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all check unit integration node-tests crash fuzz fuzz-check bench run format clean checksrc

all: rondo

rondo: $(B)/rondo
	@cp -f $< $@

$(B)/rondo: $(MAIN_OBJ) $(B)/librondo.a
	@echo "  LD $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/librondo.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(B)/%.o: %.c | checksrc
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/%.o: %.cc | checksrc
	@mkdir -p $(dir $@)
	@echo "  CXX $<"
	@$(CXX) $(CXXFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/%: tests/unit/%.c $(B)/librondo.a
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(B)/librondo.a $(LDLIBS) -lcmocka

checksrc:
	@scripts/checksrc.sh

# ---- tests -----------------------------------------------------------------

check: rondo unit integration fuzz-check
	@echo "make check: all test suites passed"

unit: $(UNIT_BIN)
	@set -e; pass=0; fail=0; \
	for t in $(UNIT_BIN); do \
	  if $$t; then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; \
	echo "unit: $$pass passed, $$fail failed"; test $$fail -eq 0

integration: rondo
	@cd tests && node --test --test-concurrency=1 integration/

FUZZ_CC := clang
FUZZ_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Isrc $(PKG_CFLAGS) -g -O1 \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -pthread
# src/ingest also holds the writer-side code, which calls the store: the store sources (and
# SQLite, in PKG_LIBS) are linked so that parser targets link; they never call into them.
# The cleaning rules run in the parsers' path, with their one C++ file (libphonenumber), and
# so does real-time identity matching (src/identity), which a stored record goes through.
FUZZ_LIB_SRC := $(filter src/base/% src/ingest/% src/store/% src/clean/% src/identity/% src/segment/% src/scenario/% src/channel/%,$(LIB_SRC))
FUZZ_TARGETS := $(patsubst fuzz/%.c,build/fuzz/%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
FUZZ_CXX_OBJ := $(LIB_CXX:src/%.cc=build/fuzz/%.o)

.PRECIOUS: build/fuzz/%.o
build/fuzz/%.o: src/%.cc
	@mkdir -p $(dir $@)
	@echo "  FUZZ-CXX $<"
	@clang++ -std=c++17 -Isrc -g -O1 -fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=all -c -o $@ $<

build/fuzz/%: fuzz/%.c $(FUZZ_LIB_SRC) $(FUZZ_CXX_OBJ) $(wildcard src/*/*.h)
	@mkdir -p build/fuzz
	@echo "  FUZZ $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_SRC) $(FUZZ_CXX_OBJ) $(PKG_LIBS) -lcsv -lphonenumber -lstdc++ -lm

fuzz-check: $(FUZZ_TARGETS)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  n=$$(basename $$t); mkdir -p build/fuzz/corpus-$$n; \
	  $$t -max_total_time=20 -max_len=40000 -print_final_stats=0 \
	      build/fuzz/corpus-$$n fuzz/corpus/$${n#fuzz_} 2>build/fuzz/$$n.log \
	    || { tail -50 build/fuzz/$$n.log; exit 1; }; \
	  echo "fuzz: $$n ran 20 s clean ($$(sed -n 's/^Done \([0-9]*\) runs.*/\1 runs/p' build/fuzz/$$n.log))"; \
	done

fuzz: $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do n=$$(basename $$t); mkdir -p build/fuzz/corpus-$$n; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -max_len=40000 build/fuzz/corpus-$$n fuzz/corpus/$${n#fuzz_}; done

bench: rondo
	@bench/ingest.sh
	@bench/import.sh
	@bench/identity.sh
	@bench/segment.sh
	@bench/scenario.sh
	@bench/email.sh

# ---- running ---------------------------------------------------------------

run: rondo
	@scripts/run-demo.sh

format:
	clang-format -i $$(find src tests/unit fuzz -name '*.[ch]')

clean:
	rm -rf build rondo

-include $(shell find build -name '*.d' 2>/dev/null)
