# The system tests' guest images (docs/test-guests.md), built into
# $(BUILD)/guests/. Included from the top-level Makefile; works on its own
# too: `make -f guests/tests/tests.mk test-guests`.
#
#   make test-guests        $(TEST_GUESTS): real.bin, prot32.bin, long64.bin
#                           (flat images), mbhello.elf (multiboot v1 ELF32),
#                           bench.bin, bench32.bin, pfbench.bin, and the ABI guests mmio, irq, irqreal,
#                           dirty, paging, triple, msr, spin, hostile, events,
#                           cpuwalk, task, nmi, vm86, modeswitch, ptattack, ptattack32,
#                           memtouch, memtouch32
#                           (flat images), and
#                           echo.bin for the console tests (in the ISO's files,
#                           not in boot/grub.cfg: test_console.py adds it)
#   make test-guests-qemu   boot mbhello.elf with QEMU's own multiboot loader
#                           (-kernel) and check its output and exit status
#   make test-guests-clean  remove $(BUILD)/guests
#
# Each image also exists as an ELF with symbols and DWARF under
# $(BUILD)/guests/obj/ for objdump and gdb (real.elf: objdump -m i8086).

BUILD   ?= build
CC      ?= gcc
TG_LD      := ld
TG_OBJCOPY := objcopy
TG_QEMU    ?= qemu-system-x86_64

# Including this file must not change the includer's default goal.
TG_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

TG_DIR := guests/tests
TG_OUT := $(BUILD)/guests
TG_OBJ := $(TG_OUT)/obj

# The guests of the kvm.h ABI tests (tests/system/test_abi_*.py).
TG_ABI_GUESTS := $(TG_OUT)/mmio.bin $(TG_OUT)/irq.bin $(TG_OUT)/irqreal.bin \
                 $(TG_OUT)/dirty.bin $(TG_OUT)/paging.bin $(TG_OUT)/triple.bin \
                 $(TG_OUT)/msr.bin $(TG_OUT)/spin.bin $(TG_OUT)/hostile.bin \
                 $(TG_OUT)/events.bin \
                 $(TG_OUT)/echo.bin $(TG_OUT)/cpuwalk.bin $(TG_OUT)/task.bin \
                 $(TG_OUT)/nmi.bin \
                 $(TG_OUT)/vm86.bin $(TG_OUT)/modeswitch.bin $(TG_OUT)/ptattack.bin \
                 $(TG_OUT)/ptattack32.bin $(TG_OUT)/memtouch.bin $(TG_OUT)/memtouch32.bin
TEST_GUESTS := $(TG_OUT)/real.bin $(TG_OUT)/prot32.bin $(TG_OUT)/long64.bin \
               $(TG_OUT)/mbhello.elf $(TG_OUT)/bench.bin $(TG_OUT)/bench32.bin \
               $(TG_OUT)/pfbench.bin $(TG_ABI_GUESTS)

TG_GCC_INCLUDE := $(shell $(CC) -print-file-name=include)

# Freestanding, no SSE or x87 (the VMM need not enable them), no CET notes,
# no unwind tables; GCC must not turn loops into memset/memcpy calls.
TG_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding \
             -fno-pic -fno-pie -fno-stack-protector -fcf-protection=none \
             -fno-asynchronous-unwind-tables -fno-unwind-tables \
             -fno-tree-loop-distribute-patterns -mgeneral-regs-only \
             -nostdinc -isystem $(TG_GCC_INCLUDE) -I $(TG_DIR)/lib -MMD -MP
TG_CFLAGS_32 := -m32 -march=i686
TG_CFLAGS_64 := -m64 -mno-red-zone -mcmodel=small
TG_ASFLAGS   := -nostdinc -MMD -MP
# Any linker warning, or any section a link map does not place, fails the build.
TG_LDFLAGS := -nostdlib -static --build-id=none -z noexecstack \
              -z max-page-size=0x1000 --fatal-warnings --orphan-handling=warn \
              -L $(TG_DIR)

TG_LIB      := console format check string
TG_LIB_32   := $(patsubst %,$(TG_OBJ)/32/lib/%.o,$(TG_LIB))
TG_LIB_64   := $(patsubst %,$(TG_OBJ)/64/lib/%.o,$(TG_LIB))
TG_LIB_16   := $(patsubst %,$(TG_OBJ)/16/lib/%.o,$(TG_LIB))
TG_IDT_32   := $(TG_OBJ)/32/lib/idt.o $(TG_OBJ)/32/lib/isr.o
TG_IDT_64   := $(TG_OBJ)/64/lib/idt.o $(TG_OBJ)/64/lib/isr.o
# 16/: C for real mode (gcc -m16: 32-bit code with operand and address size
# prefixes, run in a 16-bit code segment), for irqreal.bin.
TG_CFLAGS_16 := -m16 -march=i386

