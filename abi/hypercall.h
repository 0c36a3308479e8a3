/*
 * The BareKVM hypercall interface (docs/hypercall-abi.md). Shared by the
 * hypervisor and the control partition.
 *
 * Instruction: VMMCALL (AMD) or VMCALL (Intel). RAX = function, RDI, RSI,
 * RDX = arguments; the result comes back in RAX (>= 0, or -errno). Every
 * other register is preserved. Only the control partition may call; from
 * any other guest the instruction raises #UD and is counted.
 */
#ifndef ABI_HYPERCALL_H
#define ABI_HYPERCALL_H

/* CPUID leaf 0x40000000: EAX = highest hypervisor leaf, EBX:ECX:EDX = sig */
#define BAREKVM_CPUID_LEAF      0x40000000u
#define BAREKVM_CPUID_SIG_EBX   0x65726142u     /* "Bare" */
#define BAREKVM_CPUID_SIG_ECX   0x204d564bu     /* "KVM " */
#define BAREKVM_CPUID_SIG_EDX   0x20205648u     /* "HV  " */
/* EAX = the TSC frequency in kHz (0 if unknown), the other registers 0;
 * the leaf VMware and KVM use for timing information. */
#define BAREKVM_CPUID_TIMING    0x40000010u
/* The wall clock: EBX:EAX = seconds since 1970 (UTC, from the machine's
 * CMOS clock; 0 if unreadable) when the TSC read EDX:ECX. Leaf 0x40000000
 * EAX is this leaf: the last hypervisor leaf. */
#define BAREKVM_CPUID_WALLCLOCK 0x40000011u

#define HC_NOP          0       /* returns 0: the cost of a round trip */
#define HC_SET_MAILBOX  1       /* RDI = GPA of the 4 KiB mailbox page */
#define HC_KVM          2       /* RDI = handle, RSI = request, RDX = int arg */
#define HC_FREE_FRAMES  3       /* returns the hypervisor's free 4 KiB frames */
#define HC_PATH_STATS   4       /* RDI = 0: print path lengths; 1: reset them */
/* RDI = TSC deadline (0: none). Halts until console input or the deadline;
 * 0, or -EOPNOTSUPP where nothing could wake the CPU (then poll). */
#define HC_IDLE         5

#define HC_MAILBOX_BYTES 4096

#endif
