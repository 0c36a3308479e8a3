/*
 * The `load` command: a boot module into a VM's RAM, either as a flat
 * binary at a guest-physical address, or as a multiboot kernel with
 * modules and a command line, QEMU -kernel/-initrd/-append style, or a
 * Linux bzImage with an initrd and a command line (docs/control-partition.md,
 * "Running guests", "Linux guests"). Control partition only.
 */
#include <stdio.h>
#include <string.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/image_kind.h"
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

#define INITRD_PREFIX "initrd="

static const struct ctl_module *module(int i)
{
	return &ctl_boot->modules[i];
}

static const uint8_t *module_data(int i)
{
	return (const uint8_t *)(uintptr_t)module(i)->gpa;
}

static void module_name(int i, char *out, size_t cap)
{
	vmm_module_name(module(i)->cmdline, out, cap);
}

/* A load that boots (flat with a mode, multiboot) replaces the image
 * before it: its bytes are cleared, so nothing of the old one survives
 * beside or under the new one. A flat load without a mode only places
 * bytes (data for a guest already running) and clears nothing. */
static void clear_previous_image(struct vm *vm)
{
	uint8_t *p;

	if (!vm->loaded || vm->load_end <= vm->load_start)
		return;
	p = vm_ram_ptr(vm, vm->load_start, vm->load_end - vm->load_start);
	if (!p)
		return;                 /* no longer mapped: not ours to touch */
	memset(p, 0, vm->load_end - vm->load_start);
	printf("vm %d: cleared the previous image, %s (0x%llx-0x%llx)\n",
	       vm->index, vm->loaded_what, (unsigned long long)vm->load_start,
	       (unsigned long long)vm->load_end - 1);
	vm->loaded = false;
}

static int load_flat_cmd(struct vm *vm, int argc, char **argv)
{
	struct guest_ram ram = vm_guest_ram(vm);
	struct load_error err;
	enum cpu_mode mode = CPU_MODE_REAL;
	char name[32];
	uint64_t gpa;
	int m;

	if (argc < 5 || argc > 6) {
		ctl_print_usage("load");
		return 1;
	}
	m = ctl_module_arg(argv[3]);
	if (m < 0)
		return 1;
	/* Text, an ELF file or a bzImage is clearly not raw code: running
	 * one would only fault (see `modules` for what each module is). */
	enum image_kind kind = image_kind_of(module_data(m), module(m)->size);
	if (kind != IMAGE_FLAT) {
		printf("error: module '%s' is %s, not a flat binary (see "
		       "'modules')%s\n", argv[3], image_kind_name(kind),
		       kind == IMAGE_BZIMAGE ? ": use 'load N linux'" : "");
		return 1;
	}
	if (vmm_parse_u64(argv[4], &gpa) < 0) {
		printf("error: '%s' is not an address\n", argv[4]);
		return 1;
	}
	if (argc == 6 && cpu_mode_parse(argv[5], &mode) < 0) {
		printf("error: mode '%s' is not real, prot32 or long64\n", argv[5]);
		return 1;
	}
	if (!ctl_ram_mapped(vm, gpa, module(m)->size))
		return 1;
	if (argc == 6 && range_inside(gpa, module(m)->size, ram.bytes))
		clear_previous_image(vm);
	if (flat_load(&ram, module_data(m), module(m)->size, gpa, &err) < 0) {
		printf("error: %s\n", err.msg);
		return 1;
	}
	module_name(m, name, sizeof(name));
	vm->loaded = true;
	vm->load_start = gpa;
	vm->load_end = gpa + module(m)->size;
	vm->entry = gpa;
	snprintf(vm->loaded_what, sizeof(vm->loaded_what), "flat '%s' at 0x%llx",
		 name, (unsigned long long)gpa);
	printf("vm %d: loaded '%s' (%llu bytes) at 0x%llx\n", vm->index, name,
	       (unsigned long long)module(m)->size, (unsigned long long)gpa);
	if (argc == 6)
		return ctl_vcpu_mode(vm, mode, gpa) < 0;
	return 0;
}

