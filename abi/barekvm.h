/*
 * BareKVM's own requests, for what the ioctl world did with other system
 * calls (docs/hypercall-abi.md). Same encoding as kvm.h's (_IO/_IOWR on type
 * KVMIO) with numbers far above any 2.6.21 request.
 */
#ifndef ABI_BAREKVM_H
#define ABI_BAREKVM_H

#include "abi/kvm.h"

/*
 * close(fd): on a VM handle, destroys the VM (its vCPUs, memory, tables) and
 * invalidates its vCPU handles; on a vCPU handle, releases only the handle
 * (2.6.21: the vCPU lives as long as its VM). Returns 0 or -EBADF.
 */
#define KVM_BAREKVM_CLOSE       _IO(KVMIO, 0xf0)

/*
 * mmap(vm_fd, offset = guest_phys_addr): maps [guest_phys_addr,
 * guest_phys_addr + size) of the VM, which must lie inside its memory slots,
 * into the control partition's physical address space and returns where in
 * ctl_phys_addr: always CTL_VM_WINDOW(vm index) + guest_phys_addr, so one
 * mapping per slot gives host pointer = window + gpa, as libkvm had.
 * The mapping lasts until the slot is deleted or moved or the VM closed;
 * after that the control partition must not touch it.
 * Errors: -EINVAL (alignment, size 0, beyond CTL_VM_WINDOW_BYTES),
 * -EFAULT (not covered by slots), -ENOMEM.
 */
struct barekvm_mmap {
	__u64 guest_phys_addr;  /* in */
	__u64 size;             /* in, bytes */
	__u64 ctl_phys_addr;    /* out */
};
#define KVM_BAREKVM_MMAP        _IOWR(KVMIO, 0xf1, struct barekvm_mmap)

/*
 * A timer for the VMM, as a POSIX timer's signal interrupted ioctl(KVM_RUN):
 * on a vCPU handle, the __u64 at arg is a TSC value (the control
 * partition's TSC, which is the guests' too) from which KVM_RUN returns
 * -EINTR instead of running the guest on, so that the VMM's emulated
 * timers fire on time even while the guest never exits. 0 disarms it. The
 * alarm stays armed across KVM_RUNs until the VMM moves or disarms it; a
 * deadline already passed makes each KVM_RUN return -EINTR after the guest
 * ran briefly (it always runs a little: a timer faster than a round trip
 * slows it down but cannot starve it). The TSC frequency is CPUID leaf 0x40000010
 * EAX (kHz). Always 0.
 */
#define KVM_BAREKVM_ALARM       _IOW(KVMIO, 0xf2, __u64)

/*
 * Requests of later Linux kvm.h, with their numbers and semantics (not in
 * 2.6.21; no 2.6.21 struct changes for them). docs/hypercall-abi.md,
 * "Additions beyond 2.6.21".
 *
 * KVM_CHECK_EXTENSION (Linux 2.6.22), on the system handle: the integer
 * argument is a KVM_CAP_* number; returns 1 for the extensions BareKVM
 * has (KVM_CAP_USER_NMI and KVM_CAP_VCPU_EVENTS), 0 for any other number.
 *
 * KVM_NMI (Linux 2.6.29), on a vCPU handle, no argument (the integer is
 * ignored, as Linux ignores it): latches one NMI for the vCPU, delivered
 * through vector 2 at the first entry where the guest does not block NMIs
 * (an NMI handler before its IRET; docs/virtual-cpu.md, "NMIs"); a second
 * KVM_NMI before that merges with it, as the CPU latches one NMI. Returns
 * 0, or -EBADF for a handle that is not a vCPU's.
 */
#define KVM_CHECK_EXTENSION     _IO(KVMIO, 0x03)
#define KVM_NMI                 _IO(KVMIO, 0x9a)
#define KVM_CAP_USER_NMI        22

/*
 * KVM_GET_VCPU_EVENTS / KVM_SET_VCPU_EVENTS (Linux 2.6.32), on a vCPU
 * handle: the events the vCPU holds besides its registers, Linux's struct
 * byte for byte. GET: the event being delivered (an exception, an
 * interrupt or an NMI: a CPU has one at a time), the latched NMI
 * (nmi.pending), NMI blocking by a handler before its IRET (nmi.masked),
 * the interrupt shadow (KVM_X86_SHADOW_INT_*; SVM's one bit reads as
 * both), flags VALID_NMI_PENDING | VALID_SHADOW. SET replaces them
 * (nmi.pending only with VALID_NMI_PENDING, the shadow only with
 * VALID_SHADOW); -EINVAL for unknown flags, SMM state (no SMM), payloads
 * and triple faults (capabilities not offered), an exception vector above
 * 31 or 2, more than one event being delivered, a software interrupt
 * (its instruction length is not in the struct), and an event being
 * delivered inside a shadow, which no CPU state has.
 * docs/hypercall-abi.md, "Additions beyond 2.6.21".
 */
#define KVM_X86_SHADOW_INT_MOV_SS       0x01
#define KVM_X86_SHADOW_INT_STI          0x02

#define KVM_VCPUEVENT_VALID_NMI_PENDING 0x00000001
#define KVM_VCPUEVENT_VALID_SIPI_VECTOR 0x00000002
#define KVM_VCPUEVENT_VALID_SHADOW      0x00000004
#define KVM_VCPUEVENT_VALID_SMM         0x00000008
#define KVM_VCPUEVENT_VALID_PAYLOAD     0x00000010
#define KVM_VCPUEVENT_VALID_TRIPLE_FAULT 0x00000020

struct kvm_vcpu_events {
	struct {
		__u8 injected;
		__u8 nr;
		__u8 has_error_code;
		__u8 pending;
		__u32 error_code;
	} exception;
	struct {
		__u8 injected;
		__u8 nr;
		__u8 soft;
		__u8 shadow;
	} interrupt;
	struct {
		__u8 injected;
		__u8 pending;
		__u8 masked;
		__u8 pad;
	} nmi;
	__u32 sipi_vector;
	__u32 flags;
	struct {
		__u8 smm;
		__u8 pending;
		__u8 smm_inside_nmi;
		__u8 latched_init;
	} smi;
	struct {
		__u8 pending;
	} triple_fault;
	__u8 reserved[26];
	__u8 exception_has_payload;
	__u64 exception_payload;
};

#define KVM_GET_VCPU_EVENTS     _IOR(KVMIO, 0x9f, struct kvm_vcpu_events)
#define KVM_SET_VCPU_EVENTS     _IOW(KVMIO, 0xa0, struct kvm_vcpu_events)
#define KVM_CAP_VCPU_EVENTS     41

/* Where VM windows live in the control partition's guest-physical space:
 * inside the identity map of abi/ctl_boot.h (CTL_IDMAP_BYTES). */
#define CTL_VM_WINDOW_BASE      (64ULL << 30)
#define CTL_VM_WINDOW_BYTES     (16ULL << 30)
#define CTL_VM_WINDOWS          28

#endif
