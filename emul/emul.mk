# emul/emul.mk - build fragment for the x86 decoder/emulator library.
#
# Included by the top-level Makefile (from the repository root), or run on
# its own:  make -f emul/emul.mk test-emul
#
#   EMUL_SRCS               library sources; the top Makefile compiles them
#                           into the hypervisor with its own flags
#   test-emul               host build + cmocka tests (unit tables, decoder
#                           lengths against objdump, differential tests
#                           against the host CPU, MMIO protocol) + a bounded
#                           fuzz run (EMUL_FUZZ_SECONDS)
#   fuzz                    longer fuzz run (FUZZ_SECONDS), then the control
#                           partition's request fuzzer (FUZZ_REQUESTS, QEMU)
#   emul-freestanding-check each library file compiled with the hypervisor's
#                           freestanding flags; only memcpy/memset/memcmp may
#                           remain undefined and there is no mutable global
#
# Host outputs go under $(BUILD)/host/emul/.

# Including this file must not change the including Makefile's default
# goal (restored at the end).
EMUL_SAVED_GOAL := $(.DEFAULT_GOAL)

BUILD ?= build
HOST_CC ?= gcc
FUZZ_SECONDS ?= 600
EMUL_FUZZ_SECONDS ?= 25
EMUL_DIFF_CASES ?= 10000

EMUL_SRCS := \
	emul/decode.c \
	emul/decode_short.c \
	emul/tables.c \
	emul/execute.c \
	emul/fetch_mmio.c \
	emul/vm86.c \
	emul/io_bitmap.c \
	emul/mem.c \
	emul/align.c \
	emul/seg.c \
	emul/operand.c \
	emul/flags.c \
	emul/exec_alu.c \
	emul/exec_mov.c \
	emul/exec_xchg.c \
	emul/exec_string.c \
	emul/exec_stack.c \
	emul/exec_io.c \
	emul/exec_shift.c \
	emul/exec_bit.c \
	emul/exec_bitcount.c \
	emul/exec_crc32.c \
	emul/exec_adx.c \
	emul/exec_muldiv.c \
	emul/exec_misc.c \
	emul/exec_sysreg.c \
	emul/exec_branch.c
EMUL_SRCS += emul/exec_frame.c emul/exec_bound_arpl.c emul/exec_popf.c \
	emul/exec_sysstore.c emul/exec_lmsw.c emul/exec_movcr.c emul/exec_xop.c emul/exec_x87.c \
	emul/simd_forms.c emul/exec_simd.c \
	emul/deliver.c emul/deliver_gate.c emul/exec_int.c emul/exec_cli_sti_hlt.c emul/exec_clzero.c emul/exec_rtm.c emul/exec_vex.c emul/exec_bmi.c emul/exec_fxsr.c emul/exec_fence.c emul/exec_maskmov.c \
	emul/desc.c emul/exec_segload.c emul/exec_far.c emul/exec_gate.c \
	emul/exec_desc.c emul/exec_sysseg.c
EMUL_SRCS += emul/x87_regform.c emul/x87_image.c
EMUL_SRCS += emul/exec_bcd.c
EMUL_SRCS += emul/vm86_vif.c emul/deliver_vm86.c emul/exec_invpcid.c \
	emul/vm86_enter.c
EMUL_SRCS += emul/exec_rsm.c emul/exec_sse4a.c
EMUL_SRCS += emul/exec_grp15_ext.c emul/exec_grp9.c emul/exec_xsave.c \
	emul/exec_prefetchw.c

EMUL_HDRS := emul/emul.h emul/emul_private.h emul/deliver.h

EMUL_OUT := $(BUILD)/host/emul
EMUL_TDIR := tests/unit/emul
EMUL_HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iemul \
	-I$(EMUL_TDIR)
EMUL_FS_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding \
	-fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -mcmodel=small -nostdinc \
	-isystem $(shell $(HOST_CC) -print-file-name=include)
EMUL_SAN_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Iemul \
	-I$(EMUL_TDIR) -fsanitize=address,undefined -fno-sanitize-recover=all

