# The control partition (docs/control-partition.md): a freestanding 64-bit
# program on newlib, built into $(BUILD)/ctl/ctl.elf, and the host unit tests
# of its CLI logic. Included from the top-level Makefile; works on its own
# too: `make -f guests/ctl/ctl.mk ctl test-ctl`.
#
#   make ctl        $(BUILD)/ctl/ctl.elf (builds newlib once, into build/cache)
#   make test-ctl   host unit tests (cmocka, ASan + UBSan) of the CLI and VMM logic,
#                   and a check that guests/ctl/*.h compile on their own
#   make ctl-clean  remove $(BUILD)/ctl and the test binaries (not newlib)

BUILD   ?= build
CC      ?= gcc
HOST_CC ?= gcc

# Including this file must not change the includer's default goal, wherever
# the include line sits (restored at the end of the file).
CTL_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

include tools/newlib.mk

CTL_DIR   := guests/ctl
CTL_OUT   := $(BUILD)/ctl
CTL_ELF   := $(CTL_OUT)/ctl.elf
CTL_GCC_INCLUDE := $(shell $(CC) -print-file-name=include)

# Same ABI newlib was built with (tools/build-newlib.sh). SSE stays allowed:
# newlib's printf uses it, and the hypervisor enters with SSE enabled.
CTL_CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding \
               -mno-red-zone -fno-stack-protector -fno-pic -fno-pie -mcmodel=small \
               -nostdinc -isystem $(NEWLIB_INC) -isystem $(CTL_GCC_INCLUDE) \
               -I . -MMD -MP
CTL_ASFLAGS := -nostdinc -I . -MMD -MP
# --fatal-warnings and --orphan-handling=warn: any linker warning, or any
# section ctl.ld does not place, fails the build. Our .S files carry
# .note.GNU-stack; newlib's (memset.S, memcpy.S) do not, hence -z noexecstack
# (without it ld warns that they imply an executable stack).
CTL_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
               -Wl,--build-id=none -Wl,--fatal-warnings -Wl,--orphan-handling=warn \
               -T $(CTL_DIR)/ctl.ld
CTL_LIBS    := -L$(NEWLIB_LIB) -Wl,--start-group -lc -lm -lgcc -Wl,--end-group