TG_REAL_OBJS    := $(TG_OBJ)/32/real/real.o
TG_MODESWITCH_OBJS := $(TG_OBJ)/32/modeswitch/modeswitch.o
TG_PROT32_OBJS  := $(TG_OBJ)/32/prot32/entry.o $(TG_OBJ)/32/prot32/main.o \
                   $(TG_OBJ)/32/lib/common_checks.o $(TG_LIB_32)
TG_LONG64_OBJS  := $(TG_OBJ)/64/long64/entry.o $(TG_OBJ)/64/long64/main.o \
                   $(TG_OBJ)/64/lib/common_checks.o $(TG_LIB_64)
TG_BENCH_OBJS   := $(TG_OBJ)/64/long64/entry.o $(TG_OBJ)/64/bench/main.o \
                   $(TG_LIB_64)
TG_BENCH32_OBJS := $(TG_OBJ)/32/prot32/entry.o $(TG_OBJ)/32/bench/main.o \
                   $(TG_LIB_32)
TG_PFBENCH_OBJS := $(TG_OBJ)/64/long64/entry.o $(TG_OBJ)/64/pfbench/main.o \
                   $(TG_OBJ)/64/pfbench/spaces.o $(TG_IDT_64) $(TG_LIB_64)
TG_MBHELLO_OBJS := $(TG_OBJ)/32/mbhello/entry.o $(TG_OBJ)/32/mbhello/main.o \
                   $(TG_LIB_32)
TG_MMIO_OBJS    := $(TG_OBJ)/64/long64/entry.o $(TG_OBJ)/64/mmio/main.o \
                   $(TG_OBJ)/64/mmio/gpr_forms.o $(TG_OBJ)/64/mmio/grp15_forms.o \
                   $(TG_IDT_64) \
                   $(TG_OBJ)/64/lib/map_mmiotest.o $(TG_LIB_64)
TG_IRQ_OBJS     := $(TG_OBJ)/32/prot32/entry.o $(TG_OBJ)/32/irq/main.o $(TG_IDT_32) \
                   $(TG_LIB_32)
TG_IRQREAL_OBJS := $(TG_OBJ)/16/irqreal/entry.o $(TG_OBJ)/16/irqreal/main.o $(TG_LIB_16)
TG_DIRTY_OBJS   := $(TG_OBJ)/32/prot32/entry.o $(TG_OBJ)/32/dirty/main.o $(TG_LIB_32)
TG_PAGING_OBJS  := $(TG_OBJ)/32/prot32/entry.o $(TG_OBJ)/32/paging/main.o $(TG_LIB_32)
TG_TRIPLE_OBJS  := $(TG_OBJ)/32/prot32/entry.o $(TG_OBJ)/32/triple/main.o $(TG_LIB_32)
TG_MSR_OBJS     := $(TG_OBJ)/64/long64/entry.o $(TG_OBJ)/64/msr/main.o $(TG_IDT_64) \
                   $(TG_LIB_64)
TG_EVENTS_OBJS  := $(TG_OBJ)/64/long64/entry.o $(TG_OBJ)/64/events/main.o $(TG_IDT_64) \
                   $(TG_OBJ)/64/lib/map_mmiotest.o \
                   $(TG_LIB_64)
TG_SPIN_OBJS    := $(TG_OBJ)/32/prot32/entry.o $(TG_OBJ)/32/spin/main.o $(TG_LIB_32)
TG_ECHO_OBJS    := $(TG_OBJ)/32/prot32/entry.o $(TG_OBJ)/32/echo/main.o $(TG_LIB_32)
TG_HOSTILE_OBJS := $(TG_OBJ)/64/hostile/entry.o $(TG_OBJ)/64/hostile/main.o \
                   $(TG_OBJ)/64/hostile/storm_ac.o $(TG_IDT_64) $(TG_LIB_64)
TG_CPUWALK_OBJS := $(TG_OBJ)/64/long64/entry.o \
                   $(patsubst %,$(TG_OBJ)/64/cpuwalk/%.o,main insn insn_ext system paging ring3) \
                   $(TG_IDT_64) $(TG_LIB_64)
TG_NMI_OBJS     := $(TG_OBJ)/32/prot32/entry.o $(TG_OBJ)/32/nmi/main.o $(TG_IDT_32) \
                   $(TG_LIB_32)
TG_TASK_OBJS    := $(TG_OBJ)/32/prot32/entry.o $(TG_OBJ)/32/task/main.o \
                   $(TG_OBJ)/32/task/tasks.o $(TG_IDT_32) $(TG_LIB_32)
