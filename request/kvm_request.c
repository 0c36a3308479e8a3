/*
 * Request validation and dispatch for the kvm.h ABI over the mailbox.
 * Checked here, once, for every request, before core/ sees it:
 * the number must be one of kvm.h's, the size encoded in it must match the
 * struct, the handle must name an object of the kind the request is for,
 * and a struct argument needs a registered mailbox.
 *
 * errno choices follow 2.6.21: an unknown request on a handle is -EINVAL
 * (kvm_dev_ioctl/kvm_vm_ioctl/kvm_vcpu_ioctl default cases), a bad handle is
 * -EBADF (as the ioctl system call would say).
 */
#include "request/kvm_request.h"
#include "abi/kvm.h"
#include "abi/barekvm.h"
#include "request/kvm_handlers.h"
#include "core/handle.h"
#include "core/vcpu_run.h"
#include "abi/errno.h"
#include "core/log.h"
#include <stdarg.h>

struct kvm_request_stats kvm_request_stats;

enum request_target { ON_SYSTEM, ON_VM, ON_VCPU, ON_VM_OR_VCPU };

struct request_desc {
	uint32_t number;
	enum request_target on;
	const char *name;
};

/* Searched in order: the requests of the run loop come first (KVM_RUN
 * first of all: kvm_request's fast path names requests[0]). */
static const struct request_desc requests[] = {
	{ KVM_RUN, ON_VCPU, "KVM_RUN" },
	{ KVM_GET_REGS, ON_VCPU, "KVM_GET_REGS" },
	{ KVM_SET_REGS, ON_VCPU, "KVM_SET_REGS" },
	{ KVM_TRANSLATE, ON_VCPU, "KVM_TRANSLATE" },
	{ KVM_INTERRUPT, ON_VCPU, "KVM_INTERRUPT" },
	{ KVM_NMI, ON_VCPU, "KVM_NMI" },
	{ KVM_BAREKVM_ALARM, ON_VCPU, "KVM_BAREKVM_ALARM" },
	{ KVM_GET_API_VERSION, ON_SYSTEM, "KVM_GET_API_VERSION" },
	{ KVM_CREATE_VM, ON_SYSTEM, "KVM_CREATE_VM" },
	{ KVM_GET_MSR_INDEX_LIST, ON_SYSTEM, "KVM_GET_MSR_INDEX_LIST" },
	{ KVM_CHECK_EXTENSION, ON_SYSTEM, "KVM_CHECK_EXTENSION" },
	{ KVM_SET_MEMORY_REGION, ON_VM, "KVM_SET_MEMORY_REGION" },
	{ KVM_CREATE_VCPU, ON_VM, "KVM_CREATE_VCPU" },
	{ KVM_GET_DIRTY_LOG, ON_VM, "KVM_GET_DIRTY_LOG" },
	{ KVM_GET_SREGS, ON_VCPU, "KVM_GET_SREGS" },
	{ KVM_SET_SREGS, ON_VCPU, "KVM_SET_SREGS" },
	{ KVM_DEBUG_GUEST, ON_VCPU, "KVM_DEBUG_GUEST" },
	{ KVM_GET_MSRS, ON_VCPU, "KVM_GET_MSRS" },
	{ KVM_SET_MSRS, ON_VCPU, "KVM_SET_MSRS" },
	{ KVM_GET_VCPU_EVENTS, ON_VCPU, "KVM_GET_VCPU_EVENTS" },
	{ KVM_SET_VCPU_EVENTS, ON_VCPU, "KVM_SET_VCPU_EVENTS" },
	{ KVM_BAREKVM_CLOSE, ON_VM_OR_VCPU, "KVM_BAREKVM_CLOSE" },
	{ KVM_BAREKVM_MMAP, ON_VM, "KVM_BAREKVM_MMAP" },
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

static int64_t dispatch(const struct request_desc *rq, uint64_t handle,
			uint64_t arg, void *mbox)
{
	void *object;

	switch (rq->on) {
	case ON_SYSTEM:
		return kvm_system_request(rq->number, arg, mbox);
	case ON_VM:
		object = handle_get(handle, HANDLE_VM);
		return object ? kvm_vm_request(object, handle, rq->number, arg, mbox)
			      : -EBADF;
	case ON_VCPU:
		object = handle_get(handle, HANDLE_VCPU);
		return object ? kvm_vcpu_request(object, handle, rq->number, arg, mbox)
			      : -EBADF;
	case ON_VM_OR_VCPU:
		if ((object = handle_get(handle, HANDLE_VM)))
			return kvm_vm_request(object, handle, rq->number, arg, mbox);
		if ((object = handle_get(handle, HANDLE_VCPU)))
			return kvm_vcpu_request(object, handle, rq->number, arg, mbox);
		return -EBADF;
	}
	return -EBADF;
}

/* The handler's result: logged and counted as a rejection if it failed. */
static int64_t finish(const struct request_desc *rq, uint64_t handle,
		      uint64_t request, int64_t r)
{
	if (r == -ENOSYS) {
		/* every request in the table has a handler: reaching this is a
		 * bug of ours, reported rather than faked */
		return reject(r, "BUG: %s (%#lx) reached no handler", rq->name, request);
	}
	if (r == -EBADF)
		return reject(r, "%s on handle %lu: not a %s handle", rq->name, handle,
			      rq->on == ON_VCPU ? "vCPU" : rq->on == ON_VM ? "VM" : "VM or vCPU");
	/* -EINTR and the E2BIG size query of the MSR index list are protocol,
	 * not errors */
	if (r < 0 && r != -EINTR &&
	    !(r == -E2BIG && rq->number == KVM_GET_MSR_INDEX_LIST))
		return reject(r, "%s on handle %lu failed", rq->name, handle);
	kvm_request_stats.served++;
	return r;
}

int64_t kvm_request(uint64_t handle, uint64_t request, uint64_t arg, void *mailbox)
{
	/* The run loop's request first, with the checks the table path makes
	 * (a known number of the right size: KVM_RUN itself; a mailbox; a
	 * vCPU handle) but no search; when one fails, the general path below
	 * finds it again and says which. */
	if (request == KVM_RUN && mailbox) {
		struct vcpu *v = handle_get(handle, HANDLE_VCPU);
		if (v)
			return finish(&requests[0], handle, request, vcpu_run(v, mailbox));
	}

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
	return finish(rq, handle, request,
		      dispatch(rq, handle, arg, _IOC_SIZE(rq->number) ? mailbox : 0));
}
