/*
 * The boot sequence, entered from boot/entry.S in long mode on the boot
 * stack with interrupts off: console, descriptor tables, boot information,
 * memory, CPU features; then (later steps) the virtualization backend and
 * the control partition.
 */
#include "core/lib.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/multiboot2.h"
#include "core/cmdline.h"
#include "core/selftest.h"
#include "core/ctl.h"
#include "core/vm.h"
#include "core/fpu.h"
#include "arch/x86/cpu.h"
#include "arch/x86/cpu_features.h"
#include "core/cpuid.h"
#include "request/ctl_run.h"
#include "arch/x86/desc.h"
#include "arch/x86/serial.h"
#include "arch/x86/virt.h"
#include "arch/x86/lapic.h"
#include "arch/x86/tsc.h"
#include "arch/x86/cmos_clock.h"
#include "arch/x86/pic.h"

#define BAREKVM_VERSION "0.1"
#define CTL_MEM_DEFAULT_MIB 64
#define CTL_MEM_MIN_MIB 8
#define CTL_MEM_MAX_MIB 2048

static struct boot_info boot_info;
static struct cpu_features cpu_features;

static void print_boot_info(const struct boot_info *bi)
{
	printk("boot: loaded by %s, command line \"%s\"\n", bi->loader_name,
	       bi->cmdline);
	if (bi->has_efi64 || bi->has_efi32)
		printk("boot: firmware UEFI (%s system table at %#lx)\n",
		       bi->has_efi64 ? "64-bit" : "32-bit", bi->efi_system_table);
	else
		printk("boot: firmware BIOS\n");
	if (bi->has_acpi_rsdp)
		printk("boot: ACPI RSDP copy at %#lx\n", bi->acpi_rsdp_addr);
}

/* Guest images are numbered as the control partition's `modules` and
 * `load` number them: from 0, the control partition's own module aside. */
static void print_modules(const struct boot_info *bi)
{
	unsigned image = 0;
	bool ctl_seen = false;

	printk("modules: %u\n", bi->nmodules);
	for (unsigned i = 0; i < bi->nmodules; i++) {
		const struct boot_module *m = &bi->modules[i];

		if (!ctl_seen && ctl_module_is(m)) {
			ctl_seen = true;
			printk("module ctl: ");
		} else {
			printk("module %u: ", image++);
		}
		printk("%#lx-%#lx %lu bytes \"%s\"\n", m->start, m->end - 1,
		       m->end - m->start, m->cmdline);
	}
}

/* ctl_mem=MiB on the command line; the default when absent or invalid. */
static uint64_t ctl_mem_bytes(const char *cmdline)
{
	char val[16];
	uint64_t mib = 0;

	if (!cmdline_get(cmdline, "ctl_mem", val, sizeof(val)))
		return (uint64_t)CTL_MEM_DEFAULT_MIB << 20;
	for (const char *p = val; *p; p++) {
		if (*p < '0' || *p > '9' || mib > CTL_MEM_MAX_MIB) {
			mib = 0;
			break;
		}
		mib = mib * 10 + (uint64_t)(*p - '0');
	}
	if (mib < CTL_MEM_MIN_MIB || mib > CTL_MEM_MAX_MIB) {
		printk("boot: ctl_mem=%s is not a size in MiB between %d and %d; "
		       "using %d\n", val, CTL_MEM_MIN_MIB, CTL_MEM_MAX_MIB,
		       CTL_MEM_DEFAULT_MIB);
		mib = CTL_MEM_DEFAULT_MIB;
	}
	return mib << 20;
}

/* Turns on the backend and starts the control partition; returns if it
 * cannot start or stops. */
static void start_virtualization(void)
{
	virt = virt_select(&cpu_features);
	if (!virt)
		return;
	/* second-level page sizes: the backend's own capability, not the
	 * guest's (EPT reports them in IA32_VMX_EPT_VPID_CAP) */
	virt_slat_2m = cpu_features.has_svm ? cpu_features.svm.npt_2m
					    : cpu_features.vmx.ept_2m;
	virt_slat_1g = cpu_features.has_svm ? cpu_features.svm.npt_1g
					    : cpu_features.vmx.ept_1g;
	virt_shadow_paging = virt->shadow_paging;
	if (virt->cpu_enable(0)) {
		printk("virt: cannot enable %s on this CPU\n", virt->name);
		return;
	}
	printk("virt: using %s\n", virt->name);
	fpu_cpu_init();
	tsc_calibrate();
	tsc_aux_clear();
	cmos_clock_read();
	lapic_init();
	if (ctl_launch(&boot_info, ctl_mem_bytes(boot_info.cmdline),
		       cpu_features.pdpe1gb))
		return;
	ctl_run();
}

void boot_main(uint32_t magic, uint64_t info_addr)
{
	const char *err;
	char opt[32];

	serial_init(COM1_PORT);
	desc_init_cpu(0);
	pic_disable();
	printk("\nBareKVM %s: bare-metal hypervisor, kvm.h API version 4\n",
	       BAREKVM_VERSION);

	if (mb2_parse(magic, (const void *)info_addr, &boot_info, &err))
		panic("boot information rejected: %s (magic %#x, info at %#lx)",
		      err, magic, info_addr);
	print_boot_info(&boot_info);

	memory_init(&boot_info);
	memory_print(&boot_info);
	print_modules(&boot_info);

	cpu_features_detect(&cpu_features);
	cpu_features_print(&cpu_features);
	cpuid_init();

	if (cmdline_get(boot_info.cmdline, "selftest", opt, sizeof(opt)))
		selftest_run(opt);

	printk("BareKVM: boot complete, %lu frames free\n", page_free_count());
	start_virtualization();
	printk("BareKVM: nothing left to run; halting (%lu frames free)\n",
	       page_free_count());
	cpu_halt_forever();
}
