/*
 * Initial vCPU state for flat and multiboot guests (loader.h): segment
 * registers, control registers, and for 64-bit guests an identity-mapped
 * page table, written into the vCPU's kvm_regs / kvm_sregs and guest RAM.
 * KVM_SET_SREGS loads segment registers with exactly the hidden state given
 * (docs/hypercall-abi.md, "Requests"), so no GDT is needed to *enter* a mode;
 * we still
 * write one for prot32/long64 so a guest that reloads a selector, or takes
 * an IRET, finds the same descriptors. Descriptor formats: Intel SDM Vol. 3A
 * 3.4.5; 4-level paging: 4.5. Control partition and host tests.
 */
#include <string.h>

#include "guests/ctl/loader.h"

#define GiB                     (1024ULL * 1024 * 1024)
#define MiB                     (1024ULL * 1024)
#define REAL_MODE_LIMIT         (1 * MiB)
#define LONG64_MAPPED_BYTES     (1 * GiB)

#define SEG_TYPE_CODE_XRA       0xb     /* execute/read, accessed */
#define SEG_TYPE_DATA_RWA       0x3     /* read/write, accessed */
#define SEG_TYPE_TSS_BUSY       0xb     /* 32/64-bit busy TSS (system) */

#define PTE_P   0x001ULL
#define PTE_RW  0x002ULL
#define PTE_PS  0x080ULL        /* 2 MiB page in a PD entry */

/* GDT descriptors: base 0, limit 0xfffff pages. */
#define GDT_CODE32 0x00cf9b000000ffffULL        /* G, D, P, DPL 0, code XRA */
#define GDT_DATA   0x00cf93000000ffffULL        /* G, B, P, DPL 0, data RWA */
#define GDT_CODE64 0x00af9b000000ffffULL        /* G, L, P, DPL 0, code XRA */

static const char *const mode_names[] = {
	[CPU_MODE_REAL] = "real",
	[CPU_MODE_PROT32] = "prot32",
	[CPU_MODE_LONG64] = "long64",
};

int cpu_mode_parse(const char *name, enum cpu_mode *mode)
{
	for (unsigned i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (strcmp(name, mode_names[i]) == 0) {
			*mode = (enum cpu_mode)i;
			return 0;
		}
	}
	return -1;
}

const char *cpu_mode_name(enum cpu_mode mode)
{
	return (unsigned)mode < sizeof(mode_names) / sizeof(mode_names[0]) ?
	       mode_names[mode] : "?";
}

static struct kvm_segment real_segment(uint16_t selector, uint8_t type)
{
	return (struct kvm_segment){
		.base = (uint64_t)selector << 4,
		.limit = 0xffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.s = 1,
	};
}

static struct kvm_segment flat_segment(uint16_t selector, uint8_t type, bool l)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.s = 1,
		.db = l ? 0 : 1,        /* L and D together are reserved */
		.l = l,
		.g = 1,
	};
}

static void set_data_segments(struct kvm_sregs *s, struct kvm_segment seg)
{
	s->ds = s->es = s->fs = s->gs = s->ss = seg;
}

/* A TR that VM entry accepts in every mode (SDM Vol. 3C 26.3.1.2). */
static void usable_tr(struct kvm_sregs *s)
{
	s->tr.type = SEG_TYPE_TSS_BUSY;
	s->tr.present = 1;
	s->tr.s = 0;
	s->tr.unusable = 0;
	if (s->tr.limit < 0x67)
		s->tr.limit = 0x67;
}

static void write_gdt(struct guest_ram *ram, struct kvm_sregs *s)
{
	const uint64_t gdt[4] = { 0, GDT_CODE32, GDT_DATA, GDT_CODE64 };

	memcpy(ram->base + CPU_MODE_GDT_GPA, gdt, sizeof(gdt));
	s->gdt.base = CPU_MODE_GDT_GPA;
	s->gdt.limit = sizeof(gdt) - 1;
}

