/*
 * kvm.h requests over the hypercall mailbox (kvm_client.h): the control
 * partition's ioctl(). Runs in the control partition, single-threaded with
 * interrupts off, so one static mailbox serves every request; on the host the
 * unit tests supply hypercall3() (tests/fake_kvm.c).
 *
 * errno: the hypervisor answers with Linux's numbers. newlib agrees with
 * Linux on every number the ABI uses except ENOSYS (newlib 88, Linux 38),
 * which is translated before it lands in the C library's errno; results and
 * kvm_last_error() keep Linux's value, which kvm_errno_name() prints.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "abi/hypercall.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/kvm_client.h"

#define LINUX_ENOSYS 38

/* The Linux numbers this file returns itself, checked against the C
 * library's (they are the same in newlib and glibc). */
_Static_assert(E2BIG == 7 && EINTR == 4 && EFAULT == 14 && EPROTO == 71 &&
	       EINVAL == 22, "errno numbers differ from Linux");

static uint8_t mailbox[HC_MAILBOX_BYTES] __attribute__((aligned(4096)));
static int mailbox_registered;
static int last_error;
static int api_version = -1;

static void set_error(int linux_errno)
{
	last_error = linux_errno;
	errno = linux_errno == LINUX_ENOSYS ? ENOSYS : linux_errno;
}

int kvm_last_error(void)
{
	return last_error;
}

int kvm_api_version(void)
{
	return api_version;
}

static int register_mailbox(void)
{
	long r;

	if (mailbox_registered)
		return 0;
	r = hypercall3(HC_SET_MAILBOX, (unsigned long)(uintptr_t)mailbox, 0, 0);
	if (r < 0)
		return (int)r;
	mailbox_registered = 1;
	return 0;
}

/*
 * Bytes of the argument that go into the mailbox: the size in the request
 * number, plus the inline entries of the variable-length requests.
 * Returns -E2BIG if that exceeds the mailbox.
 */
static long arg_bytes_in(unsigned long request, const void *arg)
{
	uint64_t n;

	switch (request) {
	case KVM_GET_MSRS:
	case KVM_SET_MSRS:
		n = ((const struct kvm_msrs *)arg)->nmsrs;
		n = sizeof(struct kvm_msrs) + n * sizeof(struct kvm_msr_entry);
		break;
	case KVM_GET_MSR_INDEX_LIST:
		n = ((const struct kvm_msr_list *)arg)->nmsrs;
		n = sizeof(struct kvm_msr_list) + n * sizeof(uint32_t);
		break;
	default:
		n = _IOC_SIZE(request);
		break;
	}
	return n > HC_MAILBOX_BYTES ? -E2BIG : (long)n;
}

/* Bytes to copy back after a request that returned r. */
static long arg_bytes_out(unsigned long request, long r, long in_bytes)
{
	const struct kvm_msr_list *list = (const void *)mailbox;
	uint64_t n;

	if (!(_IOC_DIR(request) & _IOC_READ))
		return 0;
	if (request == KVM_GET_MSR_INDEX_LIST) {
		/* 2.6.21 writes the count back even when it returns -E2BIG;
		 * the indices only on success, and never beyond the caller's
		 * capacity (the in_bytes it sent). */
		if (r < 0)
			return r == -E2BIG ? (long)sizeof(*list) : 0;
		n = sizeof(*list) + (uint64_t)list->nmsrs * sizeof(uint32_t);
		return n < (uint64_t)in_bytes ? (long)n : in_bytes;
	}
	if (r >= 0 || (request == KVM_RUN && r == -EINTR))
		return in_bytes;
	return 0;
}

int kvm_ioctl(int handle, unsigned long request, void *arg_or_int)
{
	unsigned long int_arg = 0;
	long in_bytes = 0, out_bytes, r;

	r = register_mailbox();
	if (r < 0)
		goto fail;
	if (request == KVM_CREATE_VCPU) {
		/* By value, as 2.6.21's kvm_vm_ioctl took it; the mailbox gets
		 * the int too, for a reader that looks there. */
		int index = (int)(intptr_t)arg_or_int;

		int_arg = (unsigned long)(long)index;
		memcpy(mailbox, &index, sizeof(index));
	} else if (_IOC_SIZE(request) == 0) {
		int_arg = (unsigned long)(uintptr_t)arg_or_int;
	} else {
		if (!arg_or_int) {
			r = -EFAULT;
			goto fail;
		}
		in_bytes = arg_bytes_in(request, arg_or_int);
		if (in_bytes < 0) {
			r = in_bytes;
			goto fail;
		}
		memcpy(mailbox, arg_or_int, (size_t)in_bytes);
	}
	r = hypercall3(HC_KVM, (unsigned long)handle, request, int_arg);
	if (request != KVM_CREATE_VCPU && _IOC_SIZE(request)) {
		out_bytes = arg_bytes_out(request, r, in_bytes);
		if (out_bytes > 0)
			memcpy(arg_or_int, mailbox, (size_t)out_bytes);
	}
	if (r < 0)
		goto fail;
	return (int)r;
fail:
	set_error((int)-r);
	return (int)r;
}