/* initrd=A,B,C: module references separated by commas. */
static int parse_initrd(const char *list, struct mb_module *mods, unsigned *nmods)
{
	char buf[CLI_LINE_BYTES];
	char *save = NULL, *ref;

	snprintf(buf, sizeof(buf), "%s", list);
	*nmods = 0;
	for (ref = strtok_r(buf, ",", &save); ref; ref = strtok_r(NULL, ",", &save)) {
		int m = ctl_module_arg(ref);

		if (m < 0)
			return -1;
		if (*nmods == MB_MAX_MODULES) {
			printf("error: at most %u modules\n", MB_MAX_MODULES);
			return -1;
		}
		mods[*nmods].data = module_data(m);
		mods[*nmods].size = module(m)->size;
		mods[*nmods].cmdline = module(m)->cmdline;
		(*nmods)++;
	}
	if (*nmods == 0) {
		printf("error: initrd= names no module\n");
		return -1;
	}
	return 0;
}

/* KVM_SET_SREGS, KVM_SET_REGS, then no event, NMI or shadow left from
 * what ran before (KVM_SET_VCPU_EVENTS); prints the failing request. */
static int set_vcpu_state(struct vm *vm, struct kvm_regs *regs,
			  struct kvm_sregs *sregs)
{
	int r = kvm_set_sregs(vm->vcpu_fd, sregs);

	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_SET_SREGS", -r);
		return -1;
	}
	r = kvm_set_regs(vm->vcpu_fd, regs);
	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_SET_REGS", -r);
		return -1;
	}
	return ctl_clear_events(vm);
}

/* Kernels (multiboot, Linux) get the real clock: the TSC's time, as on a
 * machine (vmm_clock.c); flat test guests keep the virtual one, which
 * makes their runs deterministic. */
static void real_clock(struct vm *vm)
{
	if (!vmm_clock_set_real(vm, true))
		printf("warning: the hypervisor gives no TSC frequency: vm %d's clock stays virtual "
		       "and a kernel may hang waiting for its timers\n", vm->index);
}

/* load N multiboot|linux MODULE ...: the module, once the VM's RAM is all
 * mapped (a kernel loader may use any of it); -1 after saying why not. */
static int kernel_module_arg(struct vm *vm, int argc, char **argv)
{
	if (argc < 4) {
		ctl_print_usage("load");
		return -1;
	}
	if (!ctl_ram_mapped(vm, 0, vm->ram_bytes))
		return -1;
	return ctl_module_arg(argv[3]);
}

/* The kernel's command line: the module's default arguments, then the
 * words typed after MODULE (and initrd=), as QEMU's -append follows them.
 * 0, or -1 after saying the words do not fit. */
static int kernel_cmdline(const char *defaults, int nwords, char **words,
			  char *cmdline, size_t cap)
{
	char joined[CLI_LINE_BYTES];

	if (vmm_join_words(nwords, words, joined, sizeof(joined)) < 0) {
		printf("error: command line too long\n");
		return -1;
	}
	snprintf(cmdline, cap, "%.*s%s%s", CTL_CMDLINE_BYTES, defaults,
		 defaults[0] && joined[0] ? " " : "", joined);
	return 0;
}

/* The firmware tables that describe the VM's PC: the MP table (with the
 * CPU signature the guest's CPUID reports, leaf 1) and ACPI's (the MADT
 * says the same; the FADT adds the PM timer and S5 power-off). */
static int write_firmware_tables(struct guest_ram *ram, struct load_error *err)
{
	uint32_t leaf1[4], rsdp;

	vmm_ctl_host.cpuid(1, 0, leaf1);
	if (mptable_write(ram, MPTABLE_GPA, leaf1[0], leaf1[3], err) < 0)
		return -1;
	return acpi_tables_write(ram, ACPI_RSDP_GPA, &rsdp, err);
}

