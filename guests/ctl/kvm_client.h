/*
 * The control partition's kvm.h client: ioctl() on /dev/kvm, its VM and vCPU
 * fds, carried by the HC_KVM hypercall and the mailbox page instead of a
 * system call (docs/hypercall-abi.md), plus libkvm-like conveniences.
 *
 * Handles are what the fds were: 0 is the system handle (/dev/kvm), VM and
 * vCPU handles come from KVM_CREATE_VM and KVM_CREATE_VCPU. Results are
 * those of the raw system call: >= 0, or -errno with Linux's numbering
 * (abi/errno.h); failures also set the C library's errno to the same error.
 *
 * Builds for the control partition and, with a fake hypercall3(), for the
 * host unit tests (guests/ctl/tests/fake_kvm.c): nothing here touches
 * hardware except through hypercall3().
 */
#ifndef GUESTS_CTL_KVM_CLIENT_H
#define GUESTS_CTL_KVM_CLIENT_H

#include <stdint.h>

#include "abi/barekvm.h"
#include "abi/kvm.h"

#define KVM_SYSTEM_HANDLE 0

/*
 * ioctl(handle, request, arg). For a request whose number encodes a size
 * (_IOC_SIZE > 0), arg points to the struct: it is copied into the mailbox,
 * and back out for _IOC_READ requests (on success; KVM_RUN also on -EINTR,
 * KVM_GET_MSR_INDEX_LIST's count also on -E2BIG, as 2.6.21 did).
 * KVM_GET_MSRS, KVM_SET_MSRS and KVM_GET_MSR_INDEX_LIST carry their entries
 * inline after the header; a request that does not fit the 4 KiB mailbox
 * fails with -E2BIG before any hypercall. For _IO requests, and for
 * KVM_CREATE_VCPU (declared _IOW(int) but passed by value in 2.6.21), arg is
 * the integer itself. Registers the mailbox on first use.
 */
int kvm_ioctl(int handle, unsigned long request, void *arg_or_int);

/* The mailbox page itself (registered first), for callers that build a
 * request byte by byte and issue HC_KVM themselves (the `fuzz` command);
 * NULL if it cannot be registered. */
void *kvm_mailbox(void);

/* The Linux errno of the last failed kvm_ioctl (0 if none failed yet). */
int kvm_last_error(void);

/*
 * Registers the mailbox (HC_SET_MAILBOX, once) and checks that the
 * hypervisor speaks KVM_API_VERSION 4. Returns KVM_SYSTEM_HANDLE, or -errno;
 * -EPROTO if the version differs (kvm_api_version() tells which).
 * *failed_step, if not NULL, names the step that failed.
 */
int kvm_open(const char **failed_step);
int kvm_api_version(void);

int kvm_create_vm(void);
int kvm_set_memory_region(int vm, uint32_t slot, uint64_t gpa, uint64_t size,
			  uint32_t flags);
/*
 * mmap(vm, offset = gpa): maps [gpa, gpa + size) of the VM into the control
 * partition (KVM_BAREKVM_MMAP) and returns a pointer to gpa's byte (the
 * partition is identity mapped, so its physical address is the pointer).
 * NULL on failure, with errno and kvm_last_error() set.
 */
void *kvm_mmap(int vm, uint64_t gpa, uint64_t size);
int kvm_close(int handle);
int kvm_create_vcpu(int vm, int index);
int kvm_run_vcpu(int vcpu, struct kvm_run *run);
int kvm_get_regs(int vcpu, struct kvm_regs *regs);
int kvm_set_regs(int vcpu, const struct kvm_regs *regs);
int kvm_get_sregs(int vcpu, struct kvm_sregs *sregs);
int kvm_set_sregs(int vcpu, const struct kvm_sregs *sregs);
/*
 * KVM_TRANSLATE of one linear address in the vCPU's current paging mode.
 * Returns 0 with *gpa set, -EFAULT if the address is not mapped (valid = 0),
 * or -errno if the request failed.
 */
int kvm_translate(int vcpu, uint64_t linear, uint64_t *gpa);
/* KVM_TRANSLATE with every output field (valid, writeable, usermode). */
int kvm_translate_full(int vcpu, uint64_t linear, struct kvm_translation *out);
/* KVM_INTERRUPT: queues vector irq (0-255) in the hypervisor. */
int kvm_interrupt(int vcpu, uint32_t irq);
/* KVM_NMI (later Linux, abi/barekvm.h): latches one NMI for the vCPU. */
int kvm_nmi(int vcpu);

/* KVM_GET_VCPU_EVENTS / KVM_SET_VCPU_EVENTS (later Linux, abi/barekvm.h):
 * the event being delivered, the latched NMI, NMI blocking, the shadow. */
int kvm_get_vcpu_events(int vcpu, struct kvm_vcpu_events *events);
int kvm_set_vcpu_events(int vcpu, const struct kvm_vcpu_events *events);
/* Nothing being delivered, no NMI latched or blocked, no shadow: a CPU
 * after RESET (`reset`) or a freshly loaded image. */
int kvm_clear_vcpu_events(int vcpu);
/* KVM_CHECK_EXTENSION on the system handle: 1 if the hypervisor has
 * KVM_CAP_* number cap, 0 if not, or -errno. */
int kvm_check_extension(long cap);
/* KVM_BAREKVM_ALARM: KVM_RUN returns -EINTR from TSC value tsc on (0:
 * never). */
int kvm_alarm(int vcpu, uint64_t tsc);
/* KVM_GET_DIRTY_LOG of a slot into bitmap, which must hold the slot's
 * ceil(pages / 64) * 8 bytes; the control partition is identity mapped, so
 * its address is the GPA the request carries. */
int kvm_get_dirty_log(int vm, uint32_t slot, void *bitmap);
/* KVM_DEBUG_GUEST. */
int kvm_debug_guest(int vcpu, const struct kvm_debug_guest *dbg);
/*
 * KVM_GET_MSRS / KVM_SET_MSRS of n entries (at most KVM_CLIENT_MAX_MSRS):
 * the number of entries processed (the hypervisor stops at the first
 * unsupported index), or -errno.
 */
#define KVM_CLIENT_MAX_MSRS 64
int kvm_get_msrs(int vcpu, struct kvm_msr_entry *entries, uint32_t n);
int kvm_set_msrs(int vcpu, const struct kvm_msr_entry *entries, uint32_t n);
/*
 * KVM_GET_MSR_INDEX_LIST the 2.6.21 way: asks with capacity 0 for the
 * count (-E2BIG), then for the list. Returns the count (the list is cut to
 * cap entries), or -errno.
 */
int kvm_get_msr_index_list(uint32_t *indices, uint32_t cap);

/* ---- kvm_names.c ---------------------------------------------------------- */

/* "KVM_RUN", "KVM_BAREKVM_MMAP", ...; "request 0x..." for unknown numbers
 * (formatted into a static buffer). */
const char *kvm_request_name(unsigned long request);
/* The number of a request named as kvm.h names it ("KVM_RUN"): 0, or -1
 * if no request has that name. */
int kvm_request_number(const char *name, unsigned long *request);
/* Linux errno value to its name: 22 -> "EINVAL"; "E?" if unknown. */
const char *kvm_errno_name(int linux_errno);
/* Exit reason to its name: 2 -> "KVM_EXIT_IO"; "KVM_EXIT_?" if unknown. */
const char *kvm_exit_reason_name(uint32_t reason);

#endif