EMUL_HOST_OBJS := $(patsubst emul/%.c,$(EMUL_OUT)/lib/%.o,$(EMUL_SRCS))
EMUL_LIB := $(EMUL_OUT)/libemul.a
EMUL_FAKEMEM := $(EMUL_TDIR)/fakemem.c $(EMUL_TDIR)/fakemem.h

EMUL_TESTS := test_decode test_decode_short test_exec test_mmio test_vendor test_decode_len \
	test_diff
EMUL_TESTS += test_intforms test_x87 test_simd test_deliver test_segload test_far test_fetch_mmio test_vm86 test_io_bitmap test_cli_sti_hlt
EMUL_TESTS += test_bcd test_movcr
EMUL_TESTS += test_invpcid test_align
EMUL_TESTS += test_bitcount test_crc32 test_adx test_rep_forms
EMUL_TESTS += test_grp15 test_bswap
EMUL_TEST_BINS := $(addprefix $(EMUL_OUT)/,$(EMUL_TESTS))

$(EMUL_OUT)/lib/%.o: emul/%.c $(EMUL_HDRS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOST_CC) $(EMUL_HOST_CFLAGS) -c $< -o $@

$(EMUL_LIB): $(EMUL_HOST_OBJS)
	@rm -f $@
	@$(if $(Q),echo "  AR      $@")
	$(Q)ar rcs $@ $^

$(EMUL_OUT)/test_decode: $(EMUL_TDIR)/test_decode.c $(EMUL_LIB)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOST_CC) $(EMUL_HOST_CFLAGS) $< $(EMUL_LIB) -lcmocka -o $@

$(EMUL_OUT)/test_decode_short: $(EMUL_TDIR)/test_decode_short.c $(EMUL_LIB)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOST_CC) $(EMUL_HOST_CFLAGS) $< $(EMUL_LIB) -lcmocka -o $@

$(EMUL_OUT)/test_decode_len: $(EMUL_TDIR)/test_decode_len.c $(EMUL_LIB)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOST_CC) $(EMUL_HOST_CFLAGS) $< $(EMUL_LIB) -lcmocka -o $@

# The tests on the fake guest memory (fakemem.c): one rule.
EMUL_FAKEMEM_TESTS := test_exec test_mmio test_vendor test_intforms test_x87 test_simd \
	test_deliver test_fetch_mmio test_vm86 test_io_bitmap test_cli_sti_hlt
EMUL_FAKEMEM_TESTS += test_bcd test_movcr
EMUL_FAKEMEM_TESTS += test_invpcid test_align
EMUL_FAKEMEM_TESTS += test_bitcount test_crc32 test_adx test_rep_forms
EMUL_FAKEMEM_TESTS += test_grp15 test_bswap
$(addprefix $(EMUL_OUT)/,$(EMUL_FAKEMEM_TESTS)): $(EMUL_OUT)/%: $(EMUL_TDIR)/%.c \
		$(EMUL_FAKEMEM) $(EMUL_LIB)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOST_CC) $(EMUL_HOST_CFLAGS) $< $(EMUL_TDIR)/fakemem.c $(EMUL_LIB) \
		-lcmocka -o $@

EMUL_DESC_ENV := $(EMUL_TDIR)/desc_env.c $(EMUL_TDIR)/desc_env.h
$(EMUL_OUT)/test_segload: $(EMUL_TDIR)/test_segload.c $(EMUL_DESC_ENV) \
		$(EMUL_FAKEMEM) $(EMUL_LIB)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOST_CC) $(EMUL_HOST_CFLAGS) $< $(EMUL_TDIR)/desc_env.c \
		$(EMUL_TDIR)/fakemem.c $(EMUL_LIB) -lcmocka -o $@

$(EMUL_OUT)/test_far: $(EMUL_TDIR)/test_far.c $(EMUL_DESC_ENV) \
		$(EMUL_FAKEMEM) $(EMUL_LIB)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOST_CC) $(EMUL_HOST_CFLAGS) $< $(EMUL_TDIR)/desc_env.c \
		$(EMUL_TDIR)/fakemem.c $(EMUL_LIB) -lcmocka -o $@