static int load_multiboot_cmd(struct vm *vm, int argc, char **argv)
{
	struct guest_ram ram = vm_guest_ram(vm);
	struct mb_module mods[MB_MAX_MODULES];
	char cmdline[CTL_CMDLINE_BYTES + CLI_LINE_BYTES + 2];
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct load_error err;
	struct mb_boot boot;
	unsigned nmods = 0;
	char name[32];
	int m, first = 4, r;

	m = kernel_module_arg(vm, argc, argv);
	if (m < 0)
		return 1;
	if (image_kind_of(module_data(m), module(m)->size) == IMAGE_BZIMAGE) {
		printf("error: module '%s' is a Linux bzImage, not a multiboot "
		       "kernel: use 'load N linux'\n", argv[3]);
		return 1;
	}
	if (argc > 4 && strncmp(argv[4], INITRD_PREFIX, strlen(INITRD_PREFIX)) == 0) {
		if (parse_initrd(argv[4] + strlen(INITRD_PREFIX), mods, &nmods) < 0)
			return 1;
		first = 5;
	}
	/* QEMU passes "<kernel file> <-append>"; the module's own GRUB
	 * command line plays the file name (and default arguments). */
	if (kernel_cmdline(module(m)->cmdline, argc - first, argv + first, cmdline,
			   sizeof(cmdline)) < 0)
		return 1;

	r = kvm_get_sregs(vm->vcpu_fd, &sregs);
	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_GET_SREGS", -r);
		return 1;
	}
	clear_previous_image(vm);
	/* The firmware tables first, in the reserved [640 KiB, 1 MiB) of the
	 * memory map, as a PC's BIOS leaves them for the kernel QEMU's
	 * -kernel starts (a kernel segment placed there wins). */
	if (write_firmware_tables(&ram, &err) < 0 ||
	    mb_load(&ram, module_data(m), module(m)->size, cmdline, mods, nmods,
		    &boot, &err) < 0) {
		printf("error: %s\n", err.msg);
		return 1;
	}
	cpu_setup_multiboot(boot.entry, boot.mbi_gpa, &regs, &sregs);
	if (set_vcpu_state(vm, &regs, &sregs) < 0)
		return 1;
	vm->resume_emulated = vm->resume_mmio = false;
	/* a kernel of one's own (kvm-unit-tests' apic: a one-shot APIC timer
	 * and a loop without exits until it fires) waits for time as Linux
	 * does; the virtual clock stands still in such a loop */
	real_clock(vm);
	module_name(m, name, sizeof(name));
	vm->loaded = true;
	vm->load_start = boot.kernel_start;
	vm->load_end = boot.kernel_end;
	vm->entry = boot.entry;
	snprintf(vm->loaded_what, sizeof(vm->loaded_what), "multiboot '%s'", name);
	if (boot.video_ignored)
		printf("vm %d: warning: '%s' asks for a video mode; there is none\n",
		       vm->index, name);
	printf("vm %d: multiboot '%s'%s: kernel 0x%x-0x%x, entry 0x%x, mbi 0x%x, %u module%s, cmdline '%s'\n",
	       vm->index, name, boot.aout_kludge ? " (a.out kludge)" : " (ELF)",
	       boot.kernel_start, boot.kernel_end, boot.entry, boot.mbi_gpa,
	       nmods, nmods == 1 ? "" : "s", cmdline);
	for (unsigned i = 0; i < nmods; i++)
		printf("  module %u: 0x%x-0x%x '%s'\n", i, boot.mod_start[i],
		       boot.mod_end[i], mods[i].cmdline);
	return 0;
}

/* load N linux MODULE [initrd=MOD] [cmdline...]: the kernel's command
 * line is the module's GRUB arguments after its name, then the words after
 * MODULE (and initrd=), as QEMU's -append. */