void *kvm_mailbox(void)
{
	return register_mailbox() < 0 ? NULL : mailbox;
}

int kvm_open(const char **failed_step)
{
	const char *step = "HC_SET_MAILBOX";
	int r;

	r = register_mailbox();
	if (r >= 0) {
		step = "KVM_GET_API_VERSION";
		r = kvm_ioctl(KVM_SYSTEM_HANDLE, KVM_GET_API_VERSION, NULL);
		if (r >= 0) {
			api_version = r;
			r = r == KVM_API_VERSION ? KVM_SYSTEM_HANDLE : -EPROTO;
		}
	}
	if (r < 0) {
		set_error(-r);
		if (failed_step)
			*failed_step = step;
	}
	return r;
}

int kvm_create_vm(void)
{
	return kvm_ioctl(KVM_SYSTEM_HANDLE, KVM_CREATE_VM, NULL);
}

int kvm_set_memory_region(int vm, uint32_t slot, uint64_t gpa, uint64_t size,
			  uint32_t flags)
{
	struct kvm_memory_region mr = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
	};

	return kvm_ioctl(vm, KVM_SET_MEMORY_REGION, &mr);
}

void *kvm_mmap(int vm, uint64_t gpa, uint64_t size)
{
	struct barekvm_mmap m = { .guest_phys_addr = gpa, .size = size };

	if (kvm_ioctl(vm, KVM_BAREKVM_MMAP, &m) < 0)
		return NULL;
	if (m.ctl_phys_addr == 0) {     /* never a window: refuse, not crash */
		set_error(EFAULT);
		return NULL;
	}
	return (void *)(uintptr_t)m.ctl_phys_addr;
}

int kvm_close(int handle)
{
	return kvm_ioctl(handle, KVM_BAREKVM_CLOSE, NULL);
}

int kvm_create_vcpu(int vm, int index)
{
	return kvm_ioctl(vm, KVM_CREATE_VCPU, (void *)(intptr_t)index);
}

/*
 * kvm_ioctl(vcpu, KVM_RUN, run) with its steps specialised to the one
 * request the run loop makes on every exit: the struct goes in and comes
 * back whole (also on -EINTR, whose outputs are valid), at its fixed size,
 * which the compiler turns into a few moves rather than a memcpy call.
 */
int kvm_run_vcpu(int vcpu, struct kvm_run *run)
{
	long r;

	_Static_assert(sizeof(*run) <= HC_MAILBOX_BYTES, "kvm_run fits the mailbox");
	if (!mailbox_registered || !run)
		return kvm_ioctl(vcpu, KVM_RUN, run);
	__builtin_memcpy(mailbox, run, sizeof(*run));
	r = hypercall3(HC_KVM, (unsigned long)vcpu, KVM_RUN, 0);
	if (r >= 0 || r == -EINTR)
		__builtin_memcpy(run, mailbox, sizeof(*run));
	if (r < 0)
		set_error((int)-r);
	return (int)r;
}

int kvm_get_regs(int vcpu, struct kvm_regs *regs)
{
	return kvm_ioctl(vcpu, KVM_GET_REGS, regs);
}

int kvm_set_regs(int vcpu, const struct kvm_regs *regs)
{
	return kvm_ioctl(vcpu, KVM_SET_REGS, (void *)regs);
}

int kvm_get_sregs(int vcpu, struct kvm_sregs *sregs)
{
	return kvm_ioctl(vcpu, KVM_GET_SREGS, sregs);
}

int kvm_set_sregs(int vcpu, const struct kvm_sregs *sregs)
{
	return kvm_ioctl(vcpu, KVM_SET_SREGS, (void *)sregs);
}

int kvm_translate(int vcpu, uint64_t linear, uint64_t *gpa)
{
	struct kvm_translation tr = { .linear_address = linear };
	int r;

	r = kvm_ioctl(vcpu, KVM_TRANSLATE, &tr);
	if (r < 0)
		return r;
	if (!tr.valid || tr.physical_address == ~0ULL)
		return -EFAULT;
	*gpa = tr.physical_address;
	return 0;
}

