/*
 * A fake hypervisor for host tests: hypercall3() serving HC_SET_MAILBOX and
 * HC_KVM from the mailbox exactly as the real one does (docs/hypercall-abi.md),
 * so kvm_client.c, vm.c and vmm_run.c run unchanged above it. Guest RAM is a
 * calloc'd buffer; KVM_RUN asks the test's script for the next exit.
 */
#ifndef GUESTS_CTL_TESTS_FAKE_KVM_H
#define GUESTS_CTL_TESTS_FAKE_KVM_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/barekvm.h"
#include "abi/kvm.h"

#define FAKE_MAX_CALLS 256

/* KVM_RUN: the test fills *run's exit fields (run is the mailbox copy the
 * VMM sent) and returns the request's result (0, -EINTR, ...). */
typedef long fake_run_fn(struct kvm_run *run, int call);

struct fake_call {
	unsigned long handle, request, int_arg;
	long result;
	uint32_t emulated, mmio_completed;      /* KVM_RUN inputs */
	uint8_t mmio_data[8];
};

struct fake_kvm {
	int api_version;
	void *mailbox;
	uint8_t *ram;
	uint64_t ram_bytes;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	fake_run_fn *run;
	int nruns;
	bool last_exit_cpuid;   /* the last KVM_RUN ended in KVM_EXIT_CPUID */
	int vm_handle, vcpu_handle;
	/* Fail this request with this errno (Linux value), once set. */
	unsigned long fail_request;
	int fail_errno;
	/* KVM_TRANSLATE: identity, except that [alias_linear, + alias_bytes)
	 * maps to alias_phys, and addresses at or above unmapped_from are
	 * invalid. */
	uint64_t alias_linear, alias_bytes, alias_phys;
	uint64_t unmapped_from;
	int ntranslates;
	int ncalls;
	struct fake_call calls[FAKE_MAX_CALLS];
	int closes;
	/* KVM_INTERRUPT: how many, and the vectors in order. */
	int ninterrupts;
	uint32_t interrupts[32];
	/* KVM_NMI: how many, and how many KVM_RUNs had come before each
	 * (the last one's) */
	int nmis;
	int nmi_before_run;
	struct kvm_vcpu_events events;  /* KVM_SET_VCPU_EVENTS as last set */
	int events_set;
	/* KVM_DEBUG_GUEST: the last settings. */
	struct kvm_debug_guest debug;
	/* KVM_GET_DIRTY_LOG: bitmap returned (then cleared) for slot 0. */
	uint64_t dirty[4];
};

extern struct fake_kvm fake;

/* Resets the fake (frees RAM); API version 4, no failures. */
void fake_kvm_reset(void);

long hypercall3(unsigned long nr, unsigned long a0, unsigned long a1,
		unsigned long a2);

#endif