static int load_linux_cmd(struct vm *vm, int argc, char **argv)
{
	struct guest_ram ram = vm_guest_ram(vm);
	char cmdline[CTL_CMDLINE_BYTES + CLI_LINE_BYTES + 2];
	const uint8_t *initrd = NULL;
	uint64_t initrd_len = 0;
	struct linux_boot boot;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct load_error err;
	char name[32];
	int m, first = 4, r;

	m = kernel_module_arg(vm, argc, argv);
	if (m < 0)
		return 1;
	if (argc > 4 && strncmp(argv[4], INITRD_PREFIX, strlen(INITRD_PREFIX)) == 0) {
		int i = ctl_module_arg(argv[4] + strlen(INITRD_PREFIX));

		if (i < 0)
			return 1;
		initrd = module_data(i);
		initrd_len = module(i)->size;
		first = 5;
	}
	if (kernel_cmdline(vmm_module_args(module(m)->cmdline), argc - first,
			   argv + first, cmdline, sizeof(cmdline)) < 0)
		return 1;
	r = kvm_get_sregs(vm->vcpu_fd, &sregs);
	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_GET_SREGS", -r);
		return 1;
	}
	/* Checked before anything is cleared or written. */
	if (linux_parse_header(module_data(m), module(m)->size, &boot.hdr, &err) < 0) {
		printf("error: module '%s': %s\n", argv[3], err.msg);
		return 1;
	}
	clear_previous_image(vm);
	if (linux_load(&ram, module_data(m), module(m)->size, cmdline, initrd,
		       initrd_len, &boot, &err) < 0 ||
	    write_firmware_tables(&ram, &err) < 0) {
		printf("error: %s\n", err.msg);
		return 1;
	}
	cpu_setup_linux32(&boot, &regs, &sregs);
	if (set_vcpu_state(vm, &regs, &sregs) < 0)
		return 1;
	vm->resume_emulated = vm->resume_mmio = false;
	/* Linux calibrates its TSC and APIC timer against the PIT and busy-
	 * waits without exits: it needs time that passes (vmm_clock.c) */
	real_clock(vm);
	module_name(m, name, sizeof(name));
	vm->loaded = true;
	vm->load_start = boot.kernel_gpa;
	vm->load_end = boot.kernel_gpa + boot.hdr.kernel_bytes;
	vm->entry = boot.kernel_gpa;
	snprintf(vm->loaded_what, sizeof(vm->loaded_what), "linux '%s'", name);
	printf("vm %d: linux '%s' (boot protocol %u.%02u): kernel 0x%x (up to 0x%x), initrd 0x%x-0x%x, cmdline 0x%x '%s', zero page 0x%x, MP table 0x%x, ACPI RSDP 0x%x\n",
	       vm->index, name, boot.hdr.version >> 8, boot.hdr.version & 0xff,
	       boot.kernel_gpa, boot.kernel_end, boot.initrd_gpa,
	       boot.initrd_gpa + boot.initrd_bytes, boot.cmdline_gpa, cmdline,
	       boot.zero_page_gpa, MPTABLE_GPA, ACPI_RSDP_GPA);
	return 0;
}

/* load N kernel MODULE ...: `linux` for a bzImage, `multiboot` for a
 * multiboot kernel, as the module's bytes say (make run KERNEL=). */
static int load_kernel_cmd(struct vm *vm, int argc, char **argv)
{
	enum image_kind kind;
	int m;

	if (argc < 4) {
		ctl_print_usage("load");
		return 1;
	}
	m = ctl_module_arg(argv[3]);
	if (m < 0)
		return 1;
	kind = image_kind_of(module_data(m), module(m)->size);
	if (kind == IMAGE_BZIMAGE)
		return load_linux_cmd(vm, argc, argv);
	if (kind == IMAGE_MULTIBOOT)
		return load_multiboot_cmd(vm, argc, argv);
	printf("error: module '%s' is a %s, not a bzImage or a multiboot kernel\n",
	       argv[3], image_kind_name(kind));
	return 1;
}

static int cmd_load(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);

	if (!vm)
		return 1;
	if (strcmp(argv[2], "flat") == 0)
		return load_flat_cmd(vm, argc, argv);
	if (strcmp(argv[2], "multiboot") == 0)
		return load_multiboot_cmd(vm, argc, argv);
	if (strcmp(argv[2], "linux") == 0)
		return load_linux_cmd(vm, argc, argv);
	if (strcmp(argv[2], "kernel") == 0)
		return load_kernel_cmd(vm, argc, argv);
	printf("error: image type '%s' is not flat, multiboot, linux or kernel\n", argv[2]);
	return 1;
}

const struct cli_command ctl_load_commands[] = {
	{ "load", "load N flat MODULE GPA [real|prot32|long64] | "
	  "load N multiboot MODULE [initrd=MOD[,MOD...]] [cmdline...] | "
	  "load N linux MODULE [initrd=MOD] [cmdline...] | "
	  "load N kernel MODULE [initrd=MOD] [cmdline...]",
	  "load a boot module into VM N: a flat binary at GPA (then set up "
	  "the mode), a multiboot kernel with its modules and command line, "
	  "or a Linux bzImage with its initrd and command line; `kernel` "
	  "picks multiboot or linux from the module's bytes",
	  3, CLI_ARGS_ANY, cmd_load },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