int kvm_translate_full(int vcpu, uint64_t linear, struct kvm_translation *out)
{
	memset(out, 0, sizeof(*out));
	out->linear_address = linear;
	return kvm_ioctl(vcpu, KVM_TRANSLATE, out);
}

int kvm_interrupt(int vcpu, uint32_t irq)
{
	struct kvm_interrupt i = { .irq = irq };

	return kvm_ioctl(vcpu, KVM_INTERRUPT, &i);
}

int kvm_nmi(int vcpu)
{
	return kvm_ioctl(vcpu, KVM_NMI, NULL);
}

int kvm_get_vcpu_events(int vcpu, struct kvm_vcpu_events *events)
{
	return kvm_ioctl(vcpu, KVM_GET_VCPU_EVENTS, events);
}

int kvm_set_vcpu_events(int vcpu, const struct kvm_vcpu_events *events)
{
	return kvm_ioctl(vcpu, KVM_SET_VCPU_EVENTS, (void *)events);
}

int kvm_clear_vcpu_events(int vcpu)
{
	const struct kvm_vcpu_events none = {
		.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW,
	};

	return kvm_set_vcpu_events(vcpu, &none);
}

int kvm_check_extension(long cap)
{
	return kvm_ioctl(KVM_SYSTEM_HANDLE, KVM_CHECK_EXTENSION, (void *)(intptr_t)cap);
}

int kvm_alarm(int vcpu, uint64_t tsc)
{
	return kvm_ioctl(vcpu, KVM_BAREKVM_ALARM, &tsc);
}

int kvm_get_dirty_log(int vm, uint32_t slot, void *bitmap)
{
	struct kvm_dirty_log log = {
		.slot = slot,
		.dirty_bitmap = (uint64_t)(uintptr_t)bitmap,
	};

	return kvm_ioctl(vm, KVM_GET_DIRTY_LOG, &log);
}

int kvm_debug_guest(int vcpu, const struct kvm_debug_guest *dbg)
{
	return kvm_ioctl(vcpu, KVM_DEBUG_GUEST, (void *)dbg);
}

/* struct kvm_msrs with its entries inline, as the mailbox carries it. */
struct msrs_buf {
	struct kvm_msrs hdr;
	struct kvm_msr_entry entries[KVM_CLIENT_MAX_MSRS];
};

static int msrs_request(int vcpu, unsigned long request,
			struct kvm_msr_entry *entries, uint32_t n)
{
	struct msrs_buf buf;
	int r;

	if (n > KVM_CLIENT_MAX_MSRS) {
		set_error(E2BIG);
		return -E2BIG;
	}
	memset(&buf, 0, sizeof(buf));
	buf.hdr.nmsrs = n;
	memcpy(buf.entries, entries, n * sizeof(entries[0]));
	r = kvm_ioctl(vcpu, request, &buf);
	if (r >= 0 && request == KVM_GET_MSRS)
		memcpy(entries, buf.entries, n * sizeof(entries[0]));
	return r;
}

int kvm_get_msrs(int vcpu, struct kvm_msr_entry *entries, uint32_t n)
{
	return msrs_request(vcpu, KVM_GET_MSRS, entries, n);
}

int kvm_set_msrs(int vcpu, const struct kvm_msr_entry *entries, uint32_t n)
{
	return msrs_request(vcpu, KVM_SET_MSRS, (struct kvm_msr_entry *)entries, n);
}

int kvm_get_msr_index_list(uint32_t *indices, uint32_t cap)
{
	static struct {
		struct kvm_msr_list hdr;
		uint32_t indices[(HC_MAILBOX_BYTES - sizeof(struct kvm_msr_list)) /
				 sizeof(uint32_t)];
	} list;
	uint32_t n;
	int r;

	list.hdr.nmsrs = 0;
	r = kvm_ioctl(KVM_SYSTEM_HANDLE, KVM_GET_MSR_INDEX_LIST, &list);
	if (r < 0 && r != -E2BIG)
		return r;
	n = list.hdr.nmsrs;
	if (n > sizeof(list.indices) / sizeof(list.indices[0])) {
		set_error(E2BIG);
		return -E2BIG;
	}
	if (n) {
		r = kvm_ioctl(KVM_SYSTEM_HANDLE, KVM_GET_MSR_INDEX_LIST, &list);
		if (r < 0)
			return r;
	}
	n = list.hdr.nmsrs;
	memcpy(indices, list.indices, (n < cap ? n : cap) * sizeof(uint32_t));
	return (int)n;
}
