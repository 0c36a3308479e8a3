/* VM objects (see core/vm.h). Frames for tables and RAM come from
 * core/memory.c; everything a VM took is returned by vm_destroy(). */
#include "core/vm.h"
#include "core/lib.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/fpu.h"
#include "core/handle.h"
#include "core/ctl_window.h"
#include "abi/errno.h"
#include "mmu/shadow.h"

const struct virt_ops *virt;
bool virt_slat_2m, virt_slat_1g;
bool virt_shadow_paging;
static unsigned next_vm_id;

static int slat_alloc_page(void *ctx, uint64_t *pa)
{
	(void)ctx;
	return page_alloc(1, 1, pa);
}

static void slat_free_page(void *ctx, uint64_t pa)
{
	(void)ctx;
	page_free(pa, 1);
}

static void *slat_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return (void *)pa;              /* identity map */
}

static const struct mmu_alloc slat_alloc = {
	slat_alloc_page, slat_free_page, slat_virt, 0,
	NULL,   /* no shadow paging yet: no PAE-format roots */
};

int vm_create(struct vm **out, bool is_ctl, const struct virt_io_passthrough *io,
	      unsigned nio)
{
	uint64_t pa;
	struct vm *vm;
	int r;

	_Static_assert(sizeof(struct vm) <= PAGE_SIZE, "struct vm fits a frame");
	_Static_assert(sizeof(struct vcpu) <= PAGE_SIZE, "struct vcpu fits a frame");
	if (page_alloc(1, 1, &pa))
		return -ENOMEM;
	vm = (struct vm *)pa;
	vm->id = next_vm_id++;
	vm->is_ctl = is_ctl;
	vm->ctl_window = -1;
	r = mmu_space_init(&vm->slat, virt->slat_format, &slat_alloc, virt_slat_2m,
			   virt_slat_1g);
	if (r == 0 && virt_shadow_paging)
		r = vm_shadow_create(vm);
	if (r == 0) {
		struct virt_vm_config cfg = { vm->slat.root_pa, io, nio, is_ctl };
		r = virt->vm_init(&vm->arch, &cfg);
	}
	if (r) {
		vm_destroy(vm);
		return r;
	}
	*out = vm;
	return 0;
}

void vm_destroy(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		fpu_forget(vm->vcpus[i]);
		handle_forget(vm->vcpus[i]);
		virt->vcpu_free(vm->vcpus[i]);
		if (vm->vcpus[i]->emul)
			page_free((uint64_t)vm->vcpus[i]->emul, 1);
		page_free((uint64_t)vm->vcpus[i], 1);
	}
	/* Neither can fail (no mapping leaf spans two slots, see
	 * core/ctl_window.c); if one did, the frames it could not unmap stay
	 * allocated (logged), never freed while mapped. */
	for (unsigned i = 0; i < VM_MAX_SLOTS; i++)
		if (vm->slots[i].used && vm_set_slot(vm, i, 0, vm->slots[i].gpa, 0))
			printk("vm%u: slot %u leaked\n", vm->id, i);
	if (ctl_window_release(vm))
		printk("vm%u: control-partition window leaked\n", vm->id);
	if (vm->arch)
		virt->vm_free(vm->arch);
	vm_shadow_destroy(vm);
	mmu_space_destroy(&vm->slat);
	page_free((uint64_t)vm, 1);
}

int vm_create_vcpu(struct vm *vm, struct vcpu **out)
{
	uint64_t pa;
	struct vcpu *v;
	int r;

	if (vm->nvcpus == VM_MAX_VCPUS)
		return -ENOSPC;
	if (page_alloc(1, 1, &pa))
		return -ENOMEM;
	v = (struct vcpu *)pa;
	v->vm = vm;
	v->id = vm->nvcpus;
	fpu_reset(v);
	r = virt->vcpu_init(v, vm->arch);
	if (r) {
		page_free(pa, 1);
		return r;
	}
	vm->vcpus[vm->nvcpus++] = v;
	*out = v;
	return 0;
}

void vm_slat_widened(struct vm *vm)
{
	vm->slat.flush_needed = false;
	if (vm->arch)
		virt->vm_flush_slat(vm->arch);
}

void vm_slat_changed(struct vm *vm)
{
	/* a failed rebuild leaves root_hpa 0: the backend then refuses to
	 * enter the guest (nothing stale can be reached) */
	if (vm->shadow && shadow_reset(vm->shadow))
		printk("vm%u: shadow page tables: out of memory\n", vm->id);
	vm_slat_widened(vm);
}
