# BareKVM build.
#
#   make            build/barekvm.elf and build/barekvm.iso
#   make run        boot the ISO in QEMU (TCG, -cpu max: SVM + NPT), serial on stdio
#   make run-uefi   the same ISO under OVMF
#   make run-bochs  the same ISO in Bochs (VMX + EPT, corei7_skylake_x;
#                   BOCHS_PLATFORM=bochs-ryzen for SVM + NPT)
#   make test       host unit tests (cmocka), then system tests (pytest)
#
# Each goal first installs the Debian packages it needs and the machine
# lacks (tools/packages.txt, tools/packages.sh; NO_PACKAGES=1 skips that).
#
# The hypervisor is freestanding: no libc, its own formatter, compiled with
# general-purpose registers only so no exception path ever touches SSE state.

# ---- packages -------------------------------------------------------------
# Before anything else is evaluated (the $(shell) calls below need gcc and
# python3): the uses of tools/packages.txt each goal needs. A goal not named
# here (a file under build/, headers-check, ...) needs the build's.
PKG_USES_all        := build
PKG_USES_run        := build qemu
PKG_USES_run-uefi   := build qemu
PKG_USES_run-bochs  := build bochs
PKG_USES_bench      := build qemu bochs
PKG_USES_test       := build qemu bochs test
PKG_USES_test-system := build qemu bochs test
PKG_USES_test-unit  := build test
PKG_USES_test-emul  := build test
PKG_USES_test-ctl   := build test
PKG_USES_fuzz       := build qemu test
PKG_USES_clean      := none
PKG_USES_linux-images := build
PKG_USES := $(filter-out none,$(sort $(foreach g,$(or $(MAKECMDGOALS),all),\
              $(or $(PKG_USES_$(g)),build))))
ifeq ($(MAKELEVEL)$(NO_PACKAGES),0)
ifneq ($(PKG_USES),)
$(shell tools/packages.sh $(PKG_USES) >&2)
ifneq ($(.SHELLSTATUS),0)
$(error missing Debian packages (see above and tools/packages.txt))
endif
endif
endif

# ---- parallelism ----------------------------------------------------------
# make test builds on every core (the unit tests' sanitizer builds, the
# ISO, the test guests); the system tests run their own workers. A -j on
# the command line wins over this one.
ifneq ($(filter test test-unit,$(MAKECMDGOALS)),)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 1)
endif

BUILD   ?= build
CC      := gcc
HOST_CC ?= gcc
PYTHON  ?= $(shell for p in /usr/bin/python3 python3; do \
             $$p -c 'import pytest, pexpect' 2>/dev/null && { echo $$p; exit; }; done; echo python3)

GCC_INCLUDE := $(shell $(CC) -print-file-name=include)

WARN     := -Wall -Wextra -Werror
HV_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-pic -fno-pie \
             -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
             -mcmodel=small -fno-omit-frame-pointer -fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables \
             -nostdinc -isystem $(GCC_INCLUDE) -I . -MMD -MP
HV_ASFLAGS := -I . -MMD -MP
HV_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -Wl,--build-id=none -Wl,--fatal-warnings -T linker.ld

.DEFAULT_GOAL := all
include emul/emul.mk
include guests/ctl/ctl.mk
include guests/tests/tests.mk
include tools/linux.mk

