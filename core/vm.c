/* VM objects (see core/vm.h). Frames for tables and RAM come from
 * core/memory.c; everything a VM took is returned by vm_destroy(). */
#include "core/vm.h"
#include "core/lib.h"
#include "core/log.h"
#include "core/memory.h"
#include "abi/errno.h"

const struct virt_ops *virt;
bool virt_slat_1g;
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
};

int vm_create(struct vm **out, bool is_ctl, const struct virt_io_passthrough *io,
	      unsigned nio)
{
	uint64_t pa;
	struct vm *vm;
	int r;

	if (sizeof(struct vm) > PAGE_SIZE || page_alloc(1, 1, &pa))
		return -ENOMEM;
	vm = (struct vm *)pa;
	vm->id = next_vm_id++;
	vm->is_ctl = is_ctl;
	r = mmu_space_init(&vm->slat, MMU_FORMAT_NPT, &slat_alloc, true,
			   virt_slat_1g);
	if (r == 0) {
		struct virt_vm_config cfg = { vm->slat.root_pa, io, nio };
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
		virt->vcpu_free(vm->vcpus[i]);
		page_free((uint64_t)vm->vcpus[i], 1);
	}
	for (unsigned i = 0; i < vm->nram; i++)
		page_free(vm->ram[i].hpa, vm->ram[i].size / PAGE_SIZE);
	if (vm->arch)
		virt->vm_free(vm->arch);
	mmu_space_destroy(&vm->slat);
	page_free((uint64_t)vm, 1);
}

/* Largest power-of-two alignment (up to 2 MiB) that keeps large pages
 * usable: gpa's own alignment. */
static uint64_t frame_align_for(uint64_t gpa)
{
	return (gpa & ((2ULL << 20) - 1)) ? 1 : 512;
}

int vm_add_ram(struct vm *vm, uint64_t gpa, uint64_t size)
{
	uint64_t hpa;
	int r;

	if ((gpa | size) & (PAGE_SIZE - 1) || !size)
		return -EINVAL;
	if (vm->nram == VM_MAX_EXTENTS)
		return -ENOSPC;
	r = page_alloc(size / PAGE_SIZE, frame_align_for(gpa), &hpa);
	if (r)
		return r;
	r = mmu_map(&vm->slat, gpa, hpa, size, MMU_RWX);
	if (r) {
		mmu_unmap(&vm->slat, gpa, size);
		page_free(hpa, size / PAGE_SIZE);
		return r;
	}
	vm->ram[vm->nram++] = (struct vm_extent){ gpa, hpa, size };
	vm_slat_changed(vm);
	return 0;
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
	r = virt->vcpu_init(v, vm->arch);
	if (r) {
		page_free(pa, 1);
		return r;
	}
	vm->vcpus[vm->nvcpus++] = v;
	*out = v;
	return 0;
}

void vm_slat_changed(struct vm *vm)
{
	vm->slat.flush_needed = false;
	virt->vm_flush_slat(vm->arch);
}
