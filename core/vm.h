/*
 * Virtual machines: the guest-physical address space (second-level tables),
 * the RAM the hypervisor allocated for it, and its vCPUs. The control
 * partition is a VM too, with is_ctl set.
 */
#ifndef CORE_VM_H
#define CORE_VM_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vcpu.h"
#include "mmu/mmu.h"
#include "arch/x86/virt.h"

#define VM_MAX_VCPUS    1       /* 2.6.21: KVM_MAX_VCPUS */
#define VM_MAX_SLOTS    32      /* 2.6.21 had 4; the struct allows more */

/* A run of host frames backing part of a slot. */
struct vm_extent {
	uint64_t offset;        /* bytes from the slot's start */
	uint64_t hpa;
	uint64_t size;
};

/* A memory slot: RAM the hypervisor allocated, mapped at [gpa, gpa+size). */
struct vm_slot {
	bool used;
	uint32_t flags;
	uint64_t gpa, size;
	struct vm_extent *extents;      /* in its own frames (extents_pages) */
	unsigned nextents, extents_pages;
	uint64_t *dirty_bitmap;         /* KVM_MEM_LOG_DIRTY_PAGES */
	unsigned dirty_pages;           /* frames of the bitmap */
};

struct shadow;

struct vm {
	unsigned id;
	bool is_ctl;
	/* the authoritative gpa -> hpa map: the nested tables the CPU
	 * walks, or, without NPT/EPT, what the shadow tables are built from */
	struct mmu_space slat;
	/* without NPT/EPT (virt_shadow_paging): the tables the guest runs
	 * on (mmu/shadow.h, core/vm_shadow.c); NULL otherwise */
	struct shadow *shadow;
	void *arch;                     /* the backend's per-VM state */
	struct vm_slot slots[VM_MAX_SLOTS];
	struct vcpu *vcpus[VM_MAX_VCPUS];
	unsigned nvcpus;
	int ctl_window;                 /* index of its window in the ctl, or -1 */
	uint64_t bad_hypercalls;        /* VMMCALL/VMCALL from a plain guest */
	uint64_t exc_storms;            /* recursing #AC/#DB deliveries stopped */
	uint64_t emul_failures;         /* MMIO instructions emul/ refused */
	uint64_t task_switch_failures;  /* task switches outside guest RAM */
	uint64_t refused_values;        /* MSR/CR4 values a CPU would refuse */
	/* The slot extent of the last guest-memory access: guest page-table
	 * walks on the exit path hit it nearly always. Cleared on any slot
	 * change. (One vCPU per VM today; SMP makes it per vCPU.) */
	struct {
		uint64_t gpa, size, hpa;
	} extent_cache;
	uint64_t mem_gen;               /* bumped on every slot change */
	unsigned last_slot;             /* vm_slot_at's first guess */
	/* vm_slot_at's last miss: a page in no slot (MMIO), valid while
	 * miss_gen == mem_gen + 1 (so a zeroed VM has none) */
	uint64_t miss_page, miss_gen;
	unsigned slots_end;             /* one past the highest used slot */
	unsigned logging_slots;         /* slots with a dirty bitmap */
};

extern const struct virt_ops *virt;
extern bool virt_slat_2m, virt_slat_1g; /* large second-level pages usable */
/* The backend has no second-level translation: every VM runs on shadow
 * page tables (core/vm_shadow.c). Set once at boot. */
extern bool virt_shadow_paging;

/* Creates an empty VM. Returns 0 or -ENOMEM (nothing left allocated). */
int vm_create(struct vm **out, bool is_ctl, const struct virt_io_passthrough *io,
	      unsigned nio);
/* Frees the vCPUs, the RAM, the tables and the backend state. */
void vm_destroy(struct vm *vm);
/*
 * KVM_SET_MEMORY_REGION semantics (docs/hypercall-abi.md,
 * "KVM_SET_MEMORY_REGION"): creates a slot with
 * zeroed RAM, deletes it (size 0), moves it (same size, new gpa, contents
 * kept) or changes its flags. -EINVAL, -EEXIST (overlap), -ENOMEM.
 */
int vm_set_slot(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		uint64_t size);
/* vm_slot_at() beyond its two remembered answers: the scan. */
struct vm_slot *vm_slot_find(struct vm *vm, uint64_t gpa);

/* The slot covering gpa, or NULL. Inline: on every nested page fault. */
static inline struct vm_slot *vm_slot_at(struct vm *vm, uint64_t gpa)
{
	struct vm_slot *last = &vm->slots[vm->last_slot];

	/* consecutive lookups nearly always hit the same slot, or miss on
	 * the same MMIO page (a device register polled or written again;
	 * slots are page-aligned) */
	if (last->used && gpa - last->gpa < last->size)
		return last;
	if (vm->miss_gen == vm->mem_gen + 1 && (gpa & ~0xfffull) == vm->miss_page)
		return 0;
	return vm_slot_find(vm, gpa);
}
/* Records a write to gpa in its slot's dirty bitmap, if it logs. */
void vm_mark_dirty(struct vm *vm, uint64_t gpa);
/* A write fault on a write-protected logging page: marks it dirty, makes it
 * writable again and returns true; false if gpa is not such a page. */
bool vm_dirty_fault(struct vm *vm, uint64_t gpa);
/* KVM_GET_DIRTY_LOG: copies the bitmap to 'out' (bitmap_bytes long) and
 * re-arms; -EINVAL, -ENOENT as 2.6.21. */
int vm_get_dirty_log(struct vm *vm, uint32_t slot, void *out, uint64_t bitmap_bytes);
/* Bytes of a slot's dirty bitmap: ceil(npages / 64) * 8. */
uint64_t vm_dirty_bitmap_bytes(const struct vm_slot *s);
int vm_create_vcpu(struct vm *vm, struct vcpu **out);
/* Tells the backend after a change to vm->slat that needs a TLB flush;
 * with shadow paging also drops the shadow tables built from the old map
 * (before any frame it unmapped is freed). */
void vm_slat_changed(struct vm *vm);
/* After a change to vm->slat that only added rights (a dirty-logging
 * page made writable): the TLB is flushed, the shadow tables kept (their
 * leaves have at most the old rights; the next fault widens them). */
void vm_slat_widened(struct vm *vm);

/* Shadow paging (core/vm_shadow.c). */
int vm_shadow_create(struct vm *vm);
void vm_shadow_destroy(struct vm *vm);
void vm_shadow_wrote(struct vm *vm, uint64_t gpa, uint64_t len_bytes);
void vm_shadow_invlpg(struct vm *vm, uint64_t gva);
/* Stops shadowing the guest page table at gpa (shadow_unprotect): 0, or
 * -EBUSY for the current root's. */
int vm_shadow_unprotect(struct vm *vm, uint64_t gpa);
/* Frames the VM's shadow tables hold (0 without shadow paging). */
uint64_t vm_shadow_frames(const struct vm *vm);

/* The hypervisor wrote [gpa, gpa + len_bytes) of guest RAM for the guest
 * (an emulated instruction, a task switch): shadow tables that mirror it
 * must drop what they derived from it. Inline: one test without shadow
 * paging. */
static inline void vm_guest_wrote(struct vm *vm, uint64_t gpa, uint64_t len_bytes)
{
	if (__builtin_expect(vm->shadow != 0, 0))
		vm_shadow_wrote(vm, gpa, len_bytes);
}

#endif