static void write_page_tables(struct guest_ram *ram)
{
	uint64_t *pml4 = (uint64_t *)(ram->base + CPU_MODE_PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(ram->base + CPU_MODE_PDPT_GPA);
	uint64_t *pd = (uint64_t *)(ram->base + CPU_MODE_PD_GPA);

	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = CPU_MODE_PDPT_GPA | PTE_P | PTE_RW;
	pdpt[0] = CPU_MODE_PD_GPA | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS;
}

static void clear_gprs(struct kvm_regs *regs, uint64_t rip, uint64_t rsp)
{
	memset(regs, 0, sizeof(*regs));
	regs->rip = rip;
	regs->rsp = rsp;
	regs->rflags = CPU_RFLAGS_FIXED;
}

int cpu_mode_setup(enum cpu_mode mode, struct guest_ram *ram, uint64_t entry,
		   struct kvm_regs *regs, struct kvm_sregs *sregs,
		   struct load_error *err)
{
	uint16_t cs;

	switch (mode) {
	case CPU_MODE_REAL:
		if (entry >= REAL_MODE_LIMIT)
			return load_fail(err, "a real-mode entry must lie below 1 MiB, not 0x%lx",
					 (unsigned long)entry);
		cs = (uint16_t)((entry >> 4) & 0xf000);
		sregs->cs = real_segment(cs, SEG_TYPE_CODE_XRA);
		set_data_segments(sregs, real_segment(0, SEG_TYPE_DATA_RWA));
		/* A tiny-model image: data in its own segment, the stack in
		 * the next 64 KiB (docs/test-guests.md, real.bin). */
		sregs->ds = sregs->es = real_segment(cs, SEG_TYPE_DATA_RWA);
		sregs->ss = real_segment((uint16_t)(cs + 0x1000), SEG_TYPE_DATA_RWA);
		sregs->cr0 &= ~(uint64_t)(CPU_CR0_PE | CPU_CR0_PG);
		sregs->cr4 &= ~(uint64_t)CPU_CR4_PAE;
		sregs->efer &= ~(uint64_t)(CPU_EFER_LME | CPU_EFER_LMA);
		clear_gprs(regs, entry - ((uint64_t)cs << 4), CPU_MODE_REAL_SP);
		return 0;
	case CPU_MODE_PROT32:
		if (ram->bytes < CPU_MODE_TABLES_END)
			return load_fail(err, "guest RAM is too small for the GDT at 0x%x",
					 CPU_MODE_GDT_GPA);
		if (entry > 0xffffffffULL)
			return load_fail(err, "a 32-bit entry must lie below 4 GiB, not 0x%lx",
					 (unsigned long)entry);
		write_gdt(ram, sregs);
		sregs->cs = flat_segment(CPU_MODE_SEL_CODE32, SEG_TYPE_CODE_XRA, false);
		set_data_segments(sregs, flat_segment(CPU_MODE_SEL_DATA, SEG_TYPE_DATA_RWA, false));
		usable_tr(sregs);
		sregs->cr0 = CPU_CR0_PE | CPU_CR0_ET;
		sregs->cr3 = 0;
		sregs->cr4 = 0;
		sregs->efer = 0;
		clear_gprs(regs, entry, CPU_MODE_STACK);
		return 0;
	case CPU_MODE_LONG64:
		if (ram->bytes < CPU_MODE_TABLES_END)
			return load_fail(err, "guest RAM is too small for the page tables at 0x%x-0x%x",
					 CPU_MODE_GDT_GPA, CPU_MODE_TABLES_END - 1);
		if (entry >= LONG64_MAPPED_BYTES)
			return load_fail(err, "a long64 entry must lie in the identity-mapped first GiB, not 0x%lx",
					 (unsigned long)entry);
		write_gdt(ram, sregs);
		write_page_tables(ram);
		sregs->cs = flat_segment(CPU_MODE_SEL_CODE64, SEG_TYPE_CODE_XRA, true);
		set_data_segments(sregs, flat_segment(CPU_MODE_SEL_DATA, SEG_TYPE_DATA_RWA, false));
		usable_tr(sregs);
		sregs->cr0 = CPU_CR0_PE | CPU_CR0_MP | CPU_CR0_ET | CPU_CR0_NE | CPU_CR0_PG;
		sregs->cr3 = CPU_MODE_PML4_GPA;
		sregs->cr4 = CPU_CR4_PAE | CPU_CR4_OSFXSR | CPU_CR4_OSXMMEXCPT;
		sregs->efer = CPU_EFER_LME | CPU_EFER_LMA;
		clear_gprs(regs, entry, CPU_MODE_STACK);
		return 0;
	}
	return load_fail(err, "unknown mode %d", (int)mode);
}

void cpu_setup_multiboot(uint32_t entry, uint32_t mbi_gpa,
			 struct kvm_regs *regs, struct kvm_sregs *sregs)
{
	sregs->cs = flat_segment(CPU_MODE_SEL_CODE32, SEG_TYPE_CODE_XRA, false);
	set_data_segments(sregs, flat_segment(CPU_MODE_SEL_DATA, SEG_TYPE_DATA_RWA, false));
	usable_tr(sregs);
	sregs->cr0 = CPU_CR0_PE | CPU_CR0_ET;
	sregs->cr3 = 0;
	sregs->cr4 = 0;
	sregs->efer = 0;
	clear_gprs(regs, entry, 0);
	regs->rax = MB_BOOTLOADER_MAGIC;
	regs->rbx = mbi_gpa;
}

void cpu_setup_linux32(const struct linux_boot *boot, struct kvm_regs *regs,
		       struct kvm_sregs *sregs)
{
	sregs->cs = flat_segment(LINUX_SEL_CODE, SEG_TYPE_CODE_XRA, false);
	set_data_segments(sregs, flat_segment(LINUX_SEL_DATA, SEG_TYPE_DATA_RWA, false));
	usable_tr(sregs);
	sregs->gdt.base = LINUX_GDT_GPA;
	sregs->gdt.limit = LINUX_GDT_BYTES - 1;
	sregs->cr0 = CPU_CR0_PE | CPU_CR0_ET;
	sregs->cr3 = 0;
	sregs->cr4 = 0;
	sregs->efer = 0;
	/* A fresh boot: TPR 0, nothing queued by the guest loaded before. */
	sregs->cr8 = 0;
	memset(sregs->interrupt_bitmap, 0, sizeof(sregs->interrupt_bitmap));
	/* The kernel sets up its own stack (BP_scratch in the zero page). */
	clear_gprs(regs, boot->kernel_gpa, 0);
	regs->rsi = boot->zero_page_gpa;
}

void cpu_reset_state(struct kvm_regs *regs, struct kvm_sregs *sregs)
{
	struct kvm_segment data = real_segment(0, SEG_TYPE_DATA_RWA);

	memset(regs, 0, sizeof(*regs));
	regs->rip = CPU_RESET_RIP;
	regs->rdx = CPU_RESET_RDX;
	regs->rflags = CPU_RFLAGS_FIXED;
	memset(sregs, 0, sizeof(*sregs));
	sregs->cs = real_segment(CPU_RESET_CS, SEG_TYPE_CODE_XRA);
	set_data_segments(sregs, data);
	sregs->tr = (struct kvm_segment){ .limit = 0xffff, .type = 3, .present = 1 };
	sregs->ldt = (struct kvm_segment){ .limit = 0xffff, .type = 2, .present = 1 };
	sregs->gdt.limit = 0xffff;
	sregs->idt.limit = 0xffff;
	sregs->cr0 = CPU_RESET_CR0;
	sregs->apic_base = CPU_RESET_APIC_BASE;
}