HV_SRCS_C := $(wildcard core/*.c) $(wildcard arch/x86/*.c) $(wildcard mmu/*.c) \
             $(wildcard request/*.c) $(wildcard arch/x86/svm/*.c) $(wildcard arch/x86/vmx/*.c) \
             $(EMUL_SRCS)
HV_SRCS_S := $(wildcard boot/*.S) $(wildcard arch/x86/*.S) \
             $(wildcard arch/x86/svm/*.S) $(wildcard arch/x86/vmx/*.S)
HV_OBJS   := $(patsubst %.c,$(BUILD)/hv/%.o,$(HV_SRCS_C)) \
             $(patsubst %.S,$(BUILD)/hv/%.o,$(HV_SRCS_S))

ISO_DIR := $(BUILD)/iso
TEST_MODULE := $(BUILD)/modules/hello.txt

.PHONY: all run run-uefi run-bochs test test-unit test-system clean headers-check layers-check bench
all: $(BUILD)/barekvm.iso

# V=1 shows the full commands.
Q := $(if $(V),,@)

$(BUILD)/hv/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(HV_CFLAGS) -c $< -o $@

$(BUILD)/hv/%.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(HV_ASFLAGS) -c $< -o $@

$(BUILD)/barekvm.elf: $(HV_OBJS) linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(HV_LDFLAGS) -o $@ $(HV_OBJS) -lgcc

# A plain text module proves module handling end to end (name, size, command
# line); the control partition and guest images join it in later steps.
$(TEST_MODULE): tools/hello-module.txt
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CP      $@")
	$(Q)cp $< $@

ISO_MODULES := $(CTL_ELF) $(TEST_MODULE) $(TEST_GUESTS)

$(BUILD)/barekvm.iso: $(BUILD)/barekvm.elf boot/grub.cfg $(ISO_MODULES) tools/mkiso.sh
	@$(if $(Q),echo "  ISO     $@")
	$(Q)tools/mkiso.sh $@ $(BUILD)/barekvm.elf boot/grub.cfg $(ISO_MODULES)

# make run KERNEL=path [INITRD=path] [APPEND="..."] [MEM=MiB]: an ISO that
# boots straight into that kernel (bzImage or multiboot) in VM 0 with the
# console attached; make run ends with the VM's status (tools/kernel-iso.sh).
MEM ?= 256
# One ISO per kernel file name: two `make run`s of different kernels at
# once (the system tests run them side by side) must not boot each other's.
ifdef KERNEL
RUN_ISO := $(BUILD)/run-$(notdir $(KERNEL)).iso
RUN_QEMU_MEM := --mem $(shell expr $(MEM) + 320 2>/dev/null || echo 512)
.PHONY: $(RUN_ISO)
$(RUN_ISO): $(BUILD)/barekvm.elf $(CTL_ELF) tools/kernel-iso.sh tools/mkiso.sh
	@$(if $(Q),echo "  ISO     $@ ($(KERNEL))")
	$(Q)tools/kernel-iso.sh $@ $(BUILD)/barekvm.elf $(CTL_ELF) $(MEM) $(KERNEL) $(INITRD) -- $(APPEND)
else
RUN_ISO := $(BUILD)/barekvm.iso
endif

run: $(RUN_ISO)
	tools/run-qemu.sh $(RUN_QEMU_MEM) --iso $<

run-uefi: $(BUILD)/barekvm.iso
	tools/run-qemu.sh --uefi --iso $<

BOCHS_PLATFORM ?= bochs-skylake
run-bochs: $(BUILD)/barekvm.iso
	tools/run-bochs.sh --platform $(BOCHS_PLATFORM) --iso $<

# Exit round trips in executed instructions (QEMU -icount, Bochs): tools/bench.py
bench: $(BUILD)/barekvm.iso $(LINUX_IMAGES)
	$(PYTHON) tools/bench.py

# ---- host unit tests ------------------------------------------------------
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -I . -DHOST_TEST \
               -fsanitize=address,undefined -fno-omit-frame-pointer
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/host/unit/%,$(wildcard tests/unit/test_*.c))

# Each test binary links the one module it tests plus the helpers named here.
$(BUILD)/host/unit/test_multiboot2: core/multiboot2.c core/format.c
$(BUILD)/host/unit/test_frame_alloc: core/frame_alloc.c
$(BUILD)/host/unit/test_format: core/format.c
$(BUILD)/host/unit/test_cmdline: core/cmdline.c
$(BUILD)/host/unit/test_abi_layout:
$(BUILD)/host/unit/test_mmu: mmu/pagetable.c mmu/guest_walk.c
$(BUILD)/host/unit/test_guest_access: mmu/guest_access.c mmu/guest_walk.c
$(BUILD)/host/unit/test_shadow: mmu/shadow_pages.c mmu/shadow_rmap.c mmu/shadow_root.c \
                              mmu/shadow_fault.c mmu/shadow_sync.c mmu/pagetable.c \
                              mmu/guest_access.c mmu/guest_walk.c
$(BUILD)/host/unit/test_vm_memory: core/vm_memory.c core/ctl_window.c mmu/pagetable.c
$(BUILD)/host/unit/test_vmx_controls: arch/x86/vmx/controls.c
$(BUILD)/host/unit/test_vmx_seg: arch/x86/vmx/seg.c
$(BUILD)/host/unit/test_svm_shadow_regs: arch/x86/svm/shadow_regs.c
$(BUILD)/host/unit/test_vmx_shadow_event: arch/x86/vmx/shadow_event.c
$(BUILD)/host/unit/test_cpu_rules: core/cpu_rules.c
$(BUILD)/host/unit/test_cpuid_filter: core/cpuid_filter.c
$(BUILD)/host/unit/test_task_switch: core/task_switch.c core/task_replay.c mmu/guest_access.c mmu/guest_walk.c
$(BUILD)/host/unit/test_soft_exit: core/soft_exit.c
$(BUILD)/host/unit/test_vcpu_events_check: core/vcpu_events_check.c
$(BUILD)/host/unit/test_lib:
$(BUILD)/host/unit/test_simd_image: core/simd_image.c
$(BUILD)/host/unit/test_simd_strcmp: core/simd_strcmp.c core/simd_xmm0.c core/simd_image.c arch/x86/simd_proxy.S
$(BUILD)/host/unit/test_guest_mem: core/guest_mem.c mmu/guest_walk.c mmu/guest_access.c

$(BUILD)/host/unit/%: tests/unit/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -o $@ $^ -lcmocka

test-unit: $(UNIT_TESTS) test-emul test-ctl headers-check layers-check
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

# Every public header must compile on its own: it includes what it uses.
headers-check:
	@set -e; for h in $(wildcard abi/*.h request/*.h core/*.h arch/x86/*.h arch/x86/svm/*.h arch/x86/vmx/*.h mmu/*.h emul/emul.h); do \
	  echo '#include "'$$h'"' | $(CC) $(filter-out -MMD -MP,$(HV_CFLAGS)) -x c -fsyntax-only - ; done

# The layering (docs/architecture.md, "Layers"): abi/ is definitions both
# sides compile against; mmu/ and emul/ stand alone; core/ never reaches up
# into request/, the trust boundary (core/main.c, which wires the layers
# together at boot, excepted).
layers-check:
	@bad=$$( { grep -Hn '#include "\(core\|arch\|request\|mmu\|emul\)/' abi/*.h; \
	  grep -Hn '#include "\(core\|arch\|request\)/' mmu/*.[ch] emul/*.[ch]; \
	  grep -Hn '#include "request/' core/*.[ch] arch/x86/*.[ch] arch/x86/*/*.[ch] | \
	    grep -v '^core/main.c:'; } || true); \
	if [ -n "$$bad" ]; then echo "layers-check: includes against the layering:"; \
	  echo "$$bad"; exit 1; fi; echo "layers-check: abi/ mmu/ emul/ core/ request/ OK"

# The system tests run one emulator per core (pytest-xdist; every test
# writes its own log; ABI tests may take the machine the previous one
# booted, tests/system/test_abi_common.py), slowest reported at the end.
PYTEST_JOBS ?= auto
test-system: $(BUILD)/barekvm.iso $(LINUX_IMAGES)
	$(PYTHON) -m pytest -v -n $(PYTEST_JOBS) --durations=15 tests/system

# one after the other: the system tests only once the unit tests passed
test:
	$(MAKE) test-unit
	$(MAKE) test-system

# make fuzz (emul/emul.mk) boots the ISO for its request fuzzer.
fuzz: $(BUILD)/barekvm.iso

clean:
	rm -rf $(BUILD)/hv $(BUILD)/host $(BUILD)/iso $(BUILD)/*.elf $(BUILD)/*.iso \
	       $(BUILD)/modules $(BUILD)/ctl $(BUILD)/test-logs $(BUILD)/guests $(BUILD)/linux

-include $(HV_OBJS:.o=.d)
