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
		uint64_t hpa, run;
		unsigned perms;
		mmu_lookup(&vm->slat, gpa + off, &hpa, &perms);
		/* extend the run while host frames stay contiguous */
		for (run = PAGE_SIZE; off + run < size; run += PAGE_SIZE) {
			uint64_t next;
			if (mmu_lookup(&vm->slat, gpa + off + run, &next, &perms) ||
			    next != hpa + run)
				break;
		}
		int r = mmu_map(&ctl.vm->slat, window_base(w) + gpa + off, hpa, run,
				MMU_READ | MMU_WRITE);
		if (r)
			return r;
		off += run;
	}
	vm_slat_changed(ctl.vm);
	*ctl_pa = window_base(w) + gpa;
	return 0;
}

void ctl_window_unmap(struct vm *vm, uint64_t gpa, uint64_t size)
{
	if (vm->ctl_window < 0 || gpa >= CTL_VM_WINDOW_BYTES)
		return;
	size = MIN(size, CTL_VM_WINDOW_BYTES - gpa);
	mmu_unmap(&ctl.vm->slat, window_base(vm->ctl_window) + gpa, size);
	vm_slat_changed(ctl.vm);
}

void ctl_window_release(struct vm *vm)
{
	if (vm->ctl_window < 0)
		return;
	ctl_window_unmap(vm, 0, CTL_VM_WINDOW_BYTES);
	window_used[vm->ctl_window] = false;
	vm->ctl_window = -1;
}
