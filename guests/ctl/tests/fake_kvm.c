/*
 * The fake hypervisor of fake_kvm.h. Validates what the real one validates
 * where it matters to the client (mailbox registered, handle kinds).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/hypercall.h"
#include "guests/ctl/tests/fake_kvm.h"

struct fake_kvm fake;

void fake_kvm_reset(void)
{
	void *mailbox = fake.mailbox;   /* the client registers it only once */

	free(fake.ram);
	memset(&fake, 0, sizeof(fake));
	fake.mailbox = mailbox;
	fake.api_version = KVM_API_VERSION;
	fake.unmapped_from = ~0ULL;
	/* 2.6.21 reset state (docs/hypercall-abi.md, "KVM_CREATE_VCPU: reset
	 * state") */
	fake.regs.rip = 0xfff0;
	fake.regs.rdx = 0x600;
	fake.regs.rflags = 0x2;
	fake.sregs.cs.selector = 0xf000;
	fake.sregs.cs.base = 0xf0000;
	fake.sregs.cs.limit = 0xffff;
	fake.sregs.cs.type = 0xb;
	fake.sregs.cs.present = 1;
	fake.sregs.cs.s = 1;
	fake.sregs.tr.limit = 0xffff;
	fake.sregs.tr.type = 3;
	fake.sregs.tr.present = 1;
	fake.sregs.cr0 = 0x60000010;
}

static long serve(unsigned long handle, unsigned long request, unsigned long arg,
		  struct fake_call *call)
{
	struct kvm_run *run;
	long r;

