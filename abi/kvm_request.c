/*
 * Request validation and dispatch for the kvm.h ABI over the mailbox.
 * Checked here, once, for every request (STYLE.md "Errors and logging"):
 * the number must be one of kvm.h's, the size encoded in it must match the
 * struct, the handle must name an object of the kind the request is for,
 * and a struct argument needs a registered mailbox.
 *
 * errno choices follow 2.6.21: an unknown request on a handle is -EINVAL
 * (kvm_dev_ioctl/kvm_vm_ioctl/kvm_vcpu_ioctl default cases), a bad handle is
 * -EBADF (as the ioctl system call would say).
 */
#include "abi/kvm_request.h"
#include "abi/kvm.h"
#include "abi/errno.h"
#include "core/log.h"
#include <stdarg.h>

struct kvm_request_stats kvm_request_stats;

enum handle_kind { ON_SYSTEM, ON_VM, ON_VCPU };

struct request_desc {
	uint32_t number;
	enum handle_kind on;
	const char *name;
};

static const struct request_desc requests[] = {
	{ KVM_GET_API_VERSION, ON_SYSTEM, "KVM_GET_API_VERSION" },
	{ KVM_CREATE_VM, ON_SYSTEM, "KVM_CREATE_VM" },
	{ KVM_GET_MSR_INDEX_LIST, ON_SYSTEM, "KVM_GET_MSR_INDEX_LIST" },
	{ KVM_SET_MEMORY_REGION, ON_VM, "KVM_SET_MEMORY_REGION" },
	{ KVM_CREATE_VCPU, ON_VM, "KVM_CREATE_VCPU" },
	{ KVM_GET_DIRTY_LOG, ON_VM, "KVM_GET_DIRTY_LOG" },
	{ KVM_RUN, ON_VCPU, "KVM_RUN" },
	{ KVM_GET_REGS, ON_VCPU, "KVM_GET_REGS" },
	{ KVM_SET_REGS, ON_VCPU, "KVM_SET_REGS" },
	{ KVM_GET_SREGS, ON_VCPU, "KVM_GET_SREGS" },
	{ KVM_SET_SREGS, ON_VCPU, "KVM_SET_SREGS" },
	{ KVM_TRANSLATE, ON_VCPU, "KVM_TRANSLATE" },
	{ KVM_INTERRUPT, ON_VCPU, "KVM_INTERRUPT" },
	{ KVM_DEBUG_GUEST, ON_VCPU, "KVM_DEBUG_GUEST" },
	{ KVM_GET_MSRS, ON_VCPU, "KVM_GET_MSRS" },
	{ KVM_SET_MSRS, ON_VCPU, "KVM_SET_MSRS" },
};

static const struct request_desc *find_request(uint64_t number)
{
	for (unsigned i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		if (requests[i].number == number)
			return &requests[i];
	return 0;
}

/* Same type and nr but another size: a caller built with the wrong struct. */
static const struct request_desc *find_resized(uint64_t number)
{
	for (unsigned i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		uint32_t n = requests[i].number;
		if (_IOC_TYPE(n) == _IOC_TYPE(number) && _IOC_NR(n) == _IOC_NR(number) &&
		    _IOC_DIR(n) == _IOC_DIR(number))
			return &requests[i];
	}
	return 0;
}

static __attribute__((format(printf, 2, 3)))
int64_t reject(int64_t err, const char *fmt, ...)
{
	va_list ap;

	kvm_request_stats.rejected++;
	printk("kvm: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk(" -> %ld\n", err);
	return err;
}

int64_t kvm_request(uint64_t handle, uint64_t request, uint64_t arg, void *mailbox)
{
	const struct request_desc *rq = request >> 32 ? 0 : find_request(request);

	if (!rq) {
		const struct request_desc *near = request >> 32 ? 0 : find_resized(request);
		if (near)
			return reject(-EINVAL, "request %#lx has size %lu, kvm.h's %s has %u",
				      request, (uint64_t)_IOC_SIZE(request), near->name,
				      (unsigned)_IOC_SIZE(near->number));
		return reject(-EINVAL, "unknown request %#lx on handle %lu", request, handle);
	}
	if (_IOC_SIZE(rq->number) && !mailbox)
		return reject(-EFAULT, "request %#lx needs a mailbox (handle %lu)",
			      request, handle);
	if (rq->on == ON_SYSTEM && handle != KVM_HANDLE_SYSTEM)
		return reject(-EBADF, "request %#lx is for the system handle, got %lu",
			      request, handle);
	(void)arg;
	switch (rq->number) {
	case KVM_GET_API_VERSION:
		kvm_request_stats.served++;
		return KVM_API_VERSION;
	default:
		/* VM and vCPU requests arrive with the next step of the ABI work;
		 * until then they are refused, clearly, not faked. */
		return reject(-ENOSYS, "%s (%#lx) is not implemented yet",
			      rq->name, request);
	}
}
