/*
 * A VM's shadow page tables (mmu/shadow.h) on a CPU without NPT/EPT: the
 * frames they take, the guest memory they read and update, and the events
 * of core/ that invalidate them (the VM's map changing, the hypervisor
 * writing guest RAM, an emulated INVLPG). The backend drives the rest:
 * the guest's paging registers, its #PF exits, the hardware CR3 and the
 * TLB flushes (arch/x86/svm/shadow.c, arch/x86/vmx/shadow.c).
 *
 * Runs on the CPU that runs the VM (control-partition requests and exits),
 * interrupts off, like the rest of core/vm*.c.
 */
#include "core/vm.h"
#include "core/cpuid.h"
#include "core/guest_mem.h"
#include "core/lib.h"
#include "core/log.h"
#include "core/memory.h"
#include "mmu/shadow.h"
#include "abi/errno.h"

/*
 * Shadow tables and reverse-map frames a VM may hold (mmu/shadow.h): 2048
 * frames, 8 MiB, 1024 tables, enough for the control partition and a
 * Linux guest's working set (a large guest page costs one table of 4 KiB
 * leaves per 2 MiB). Past it everything is dropped and rebuilt on demand,
 * so the figure bounds memory, not correctness.
 */
#define VM_SHADOW_BUDGET 2048u
#define FOUR_GIB (1ULL << 32)

static int frame_alloc_any(void *ctx, uint64_t *pa)
{
	(void)ctx;
	return page_alloc(1, 1, pa);
}

/* A PAE-format root is loaded into a 32-bit CR3 (SDM Vol. 3 4.4.1; APM
 * Vol. 2 5.2.1). The frame allocator has no zone below 4 GiB: a frame
 * above it is given back and the root refused (-ENOMEM), which only a
 * machine whose low memory is exhausted meets. */
static int frame_alloc_below_4g(void *ctx, uint64_t *pa)
{
	(void)ctx;
	if (page_alloc(1, 1, pa))
		return -ENOMEM;
	if (*pa + PAGE_SIZE <= FOUR_GIB)
		return 0;
	page_free(*pa, 1);
	return -ENOMEM;
}

static void frame_free(void *ctx, uint64_t pa)
{
	(void)ctx;
	page_free(pa, 1);
}

static void *frame_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return (void *)pa;              /* identity map */
}

static const struct mmu_alloc shadow_frames = {
	frame_alloc_any, frame_free, frame_virt, 0, frame_alloc_below_4g,
};

/* Guest page-table entries: only gpas the VM's map holds come here. */
static int read_entry(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	return guest_read_gpa(ctx, gpa, buf, len);
}


/* The guest's CPUID leaf (what its page walks may use: MAXPHYADDR, 1 GiB
 * pages), as core/cpuid.c answers it. */
static struct vcpu_regs guest_cpuid(uint32_t leaf)
{
	struct vcpu_regs r = { .rax = leaf };

	cpuid_emulate(&r);
	return r;
}

int vm_shadow_create(struct vm *vm)
{
	uint64_t pa;
	struct shadow_config cfg = {
		.space = &vm->slat, .alloc = &shadow_frames,
		.read_gpa = read_entry, .update_entry = guest_update_entry, .ctx = vm,
		.maxphyaddr = (uint8_t)cpuid_rules()->pa_bits,
		.budget_frames = VM_SHADOW_BUDGET,
	};

	_Static_assert(sizeof(struct shadow) <= PAGE_SIZE, "struct shadow fits a frame");
	cfg.pdpe1gb = guest_cpuid(0x80000001).rdx & (1u << 26);
	if (page_alloc(1, 1, &pa))
		return -ENOMEM;
	int r = shadow_init((struct shadow *)pa, &cfg);
	if (r) {
		page_free(pa, 1);
		return r;
	}
	vm->shadow = (struct shadow *)pa;
	return 0;
}

void vm_shadow_destroy(struct vm *vm)
{
	if (!vm->shadow)
		return;
	shadow_destroy(vm->shadow);
	page_free((uint64_t)vm->shadow, 1);
	vm->shadow = 0;
}

void vm_shadow_wrote(struct vm *vm, uint64_t gpa, uint64_t len_bytes)
{
	shadow_guest_wrote(vm->shadow, gpa, len_bytes);
}

void vm_shadow_invlpg(struct vm *vm, uint64_t gva)
{
	shadow_invlpg(vm->shadow, gva);
}

uint64_t vm_shadow_frames(const struct vm *vm)
{
	/* struct shadow's own frame comes on top of what it counts */
	return vm->shadow ? vm->shadow->frames + 1u : 0;
}

int vm_shadow_unprotect(struct vm *vm, uint64_t gpa)
{
	return shadow_unprotect(vm->shadow, gpa);
}