EMUL_DIFF_SRCS := $(EMUL_TDIR)/test_diff.c $(EMUL_TDIR)/sandbox.c \
	$(EMUL_TDIR)/diffgen.c $(EMUL_TDIR)/fakemem.c
$(EMUL_OUT)/test_diff: $(EMUL_DIFF_SRCS) $(EMUL_TDIR)/sandbox.h \
		$(EMUL_TDIR)/diffgen.h $(EMUL_LIB)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOST_CC) $(EMUL_HOST_CFLAGS) $(EMUL_DIFF_SRCS) $(EMUL_LIB) \
		-lcmocka -o $@

# mmio.bin's list of SIMD forms (guests/tests/mmio/simd_cases.h).
$(EMUL_OUT)/simd_cases_gen: $(EMUL_TDIR)/simd_cases_gen.c $(EMUL_LIB)
	$(Q)$(HOST_CC) $(EMUL_HOST_CFLAGS) $< $(EMUL_LIB) -o $@

# The fuzzer links its own sanitized copy of the library.
$(EMUL_OUT)/fuzz_emul: tests/fuzz/fuzz_emul.c $(EMUL_SRCS) $(EMUL_HDRS) \
		$(EMUL_FAKEMEM)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOST_CC) $(EMUL_SAN_CFLAGS) tests/fuzz/fuzz_emul.c $(EMUL_SRCS) \
		$(EMUL_TDIR)/fakemem.c -o $@

.PHONY: test-emul fuzz emul-freestanding-check emul-header-check

emul-header-check:
	@mkdir -p $(EMUL_OUT)
	echo '#include "emul.h"' | $(HOST_CC) $(EMUL_FS_CFLAGS) -Iemul \
		-fsyntax-only -x c -

test-emul: $(EMUL_TEST_BINS) $(EMUL_OUT)/fuzz_emul emul-header-check
	@set -e; cd $(EMUL_OUT); \
	for t in $(EMUL_TESTS); do \
		echo "== $$t"; \
		EMUL_TEST_TMP=. EMUL_DIFF_CASES=$(EMUL_DIFF_CASES) ./$$t; \
	done; \
	echo "== fuzz_emul ($(EMUL_FUZZ_SECONDS) s)"; \
	./fuzz_emul $(EMUL_FUZZ_SECONDS)

# ... and the control partition's request fuzzer, FUZZ_REQUESTS requests on
# QEMU (tools/fuzz_requests.py; the Makefile adds the ISO prerequisite).
FUZZ_REQUESTS ?= 1000000
FUZZ_SEED ?= 1
fuzz: $(EMUL_OUT)/fuzz_emul
	$(EMUL_OUT)/fuzz_emul $(FUZZ_SECONDS)
	$(PYTHON) tools/fuzz_requests.py --seed $(FUZZ_SEED) --count $(FUZZ_REQUESTS) $(BUILD)/barekvm.iso

emul-freestanding-check: emul-header-check
	@mkdir -p $(EMUL_OUT)/fs
	@set -e; for f in $(EMUL_SRCS); do \
		o=$(EMUL_OUT)/fs/$$(basename $$f .c).o; \
		$(HOST_CC) $(EMUL_FS_CFLAGS) -c $$f -o $$o; \
		if [ -n "$$(objdump -h $$o | awk '$$2 ~ /^\.(data|bss)/ && \
			$$2 !~ /rel\.ro/ && $$3 !~ /^0+$$/')" ]; then \
			echo "$$f: mutable global data"; exit 1; fi; \
	done
	ld -r -o $(EMUL_OUT)/fs-all.o \
		$(patsubst emul/%.c,$(EMUL_OUT)/fs/%.o,$(EMUL_SRCS))
	@undef=$$(nm -u $(EMUL_OUT)/fs-all.o | awk '{print $$2}' | \
		grep -v -x -e memcpy -e memset -e memcmp || true); \
	if [ -n "$$undef" ]; then \
		echo "emul: unexpected external symbols: $$undef"; exit 1; fi
	@echo "emul-freestanding-check: $(words $(EMUL_SRCS)) files OK"

.DEFAULT_GOAL := $(EMUL_SAVED_GOAL)
