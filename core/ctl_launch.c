/*
 * Building the control partition (contract: abi/ctl_boot.h). Its RAM is one
 * block of host frames mapped at guest-physical 0. Above the ELF image we
 * place, page by page: the boot information, copies of the other GRUB
 * modules (the guest images), the page tables that identity-map
 * [0, CTL_IDMAP_BYTES), a GDT and the initial stack; the rest is its heap.
 */
#include "core/ctl.h"
#include "core/vcpu_run.h"
#include "core/guest_mem.h"
#include "core/lib.h"
#include "core/log.h"
#include "abi/ctl_boot.h"
#include "abi/errno.h"
#include "arch/x86/cpu.h"

#define ELF_MAGIC   0x464c457fu
#define ELFCLASS64  2
#define ET_EXEC     2
#define EM_X86_64   62
#define PT_LOAD     1

struct elf64_ehdr {
	uint32_t magic;
	uint8_t class, data, version, osabi, abiversion, pad[7];
	uint16_t type, machine;
	uint32_t version2;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct ctl ctl;

static const struct virt_io_passthrough ctl_ports[] = {
	{ 0x3f8, 0x3ff },       /* COM1: the control partition's console */
	{ 0xf4, 0xf4 },         /* QEMU isa-debug-exit: ends a test run */
};

bool ctl_module_is(const struct boot_module *m)
{
	const char *c = m->cmdline;

	return !strncmp(c, "ctl", 3) && (c[3] == 0 || c[3] == ' ');
}

static const struct boot_module *find_ctl_module(const struct boot_info *bi)
{
	for (unsigned i = 0; i < bi->nmodules; i++)
		if (ctl_module_is(&bi->modules[i]))
			return &bi->modules[i];
	return 0;
}

/* Copies the PT_LOAD segments; returns the end of the image or 0. */
static uint64_t load_elf(const uint8_t *img, uint64_t size, uint64_t ram,
			 uint64_t *entry)
{
	const struct elf64_ehdr *eh = (const void *)img;
	uint64_t end = 0;

	if (size < sizeof(*eh) || eh->magic != ELF_MAGIC || eh->class != ELFCLASS64 ||
	    eh->type != ET_EXEC || eh->machine != EM_X86_64 ||
	    eh->phentsize != sizeof(struct elf64_phdr) ||
	    eh->phoff > size || eh->phnum > (size - eh->phoff) / sizeof(struct elf64_phdr)) {
		printk("ctl: module is not an x86-64 ELF executable\n");
		return 0;
	}
	const struct elf64_phdr *ph = (const void *)(img + eh->phoff);
	for (unsigned i = 0; i < eh->phnum; i++) {
		if (ph[i].type != PT_LOAD)
			continue;
		if (ph[i].filesz > ph[i].memsz || ph[i].offset > size ||
		    ph[i].filesz > size - ph[i].offset || ph[i].paddr < CTL_LOAD_MIN ||
		    ph[i].paddr > ram || ph[i].memsz > ram - ph[i].paddr) {
			printk("ctl: ELF segment %u (paddr %#lx, %lu bytes) does not fit "
			       "in [%#llx, %#lx)\n", i, ph[i].paddr, ph[i].memsz,
			       CTL_LOAD_MIN, ram);
			return 0;
		}
		guest_write_gpa(ctl.vm, ph[i].paddr, img + ph[i].offset, ph[i].filesz);
		end = MAX(end, ph[i].paddr + ph[i].memsz);
	}
	if (!end || eh->entry < CTL_LOAD_MIN || eh->entry >= end) {
		printk("ctl: ELF has no loadable segment or its entry is outside them\n");
		return 0;
	}
	*entry = eh->entry;
	return ALIGN_UP(end, PAGE_SIZE);
}

/* Whole or not at all: a cut command line would change what a script or
 * a kernel is told. False (with the reason printed) if it does not fit. */
static bool copy_cmdline(char *dst, const char *src)
{
	size_t n = strnlen(src, CTL_CMDLINE_BYTES);

	if (n == CTL_CMDLINE_BYTES) {
		printk("ctl: module \"%.40s...\": command line longer than %u "
		       "bytes (CTL_CMDLINE_BYTES - 1)\n", src, CTL_CMDLINE_BYTES - 1);
		return false;
	}
	memcpy(dst, src, n + 1);
	return true;
}

/* Boot information and module copies; returns the next free GPA, or 0 if
 * the ctl module's own command line is too long. */
static uint64_t place_modules(const struct boot_info *bi, const struct boot_module *self,
			      uint64_t next, uint64_t *info_gpa)
{
	struct ctl_boot_info *info;

	*info_gpa = next;
	info = guest_gpa_ptr(ctl.vm, next, sizeof(*info));
	next = ALIGN_UP(next + sizeof(*info), PAGE_SIZE);
	info->magic = CTL_BOOT_MAGIC;
	info->version = CTL_BOOT_VERSION;
	info->ram_bytes = ctl.ram_bytes;
	if (!copy_cmdline(info->cmdline, self->cmdline))
		return 0;
	for (unsigned i = 0; i < bi->nmodules; i++) {
		const struct boot_module *m = &bi->modules[i];
		uint64_t size = m->end - m->start;
		if (m == self)
			continue;
		if (info->nmodules == CTL_MAX_MODULES || next + size > ctl.ram_bytes / 2) {
			printk("ctl: module \"%s\" left out (no room): the "
			       "control partition numbers the modules after it "
			       "one lower\n", m->cmdline);
			continue;
		}
		struct ctl_module *cm = &info->modules[info->nmodules];
		if (!copy_cmdline(cm->cmdline, m->cmdline)) {
			printk("ctl: that module is left out: the control "
			       "partition numbers the modules after it one lower\n");
			continue;
		}
		info->nmodules++;
		cm->gpa = next;
		cm->size = size;
		guest_write_gpa(ctl.vm, next, (const void *)m->start, size);
		next = ALIGN_UP(next + size, PAGE_SIZE);
	}
	return next;
}

/* Identity map [0, CTL_IDMAP_BYTES): one PML4 page and one PDPT page of
 * 1 GiB entries when the CPU has them, else 512 page directories. */
static uint64_t build_page_tables(uint64_t next, bool gb_pages, uint64_t *cr3)
{
	uint64_t *pml4 = guest_gpa_ptr(ctl.vm, next, PAGE_SIZE);
	uint64_t *pdpt = guest_gpa_ptr(ctl.vm, next + PAGE_SIZE, PAGE_SIZE);
	const uint64_t rw_p = 3, ps = 1ULL << 7;

	*cr3 = next;
	pml4[0] = (next + PAGE_SIZE) | rw_p;
	next += 2 * PAGE_SIZE;
	for (uint64_t g = 0; g < CTL_IDMAP_BYTES >> 30; g++) {
		if (gb_pages) {
			pdpt[g] = (g << 30) | rw_p | ps;
			continue;
		}
		uint64_t *pd = guest_gpa_ptr(ctl.vm, next, PAGE_SIZE);
		pdpt[g] = next | rw_p;
		for (uint64_t i = 0; i < 512; i++)
			pd[i] = (g << 30) | (i << 21) | rw_p | ps;
		next += PAGE_SIZE;
	}
	return next;
}

static void set_entry_state(uint64_t entry, uint64_t info_gpa, uint64_t cr3,
			    uint64_t gdt_gpa, uint64_t stack_top)
{
	struct vcpu_sregs s = { 0 };
	const struct vcpu_segment code = { .limit = 0xffffffff, .selector = 0x08,
		.type = 0xb, .present = 1, .s = 1, .l = 1, .g = 1 };
	const struct vcpu_segment data = { .limit = 0xffffffff, .selector = 0x10,
		.type = 0x3, .present = 1, .s = 1, .db = 1, .g = 1 };
	uint64_t *gdt = guest_gpa_ptr(ctl.vm, gdt_gpa, 24);

	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffULL;
	gdt[2] = 0x00cf93000000ffffULL;
	s.cs = code;
	s.ds = s.es = s.ss = s.fs = s.gs = data;
	s.tr = (struct vcpu_segment){ .limit = 0x67, .type = 0xb, .present = 1 };
	s.ldt = (struct vcpu_segment){ .unusable = 1 };
	s.gdt = (struct vcpu_dtable){ gdt_gpa, 23 };
	s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s.cr3 = cr3;
	s.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	s.efer = EFER_LME | EFER_LMA | EFER_NXE;
	virt->set_sregs(ctl.vcpu, &s);
	ctl.vcpu->regs = (struct vcpu_regs){ .rip = entry, .rdi = info_gpa,
					     .rsp = stack_top, .rflags = 0x2 };
}

int ctl_launch(const struct boot_info *bi, uint64_t ram_bytes, bool gb_pages)
{
	const struct boot_module *m = find_ctl_module(bi);
	uint64_t entry, next, info_gpa, cr3, gdt_gpa;
	int r;

	if (!m) {
		printk("ctl: no GRUB module with command line \"ctl ...\": "
		       "nothing to run\n");
		return -ENOENT;
	}
	ctl.ram_bytes = ram_bytes;
	r = vm_create(&ctl.vm, true, ctl_ports, ARRAY_SIZE(ctl_ports));
	if (!r)
		r = vm_set_slot(ctl.vm, 0, 0, 0, ram_bytes);
	if (!r)
		r = vm_create_vcpu(ctl.vm, &ctl.vcpu);
	/* its emulator state now, not at its first access to an unmapped
	 * window (core/ctl_run.c): the free-frame count then stays put */
	if (!r && !vcpu_emul_get(ctl.vcpu))
		r = -ENOMEM;
	if (r) {
		printk("ctl: cannot create the control partition (%d)\n", r);
		return r;
	}
	next = load_elf((const uint8_t *)m->start, m->end - m->start, ram_bytes, &entry);
	if (!next)
		return -EINVAL;
	next = place_modules(bi, m, next, &info_gpa);
	if (!next)
		return -EINVAL;
	next = build_page_tables(next, gb_pages, &cr3);
	gdt_gpa = next;
	next += PAGE_SIZE;
	uint64_t stack_top = next + CTL_BOOT_STACK_BYTES;
	next = stack_top;
	if (next >= ram_bytes) {
		printk("ctl: %lu MiB of RAM is too small for its image and modules\n",
		       ram_bytes >> 20);
		return -ENOMEM;
	}
	struct ctl_boot_info *info = guest_gpa_ptr(ctl.vm, info_gpa, sizeof(*info));
	info->free_start = next;
	info->free_end = ram_bytes;
	set_entry_state(entry, info_gpa, cr3, gdt_gpa, stack_top);
	printk("ctl: loaded \"%s\": %lu MiB RAM, entry %#lx, %u guest module(s), "
	       "heap %#lx-%#lx\n", m->cmdline, ram_bytes >> 20, entry,
	       info->nmodules, info->free_start, info->free_end);
	return 0;
}