CTL_SRCS_C := $(wildcard $(CTL_DIR)/*.c)
CTL_SRCS_S := $(wildcard $(CTL_DIR)/*.S)
# Objects keep their source suffix: hypercall.c and hypercall.S both exist.
CTL_OBJS   := $(patsubst $(CTL_DIR)/%,$(CTL_OUT)/%.o,$(CTL_SRCS_S) $(CTL_SRCS_C))

.PHONY: ctl test-ctl ctl-headers-check ctl-clean
ctl: $(CTL_ELF)

# Order-only on the stamp: newlib's headers must exist before any compile.
$(CTL_OUT)/%.c.o: $(CTL_DIR)/%.c | $(NEWLIB_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CTL_CFLAGS) -c $< -o $@

$(CTL_OUT)/%.S.o: $(CTL_DIR)/%.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(CTL_ASFLAGS) -c $< -o $@

$(CTL_ELF): $(CTL_OBJS) $(CTL_DIR)/ctl.ld $(NEWLIB_STAMP)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CTL_LDFLAGS) -o $@ $(CTL_OBJS) $(CTL_LIBS)

# ---- host unit tests of the CLI and VMM logic ------------------------------
CTL_TEST_OUT    := $(BUILD)/host/ctl
CTL_TEST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -I . -DHOST_TEST \
                   -fsanitize=address,undefined -fno-sanitize-recover=all \
                   -fno-omit-frame-pointer
CTL_TESTS := $(patsubst $(CTL_DIR)/tests/%.c,$(CTL_TEST_OUT)/%,$(wildcard $(CTL_DIR)/tests/test_*.c))

# Each test links the logic files it exercises: the ones that build for both
# the host and the target (no UART, no newlib-only calls).
$(CTL_TEST_OUT)/test_tokenize: $(CTL_DIR)/tokenize.c
$(CTL_TEST_OUT)/test_lineedit: $(CTL_DIR)/lineedit.c
$(CTL_TEST_OUT)/test_script:   $(CTL_DIR)/script.c $(CTL_DIR)/tokenize.c
$(CTL_TEST_OUT)/test_cli:      $(CTL_DIR)/cli.c $(CTL_DIR)/lineedit.c \
                               $(CTL_DIR)/tokenize.c $(CTL_DIR)/script.c
$(CTL_TEST_OUT)/test_io_bus:   $(CTL_DIR)/io_bus.c
$(CTL_TEST_OUT)/test_devices:  $(CTL_DIR)/dev_uart16550.c $(CTL_DIR)/dev_debugexit.c \
                               $(CTL_DIR)/dev_port80.c $(CTL_DIR)/dev_testdev.c \
                               $(CTL_DIR)/io_bus.c
$(CTL_TEST_OUT)/test_pic_pit:  $(CTL_DIR)/dev_pic8259.c $(CTL_DIR)/dev_pit8254.c \
                               $(CTL_DIR)/dev_mmiotest.c $(CTL_DIR)/io_bus.c
$(CTL_TEST_OUT)/test_apic:     $(CTL_DIR)/dev_lapic.c $(CTL_DIR)/dev_ioapic.c
$(CTL_TEST_OUT)/test_rtc:      $(CTL_DIR)/dev_rtc146818.c $(CTL_DIR)/io_bus.c
$(CTL_TEST_OUT)/test_i8042:    $(CTL_DIR)/dev_i8042.c $(CTL_DIR)/io_bus.c
$(CTL_TEST_OUT)/test_pci_cfg:  $(CTL_DIR)/dev_pci_cfg.c $(CTL_DIR)/io_bus.c
$(CTL_TEST_OUT)/test_string_io: $(CTL_DIR)/string_io.c
$(CTL_TEST_OUT)/test_multiboot: $(CTL_DIR)/load_multiboot.c $(CTL_DIR)/load_flat.c
$(CTL_TEST_OUT)/test_cpu_mode: $(CTL_DIR)/cpu_mode.c $(CTL_DIR)/load_flat.c
$(CTL_TEST_OUT)/test_vmm_args: $(CTL_DIR)/vmm_args.c
$(CTL_TEST_OUT)/test_image_kind: $(CTL_DIR)/image_kind.c
$(CTL_TEST_OUT)/test_linux_loader: $(CTL_DIR)/load_linux.c $(CTL_DIR)/mptable.c \
                                   $(CTL_DIR)/cpu_mode.c $(CTL_DIR)/load_flat.c
$(CTL_TEST_OUT)/test_acpi:     $(CTL_DIR)/acpi_tables.c $(CTL_DIR)/dev_acpi_pm.c \
                               $(CTL_DIR)/mptable.c $(CTL_DIR)/load_flat.c
# The client and the VMM above it, on the fake hypervisor (tests/fake_kvm.c).
CTL_VMM_SRCS := $(addprefix $(CTL_DIR)/,kvm_client.c kvm_names.c vm.c vmm_run.c vmm_clock.c vmm_cpuid.c vmm_timed.c \
                  vmm_report.c vmm_irq.c vmm_trace.c vmm_console.c guest_mem.c string_io.c io_bus.c \
                  dev_uart16550.c dev_debugexit.c dev_port80.c dev_pic8259.c \
                  dev_pit8254.c dev_mmiotest.c dev_testdev.c dev_rtc146818.c dev_i8042.c \
                  dev_pci_cfg.c dev_lapic.c dev_ioapic.c dev_acpi_pm.c acpi_tables.c \
                  mptable.c load_flat.c) $(CTL_DIR)/tests/fake_kvm.c
$(CTL_TEST_OUT)/test_kvm_client: $(CTL_DIR)/kvm_client.c $(CTL_DIR)/kvm_names.c \
                                 $(CTL_DIR)/tests/fake_kvm.c
$(CTL_TEST_OUT)/test_fuzzcode: $(CTL_DIR)/fuzzcode_machine.c $(CTL_DIR)/fuzzcode_guard.c \
                               $(CTL_DIR)/fuzzcode_code.c $(CTL_DIR)/kvm_client.c \
                               $(CTL_DIR)/kvm_names.c $(CTL_DIR)/tests/fake_kvm.c
$(CTL_TEST_OUT)/test_vmm_run:  $(CTL_VMM_SRCS)
$(CTL_TEST_OUT)/test_vmm_console: $(CTL_VMM_SRCS)

CTL_HOST_HEADERS := $(addprefix $(CTL_DIR)/,cli.h kvm_client.h io_bus.h devices.h apic.h \
                      loader.h vmm.h fuzzcode.h tests/fake_io.h tests/fake_kvm.h)

$(CTL_TEST_OUT)/%: $(CTL_DIR)/tests/%.c $(CTL_HOST_HEADERS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOST_CC) $(CTL_TEST_CFLAGS) -o $@ $(filter %.c,$^) -lcmocka

test-ctl: $(CTL_TESTS) ctl-headers-check
	@set -e; for t in $(CTL_TESTS); do echo "== $$t"; $$t; done

# Each header compiles on its own: the pure-logic ones for the host and the
# target, ctl.h (target only) with the target flags.
CTL_PURE_HEADERS := $(addprefix $(CTL_DIR)/,cli.h kvm_client.h io_bus.h devices.h apic.h \
                      loader.h vmm.h fuzzcode.h)
ctl-headers-check: | $(NEWLIB_STAMP)
	@set -e; for h in $(CTL_PURE_HEADERS); do \
	  echo '#include "'$$h'"' | $(HOST_CC) $(CTL_TEST_CFLAGS) -x c -fsyntax-only - ; done
	@set -e; for h in $(CTL_PURE_HEADERS) $(CTL_DIR)/ctl.h; do \
	  echo '#include "'$$h'"' | $(CC) $(CTL_CFLAGS) -MF /dev/null -x c -fsyntax-only - ; done

ctl-clean:
	rm -rf $(CTL_OUT) $(CTL_TEST_OUT)

-include $(CTL_OBJS:.o=.d)

.DEFAULT_GOAL := $(CTL_SAVED_DEFAULT_GOAL)