TG_VM86_OBJS    := $(TG_OBJ)/32/prot32/entry.o $(TG_OBJ)/32/vm86/main.o $(TG_OBJ)/32/vm86/fxsr.o \
                   $(TG_OBJ)/32/vm86/vm86.o $(TG_IDT_32) $(TG_LIB_32)
TG_PTATTACK_OBJS := $(TG_OBJ)/64/long64/entry.o \
                    $(patsubst %,$(TG_OBJ)/64/ptattack/%.o,main probe outside recursive rewrite huge mmio_tables) \
                    $(TG_IDT_64) $(TG_LIB_64)
TG_PTATTACK32_OBJS := $(TG_OBJ)/32/prot32/entry.o \
                      $(patsubst %,$(TG_OBJ)/32/ptattack/%.o,main32 probe legacy32 pae) \
                      $(TG_IDT_32) $(TG_LIB_32)
TG_MEMTOUCH_OBJS := $(TG_OBJ)/64/long64/entry.o \
                    $(patsubst %,$(TG_OBJ)/64/memtouch/%.o,main64 long sweep tables) \
                    $(TG_LIB_64)
TG_MEMTOUCH32_OBJS := $(TG_OBJ)/32/prot32/entry.o \
                      $(patsubst %,$(TG_OBJ)/32/memtouch/%.o,main32 legacy sweep tables) \
                      $(TG_LIB_32)
TG_ALL_OBJS := $(TG_NMI_OBJS) $(TG_MEMTOUCH_OBJS) $(TG_MEMTOUCH32_OBJS) $(TG_PTATTACK_OBJS) $(TG_PTATTACK32_OBJS) $(TG_VM86_OBJS) $(TG_TASK_OBJS) $(TG_REAL_OBJS) $(TG_PROT32_OBJS) $(TG_LONG64_OBJS) $(TG_MBHELLO_OBJS) \
               $(TG_BENCH_OBJS) $(TG_MMIO_OBJS) $(TG_IRQ_OBJS) $(TG_IRQREAL_OBJS) \
               $(TG_DIRTY_OBJS) $(TG_PAGING_OBJS) $(TG_TRIPLE_OBJS) $(TG_MSR_OBJS) \
               $(TG_SPIN_OBJS) $(TG_ECHO_OBJS) $(TG_BENCH32_OBJS) $(TG_HOSTILE_OBJS) \
               $(TG_EVENTS_OBJS) $(TG_CPUWALK_OBJS) $(TG_MODESWITCH_OBJS) \
               $(TG_PFBENCH_OBJS)

.PHONY: test-guests test-guests-qemu test-guests-clean
test-guests: $(TEST_GUESTS)

# 32/ objects are ELF32 (real.S is .code16 inside an ELF32 object), 64/ ELF64.
$(TG_OBJ)/32/%.o: $(TG_DIR)/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(TG_CFLAGS) $(TG_CFLAGS_32) -c $< -o $@

$(TG_OBJ)/64/%.o: $(TG_DIR)/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(TG_CFLAGS) $(TG_CFLAGS_64) -c $< -o $@

$(TG_OBJ)/32/%.o: $(TG_DIR)/%.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(TG_ASFLAGS) -m32 -c $< -o $@

$(TG_OBJ)/16/%.o: $(TG_DIR)/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(TG_CFLAGS) $(TG_CFLAGS_16) -c $< -o $@

$(TG_OBJ)/16/%.o: $(TG_DIR)/%.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(TG_ASFLAGS) -m32 -c $< -o $@

$(TG_OBJ)/64/%.o: $(TG_DIR)/%.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(TG_ASFLAGS) -m64 -c $< -o $@

$(TG_OBJ)/real.elf: $(TG_REAL_OBJS) $(TG_DIR)/real/real.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/real/real.ld -o $@ $(TG_REAL_OBJS)

$(TG_OBJ)/modeswitch.elf: $(TG_MODESWITCH_OBJS) $(TG_DIR)/modeswitch/modeswitch.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/modeswitch/modeswitch.ld -o $@ $(TG_MODESWITCH_OBJS)

$(TG_OBJ)/prot32.elf: $(TG_PROT32_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_PROT32_OBJS)

$(TG_OBJ)/long64.elf: $(TG_LONG64_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_x86_64 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_LONG64_OBJS)

$(TG_OBJ)/bench.elf: $(TG_BENCH_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_x86_64 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_BENCH_OBJS)

$(TG_OBJ)/bench32.elf: $(TG_BENCH32_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_BENCH32_OBJS)

$(TG_OBJ)/pfbench.elf: $(TG_PFBENCH_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_x86_64 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_PFBENCH_OBJS)

