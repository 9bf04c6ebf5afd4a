# planmetrics: build, test and install.
# Plain make; pkg-config for pcre2/gsl/cmocka, -lcsv for libcsv (it has no .pc file).

CC      ?= cc
PREFIX  ?= /usr/local
PKGS    := libpcre2-8 gsl
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2
# DEVELOPER=1: the stricter set the code is kept clean under, as errors (git's config.mak.dev);
# .ci/run builds with it, so a new warning fails CI.
ifeq ($(DEVELOPER),1)
WARN    += -Wmissing-prototypes -Wwrite-strings -Wvla -Wcast-qual -Wold-style-definition -Wundef -Werror
endif
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -I. \
           -DPCRE2_CODE_UNIT_WIDTH=8 -DPM_DATADIR='"$(PREFIX)/share/planmetrics"'
CFLAGS  += $(shell pkg-config --cflags $(PKGS))
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lcsv -lpthread -lm
TEST_CFLAGS := $(shell pkg-config --cflags cmocka)
TEST_LIBS   := $(shell pkg-config --libs cmocka)

# SANITIZE=1: ASan + UBSan; TSAN=1: ThreadSanitizer (a race report fails the run with exit code
# 66). Each is built in a separate tree so objects never mix; the two cannot be combined.
ifeq ($(SANITIZE)$(TSAN),11)
$(error SANITIZE=1 and TSAN=1 cannot be combined: ThreadSanitizer and AddressSanitizer exclude each other)
endif
ifeq ($(SANITIZE),1)
B := build/san
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
else ifeq ($(TSAN),1)
B := build/tsan
CFLAGS  := $(filter-out -O%,$(CFLAGS)) -O1 -g -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS += -fsanitize=thread
export TSAN_OPTIONS ?= halt_on_error=1 exitcode=66
else ifeq ($(DEVELOPER),1)
B := build/dev
else
B := build/rel
endif

LIB_SRC  := $(sort $(wildcard base/*.c text/*.c ruleset/*.c extract/*.c output/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/%.o)
TESTS    := $(TEST_SRC:tests/%.c=$(B)/tests/%)
BIN      := $(B)/planmetrics

.PHONY: all check layers unit golden rulestest install clean bench valgrind
all: planmetrics

planmetrics: $(BIN)
	@if [ "$(SANITIZE)" != 1 ] && [ "$(TSAN)" != 1 ]; then cp $(BIN) planmetrics.tmp && mv -f planmetrics.tmp planmetrics; fi

$(BIN): $(CLI_OBJ) $(B)/libplanmetrics.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/libplanmetrics.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/%: tests/%.c $(B)/libplanmetrics.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libplanmetrics.a $(TEST_LIBS) $(LDLIBS)

# make check: the layer rule (scripts/check-layers.sh), unit tests, every example of the shipped
# rule packs, golden end-to-end tests
# (and the bench's reference scan is built, so it cannot rot).
check: all layers unit rulestest golden $(B)/rulescan

layers:
	@sh scripts/check-layers.sh

unit: $(TESTS)
	@set -e; for t in $(TESTS); do echo "== $$t"; (cd tests && ../$$t); done

rulestest: $(BIN)
	$(BIN) rules test rules

golden: $(BIN)
	sh tests/golden/run.sh $(BIN)

valgrind: $(BIN)
	VALGRIND="valgrind -q --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --error-exitcode=99 --suppressions=tests/valgrind.supp" \
	  sh tests/golden/run.sh $(BIN)

# the bench's plain regex scan over the same rules (scripts/rulescan.c), for reference
$(B)/rulescan: scripts/rulescan.c $(B)/libplanmetrics.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libplanmetrics.a $(LDLIBS)

bench: all $(B)/rulescan
	RULESCAN=$(B)/rulescan sh scripts/bench.sh

# make fuzz: libFuzzer targets tests/fuzz/fuzz_*.c (clang, ASan + UBSan), each run FUZZ_SECONDS
# on a copy of tests/fuzz/seeds/NAME in build/fuzz/corpus/NAME; crashes go to build/fuzz/artifacts/.
# make fuzz-build only builds. Needs clang's fuzzer runtime: scripts/install-fuzz-deps.sh.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_NAMES   := numparse rules extract summary rxscan
FUZZ_FLAGS   := -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := $(filter-out -O% -g -fsanitize=% -fno-sanitize-recover=%,$(CFLAGS)) $(FUZZ_FLAGS)
FUZZ_OBJ     := $(LIB_SRC:%.c=build/fuzz/%.o)
FUZZ_BINS    := $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
.PHONY: fuzz fuzz-build fuzz-deps
.SECONDARY: $(FUZZ_OBJ)
fuzz-deps:
	@FUZZ_CC=$(FUZZ_CC) sh scripts/install-fuzz-deps.sh
fuzz-build: fuzz-deps $(FUZZ_BINS)
build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)
fuzz: fuzz-build
	@set -e; for t in $(FUZZ_NAMES); do \
	  mkdir -p build/fuzz/corpus/$$t build/fuzz/artifacts; cp tests/fuzz/seeds/$$t/* build/fuzz/corpus/$$t/; \
	  echo "== fuzz_$$t: $(FUZZ_SECONDS)s"; \
	  PLANMETRICS_RULES=$(CURDIR)/rules nice build/fuzz/fuzz_$$t -max_len=65536 -max_total_time=$(FUZZ_SECONDS) \
	    -artifact_prefix=build/fuzz/artifacts/$$t- -print_final_stats=1 build/fuzz/corpus/$$t; done
-include $(FUZZ_OBJ:.o=.d)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/planmetrics/rules
	install -m 755 planmetrics $(DESTDIR)$(PREFIX)/bin/planmetrics
	install -m 644 rules/*.rules $(DESTDIR)$(PREFIX)/share/planmetrics/rules/

clean:
	rm -rf build planmetrics

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
