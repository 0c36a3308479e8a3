/* VM memory windows in the control partition (see core/ctl_window.h). */
#include "core/ctl_window.h"
#include "core/ctl.h"
#include "core/lib.h"
#include "abi/barekvm.h"
#include "abi/errno.h"

static bool window_used[CTL_VM_WINDOWS];

static uint64_t window_base(int w)
{
	return CTL_VM_WINDOW_BASE + (uint64_t)w * CTL_VM_WINDOW_BYTES;
}

static int window_get(struct vm *vm)
{
	if (vm->ctl_window >= 0)
		return vm->ctl_window;
	for (int w = 0; w < CTL_VM_WINDOWS; w++) {
		if (!window_used[w]) {
			window_used[w] = true;
			vm->ctl_window = w;
			return w;
		}
	}
	return -ENOMEM;
}

/*
 * Why a window leaf never spans two slots: deleting or moving one slot
 * unmaps exactly that slot's range from the window. If one 2 MiB leaf
 * covered the end of one slot and the start of the next (their frames can
 * be contiguous), that unmap would need a split, which needs a table frame,
 * which can fail; the slot's frames would then be freed while the control
 * partition still maps them. So each run below stops at its slot's end,
 * every window leaf lies inside one slot, and ctl_window_unmap of a slot's
 * range never allocates. (mmu_unmap is all-or-nothing besides, and its
 * error is passed on: a slot is only freed once it is unmapped.)
 */
/* A partly mapped window: shadow paging may hold MMIO leaves for the
 * gpas just mapped (mmu/shadow.h), which must go as on success. */
static int window_map_failed(int err)
{
	vm_slat_changed(ctl.vm);
	return err;
}

int ctl_window_map(struct vm *vm, uint64_t gpa, uint64_t size, uint64_t *ctl_pa)
{
	if ((gpa | size) & (PAGE_SIZE - 1) || !size || gpa >= CTL_VM_WINDOW_BYTES ||
	    size > CTL_VM_WINDOW_BYTES - gpa || vm->is_ctl)
		return -EINVAL;
	/* every page must be slot memory: check before changing anything */
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		if (!vm_slot_at(vm, gpa + off))
			return -EFAULT;
	int w = window_get(vm);
	if (w < 0)
		return w;
	for (uint64_t off = 0; off < size;) {
		const struct vm_slot *s = vm_slot_at(vm, gpa + off);
		uint64_t hpa, run, slot_end = s->gpa + s->size;
		unsigned perms;
		if (mmu_lookup(&vm->slat, gpa + off, &hpa, &perms))
			return window_map_failed(-EFAULT); /* slot memory is always mapped */
		/* extend the run while host frames stay contiguous, inside
		 * this one slot (see above) */
		for (run = PAGE_SIZE; off + run < size && gpa + off + run < slot_end;
		     run += PAGE_SIZE) {
			uint64_t next;
			if (mmu_lookup(&vm->slat, gpa + off + run, &next, &perms) ||
			    next != hpa + run)
				break;
		}
		int r = mmu_map(&ctl.vm->slat, window_base(w) + gpa + off, hpa, run,
				MMU_READ | MMU_WRITE);
		if (r)
			return window_map_failed(r);
		off += run;
	}
	vm_slat_changed(ctl.vm);
	*ctl_pa = window_base(w) + gpa;
	return 0;
}

int ctl_window_unmap(struct vm *vm, uint64_t gpa, uint64_t size)
{
	if (vm->ctl_window < 0 || gpa >= CTL_VM_WINDOW_BYTES)
		return 0;
	size = MIN(size, CTL_VM_WINDOW_BYTES - gpa);
	int r = mmu_unmap(&ctl.vm->slat, window_base(vm->ctl_window) + gpa, size);
	vm_slat_changed(ctl.vm);
	return r;
}

int ctl_window_release(struct vm *vm)
{
	if (vm->ctl_window < 0)
		return 0;
	int r = ctl_window_unmap(vm, 0, CTL_VM_WINDOW_BYTES);
	if (r)
		return r;               /* keep the window: it maps VM memory */
	window_used[vm->ctl_window] = false;
	vm->ctl_window = -1;
	return 0;
}