	if (request == fake.fail_request && fake.fail_errno)
		return -fake.fail_errno;
	switch (request) {
	case KVM_GET_API_VERSION:
		return fake.api_version;
	case KVM_CREATE_VM:
		if (handle != 0)
			return -EBADF;
		fake.vm_handle = 1;
		return 1;
	case KVM_SET_MEMORY_REGION: {
		struct kvm_memory_region *mr = fake.mailbox;

		if (handle != 1 || mr->slot != 0 || mr->guest_phys_addr != 0)
			return -EINVAL;
		free(fake.ram);
		fake.ram = calloc(1, mr->memory_size);
		fake.ram_bytes = mr->memory_size;
		return fake.ram ? 0 : -ENOMEM;
	}
	case KVM_BAREKVM_MMAP: {
		struct barekvm_mmap *m = fake.mailbox;

		if (handle != 1 || m->guest_phys_addr + m->size > fake.ram_bytes)
			return -EFAULT;
		m->ctl_phys_addr = (uint64_t)(uintptr_t)fake.ram + m->guest_phys_addr;
		return 0;
	}
	case KVM_CREATE_VCPU:
		if (handle != 1 || arg != 0)
			return -EINVAL;
		fake.vcpu_handle = 2;
		return 2;
	case KVM_BAREKVM_CLOSE:
		fake.closes++;
		return handle == 1 || handle == 2 ? 0 : -EBADF;
	case KVM_GET_REGS:
		memcpy(fake.mailbox, &fake.regs, sizeof(fake.regs));
		return 0;
	case KVM_SET_REGS:
		memcpy(&fake.regs, fake.mailbox, sizeof(fake.regs));
		return 0;
	case KVM_GET_SREGS:
		memcpy(fake.mailbox, &fake.sregs, sizeof(fake.sregs));
		return 0;
	case KVM_SET_SREGS:
		memcpy(&fake.sregs, fake.mailbox, sizeof(fake.sregs));
		return 0;
	case KVM_TRANSLATE: {
		struct kvm_translation *tr = fake.mailbox;

		fake.ntranslates++;
		if (tr->linear_address >= fake.unmapped_from) {
			tr->physical_address = ~0ULL;
			tr->valid = 0;
		} else {
			uint64_t a = tr->linear_address;

			tr->physical_address = a - fake.alias_linear < fake.alias_bytes ?
					       a - fake.alias_linear + fake.alias_phys : a;
			tr->valid = 1;
		}
		tr->writeable = 1;
		return 0;
	}
	case KVM_RUN:
		if (handle != 2)
			return -EBADF;
		run = fake.mailbox;
		call->emulated = run->emulated;
		call->mmio_completed = run->mmio_completed;
		memcpy(call->mmio_data, run->mmio.data, 8);
		/* BareKVM's CPUID completion through the kvm_run union, as
		 * core/vcpu_run.c applies it */
		if (run->emulated && fake.last_exit_cpuid && run->cpuid.completed) {
			fake.regs.rax = run->cpuid.eax;
			fake.regs.rbx = run->cpuid.ebx;
			fake.regs.rcx = run->cpuid.ecx;
			fake.regs.rdx = run->cpuid.edx;
		}
		r = fake.run ? fake.run(run, fake.nruns++) : -ENOSYS;
		run->emulated = 0;      /* consumed, as 2.6.21 writes back */
		fake.last_exit_cpuid = r == 0 && run->exit_type == KVM_EXIT_TYPE_VM_EXIT &&
				       run->exit_reason == KVM_EXIT_CPUID;
		if (fake.last_exit_cpuid) {
			run->cpuid.eax = (uint32_t)fake.regs.rax;
			run->cpuid.ecx = (uint32_t)fake.regs.rcx;
			run->cpuid.ebx = run->cpuid.edx = 0;
			run->cpuid.completed = 0;
		}
		return r;
	case KVM_GET_MSR_INDEX_LIST: {
		struct kvm_msr_list *l = fake.mailbox;
		uint32_t cap = l->nmsrs;

		l->nmsrs = 3;
		if (cap < 3)
			return -E2BIG;
		l->indices[0] = 0x174;
		l->indices[1] = 0x175;
		l->indices[2] = 0x10;
		return 0;
	}
	case KVM_INTERRUPT: {
		const struct kvm_interrupt *irq = fake.mailbox;

		if (handle != 2)
			return -EBADF;
		if (irq->irq >= 256)
			return -EINVAL;
		if (fake.ninterrupts < 32)
			fake.interrupts[fake.ninterrupts] = irq->irq;
		fake.ninterrupts++;
		return 0;
	}
	case KVM_NMI:
		if (handle != 2)
			return -EBADF;
		fake.nmis++;
		fake.nmi_before_run = fake.nruns;
		return 0;
	case KVM_GET_VCPU_EVENTS:
		if (handle != 2)
			return -EBADF;
		memcpy(fake.mailbox, &fake.events, sizeof(fake.events));
		return 0;
	case KVM_SET_VCPU_EVENTS:
		if (handle != 2)
			return -EBADF;
		memcpy(&fake.events, fake.mailbox, sizeof(fake.events));
		fake.events_set++;
		return 0;
	case KVM_DEBUG_GUEST:
		memcpy(&fake.debug, fake.mailbox, sizeof(fake.debug));
		return 0;
	case KVM_GET_DIRTY_LOG: {
		const struct kvm_dirty_log *log = fake.mailbox;

		if (log->slot != 0)
			return -ENOENT;
		memcpy((void *)(uintptr_t)log->dirty_bitmap, fake.dirty, sizeof(fake.dirty));
		memset(fake.dirty, 0, sizeof(fake.dirty));
		return 0;
	}
	case KVM_GET_MSRS: {
		struct kvm_msrs *m = fake.mailbox;

		for (uint32_t i = 0; i < m->nmsrs; i++)
			m->entries[i].data = m->entries[i].index * 2;
		return m->nmsrs;
	}
	default:
		return -EINVAL;
	}
}

long hypercall3(unsigned long nr, unsigned long a0, unsigned long a1,
		unsigned long a2)
{
	struct fake_call *call;
	long r;

	switch (nr) {
	case HC_SET_MAILBOX:
		if (a0 % 4096)
			return -EINVAL;
		fake.mailbox = (void *)(uintptr_t)a0;
		return 0;
	case HC_KVM:
		call = &fake.calls[fake.ncalls < FAKE_MAX_CALLS ? fake.ncalls : FAKE_MAX_CALLS - 1];
		memset(call, 0, sizeof(*call));
		call->handle = a0;
		call->request = a1;
		call->int_arg = a2;
		if (_IOC_SIZE(a1) && !fake.mailbox)
			r = -EFAULT;
		else
			r = serve(a0, a1, a2, call);
		call->result = r;
		if (fake.ncalls < FAKE_MAX_CALLS)
			fake.ncalls++;
		return r;
	default:
		return -ENOSYS;
	}
}
