# Relance build.
#
#   make              release build in build/
#   make SAN=1        AddressSanitizer + UndefinedBehaviorSanitizer build in build-san/
#   make check        SAN=1 build, then unit tests and end-to-end tests (real Postfix)
#   make unit         SAN=1 unit tests only
#   make e2e          SAN=1 end-to-end tests only (needs root, Postfix installed)
#   make corpus       classify ../shared/corpus (CORPUS=dir) and score it
#   make fuzz         build libFuzzer targets with clang and run each FUZZ_SECONDS
#   make bench        build release and run every benchmark in bench/
#
# Every library is found with pkg-config, except libcsv which ships no .pc.

PKGS      := libetpan libpcre2-8 sqlite3 gnutls
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) milter)
# libetpan's .pc carries Debian's -specs=no-pie-link.specs, which clang and
# the sanitizer runtimes do not want; it is only a hardening default.
PKG_LIBS  := $(filter-out -specs=%,$(shell pkg-config --libs $(PKGS))) -lcsv -lm
MILTER_LIBS := $(shell pkg-config --libs milter) -lpthread

SAN ?= 0
ifeq ($(SAN),1)
B := build-san
MODE_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined -Werror
MODE_LDFLAGS := -fsanitize=address,undefined
else
B := build
MODE_CFLAGS := -O2 -g
MODE_LDFLAGS :=
endif

CC      ?= cc
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter
CFLAGS  += -std=gnu11 $(WARN) $(MODE_CFLAGS) -Ilib -Iworker -Itests -I$(B)/gen $(PKG_CFLAGS) \
	-DRELANCE_VERSION='"$(VERSION)"'
LDFLAGS += $(MODE_LDFLAGS)
VERSION := 0.1.0

LIB_SRC    := $(wildcard lib/*.c)
LIB_OBJ    := $(LIB_SRC:%.c=$(B)/%.o) $(B)/gen/schema_sql.o
MILTER_SRC := $(wildcard milter/*.c)
CTL_SRC    := worker/relancectl.c $(wildcard worker/ctl_*.c)
WORKER_SRC := worker/relance-worker.c $(wildcard worker/w_*.c)
UNIT_SRC   := $(wildcard tests/unit/test-*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
BENCH_SRC  := $(wildcard bench/*.c)
BENCH_BIN  := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

PROGS := $(B)/relancectl $(B)/relance-worker
ifneq ($(MILTER_SRC),)
PROGS += $(B)/relance-milter
endif

.SECONDARY:
.PHONY: all check unit e2e corpus fuzz bench clean tests
all: $(PROGS) $(BENCH_BIN)
tests: $(PROGS) $(UNIT_BIN)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/gen/schema_sql.c: $(sort $(wildcard schema/*.sql)) scripts/embed-sql.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-sql.sh $(sort $(wildcard schema/*.sql)) > $@.tmp && mv $@.tmp $@

$(B)/gen/schema_sql.o: $(B)/gen/schema_sql.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/librelance.a: $(LIB_OBJ)
	rm -f $@; ar rcs $@ $^

$(B)/relancectl: $(CTL_SRC:%.c=$(B)/%.o) $(B)/librelance.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/relance-worker: $(WORKER_SRC:%.c=$(B)/%.o) $(B)/librelance.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/relance-milter: $(MILTER_SRC:%.c=$(B)/%.o) $(B)/librelance.a
	$(CC) $(LDFLAGS) -o $@ $^ $(MILTER_LIBS) $(PKG_LIBS)

# Unit tests may drive the milter's sessions without an MTA: everything of
# milter/ but the libmilter callbacks is linked in.
MILTER_LOGIC_OBJ := $(filter-out $(B)/milter/relance-milter.o,$(MILTER_SRC:%.c=$(B)/%.o))
$(B)/tests/%: $(B)/tests/unit/%.o $(MILTER_LOGIC_OBJ) $(B)/librelance.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread

$(B)/bench/%: $(B)/bench/%.o $(B)/librelance.a
	$(CC) $(LDFLAGS) -o $@ $^ $(MILTER_LIBS) $(PKG_LIBS)

check:
	$(MAKE) SAN=1 unit
	$(MAKE) SAN=1 e2e
	@if [ -d "$(CORPUS)" ]; then $(MAKE) SAN=1 corpus; \
	else echo "check: SKIPPED corpus check: no corpus at $(CORPUS)"; fi
	@if command -v clang >/dev/null; then $(MAKE) fuzz; \
	else echo "check: SKIPPED fuzzing: clang is not installed"; fi

unit: $(PROGS) $(UNIT_BIN)
	@sh tests/run-unit.sh $(B)

e2e: $(PROGS)
	@sh tests/run-e2e.sh $(B)

CORPUS ?= ../shared/corpus
corpus: $(PROGS)
	@sh tests/corpus.sh $(B) $(CORPUS)

FUZZ_SECONDS ?= 30
FUZZ_SRC := $(wildcard tests/fuzz/fuzz-*.c)
fuzz:
	@sh tests/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_SRC)

bench: all
	@sh bench/run.sh $(B)

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(B) -name '*.d' 2>/dev/null)
