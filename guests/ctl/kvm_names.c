/*
 * Names for error reports (kvm_client.h): request numbers, Linux errno
 * values, exit reasons. Deliberately includes abi/errno.h (Linux's numbers)
 * and not the C library's <errno.h>, whose ENOSYS differs in newlib.
 * Runs in the control partition and in host tests.
 */
#include <stdio.h>
#include <string.h>

#include "abi/errno.h"
#include "guests/ctl/kvm_client.h"

#define ENTRY(x) { x, #x }

static const struct {
	unsigned long number;
	const char *name;
} requests[] = {
	ENTRY(KVM_GET_API_VERSION),
	ENTRY(KVM_CREATE_VM),
	ENTRY(KVM_GET_MSR_INDEX_LIST),
	ENTRY(KVM_SET_MEMORY_REGION),
	ENTRY(KVM_CREATE_VCPU),
	ENTRY(KVM_GET_DIRTY_LOG),
	ENTRY(KVM_RUN),
	ENTRY(KVM_GET_REGS),
	ENTRY(KVM_SET_REGS),
	ENTRY(KVM_GET_SREGS),
	ENTRY(KVM_SET_SREGS),
	ENTRY(KVM_TRANSLATE),
	ENTRY(KVM_INTERRUPT),
	ENTRY(KVM_DEBUG_GUEST),
	ENTRY(KVM_GET_MSRS),
	ENTRY(KVM_SET_MSRS),
	ENTRY(KVM_BAREKVM_CLOSE),
	ENTRY(KVM_BAREKVM_MMAP),
	ENTRY(KVM_BAREKVM_ALARM),
	ENTRY(KVM_NMI),
	ENTRY(KVM_GET_VCPU_EVENTS),
	ENTRY(KVM_SET_VCPU_EVENTS),
	ENTRY(KVM_CHECK_EXTENSION),
};

/* Linux's numbers (asm-generic/errno-base.h, errno.h). */
#define LINUX_ENOEXEC  8
#define LINUX_ENFILE   23
#define LINUX_EPROTO   71

static const struct {
	int number;
	const char *name;
} errnos[] = {
	ENTRY(EPERM), ENTRY(ENOENT), ENTRY(EINTR), ENTRY(EIO), ENTRY(ENXIO),
	ENTRY(E2BIG), { LINUX_ENOEXEC, "ENOEXEC" }, ENTRY(EBADF),
	ENTRY(EAGAIN), ENTRY(ENOMEM), ENTRY(EACCES), ENTRY(EFAULT),
	ENTRY(EBUSY), ENTRY(EEXIST), ENTRY(ENODEV), ENTRY(EINVAL),
	{ LINUX_ENFILE, "ENFILE" }, ENTRY(EMFILE), ENTRY(ENOTTY),
	ENTRY(ENOSPC), ENTRY(ERANGE), ENTRY(ENOSYS),
	{ LINUX_EPROTO, "EPROTO" }, ENTRY(EOPNOTSUPP),
};

static const char *const exit_reasons[] = {
	[KVM_EXIT_UNKNOWN] = "KVM_EXIT_UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "KVM_EXIT_EXCEPTION",
	[KVM_EXIT_IO] = "KVM_EXIT_IO",
	[KVM_EXIT_CPUID] = "KVM_EXIT_CPUID",
	[KVM_EXIT_DEBUG] = "KVM_EXIT_DEBUG",
	[KVM_EXIT_HLT] = "KVM_EXIT_HLT",
	[KVM_EXIT_MMIO] = "KVM_EXIT_MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "KVM_EXIT_IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "KVM_EXIT_SHUTDOWN",
};

const char *kvm_request_name(unsigned long request)
{
	static char unknown[32];

	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		if (requests[i].number == request)
			return requests[i].name;
	snprintf(unknown, sizeof(unknown), "request 0x%lx", request);
	return unknown;
}

int kvm_request_number(const char *name, unsigned long *request)
{
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		if (strcmp(requests[i].name, name) == 0) {
			*request = requests[i].number;
			return 0;
		}
	return -1;
}

const char *kvm_errno_name(int linux_errno)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].number == linux_errno)
			return errnos[i].name;
	return "E?";
}

const char *kvm_exit_reason_name(uint32_t reason)
{
	if (reason < sizeof(exit_reasons) / sizeof(exit_reasons[0]))
		return exit_reasons[reason];
	return "KVM_EXIT_?";
}