# The ABI test guests: flat images like prot32.bin / long64.bin (flat.ld),
# irqreal.bin like real.bin (irqreal/irqreal.ld).
$(TG_OBJ)/mmio.elf: $(TG_MMIO_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_x86_64 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_MMIO_OBJS)

$(TG_OBJ)/msr.elf: $(TG_MSR_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_x86_64 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_MSR_OBJS)

$(TG_OBJ)/events.elf: $(TG_EVENTS_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_x86_64 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_EVENTS_OBJS)

$(TG_OBJ)/hostile.elf: $(TG_HOSTILE_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_x86_64 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_HOSTILE_OBJS)

$(TG_OBJ)/cpuwalk.elf: $(TG_CPUWALK_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_x86_64 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_CPUWALK_OBJS)

$(TG_OBJ)/ptattack.elf: $(TG_PTATTACK_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_x86_64 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_PTATTACK_OBJS)

$(TG_OBJ)/ptattack32.elf: $(TG_PTATTACK32_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_PTATTACK32_OBJS)

$(TG_OBJ)/memtouch.elf: $(TG_MEMTOUCH_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_x86_64 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_MEMTOUCH_OBJS)

$(TG_OBJ)/memtouch32.elf: $(TG_MEMTOUCH32_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_MEMTOUCH32_OBJS)

$(TG_OBJ)/irq.elf: $(TG_IRQ_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_IRQ_OBJS)

$(TG_OBJ)/nmi.elf: $(TG_NMI_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_NMI_OBJS)

$(TG_OBJ)/task.elf: $(TG_TASK_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_TASK_OBJS)

$(TG_OBJ)/vm86.elf: $(TG_VM86_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_VM86_OBJS)

$(TG_OBJ)/dirty.elf: $(TG_DIRTY_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_DIRTY_OBJS)

$(TG_OBJ)/paging.elf: $(TG_PAGING_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_PAGING_OBJS)

$(TG_OBJ)/triple.elf: $(TG_TRIPLE_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_TRIPLE_OBJS)

$(TG_OBJ)/spin.elf: $(TG_SPIN_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_SPIN_OBJS)

$(TG_OBJ)/echo.elf: $(TG_ECHO_OBJS) $(TG_DIR)/flat.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/flat.ld -o $@ $(TG_ECHO_OBJS)

$(TG_OBJ)/irqreal.elf: $(TG_IRQREAL_OBJS) $(TG_DIR)/irqreal/irqreal.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/irqreal/irqreal.ld -o $@ $(TG_IRQREAL_OBJS)

$(TG_OUT)/%.bin: $(TG_OBJ)/%.elf
	@$(if $(Q),echo "  OBJCOPY $@")
	$(Q)$(TG_OBJCOPY) -O binary $< $@

$(TG_OUT)/mbhello.elf: $(TG_MBHELLO_OBJS) $(TG_DIR)/mbhello/mbhello.ld $(TG_DIR)/debug-sections.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(TG_LD) -m elf_i386 $(TG_LDFLAGS) -T $(TG_DIR)/mbhello/mbhello.ld -o $@ $(TG_MBHELLO_OBJS)

# mbhello.elf on QEMU's multiboot loader, with tools/hello-module.txt as its
# module: every line must pass and the exit status must be (0 << 1) | 1.
TG_QEMU_LOG := $(TG_OUT)/mbhello-qemu.log
test-guests-qemu: $(TG_OUT)/mbhello.elf tools/hello-module.txt
	@rc=0; timeout 60 $(TG_QEMU) -machine pc -m 128 -display none -no-reboot \
	  -serial file:$(TG_QEMU_LOG) -monitor none \
	  -device isa-debug-exit,iobase=0xf4,iosize=4 \
	  -kernel $< -append "mbhello greeting=world" \
	  -initrd "tools/hello-module.txt hello greeting=world" || rc=$$?; \
	cat $(TG_QEMU_LOG); \
	if [ $$rc -ne 1 ] || grep -q '^mbhello: FAIL' $(TG_QEMU_LOG) || \
	   ! grep -q "^mbhello: module 0: first line='$$(head -n1 tools/hello-module.txt)'" $(TG_QEMU_LOG) || \
	   ! grep -q '^mbhello: PASS [0-9]*/[0-9]*' $(TG_QEMU_LOG); then \
	  echo "test-guests-qemu: FAILED (QEMU exit status $$rc, want 1)"; exit 1; fi; \
	echo "test-guests-qemu: mbhello.elf passed on QEMU's multiboot loader"

test-guests-clean:
	rm -rf $(TG_OUT)

-include $(TG_ALL_OBJS:.o=.d)

.DEFAULT_GOAL := $(TG_SAVED_DEFAULT_GOAL)
