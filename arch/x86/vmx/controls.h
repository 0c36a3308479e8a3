/*
 * VMX controls and fixed bits, derived once at boot from the capability
 * MSRs (Intel SDM Vol. 3 Appendix A). Pure computation on MSR values: no
 * instructions, no globals, so it compiles and is tested on the host
 * (tests/unit/test_vmx_controls.c).
 */
#ifndef ARCH_X86_VMX_CONTROLS_H
#define ARCH_X86_VMX_CONTROLS_H

#include <stdbool.h>
#include <stdint.h>

/* IA32_VMX_BASIC (SDM A.1) */
#define VMX_BASIC_REVISION(b)        ((uint32_t)(b) & 0x7fffffff)
#define VMX_BASIC_INSOUTS_INFO       (1ULL << 54)
#define VMX_BASIC_TRUE_CTLS          (1ULL << 55)
#define VMX_BASIC_NO_ERRCODE_CHECK   (1ULL << 56)

/* Pin-based VM-execution controls (SDM 24.6.1) */
#define VMX_PIN_EXT_INTR_EXIT        (1u << 0)
#define VMX_PIN_NMI_EXIT             (1u << 3)
#define VMX_PIN_VIRTUAL_NMIS         (1u << 5)
#define VMX_PIN_PREEMPTION_TIMER     (1u << 6)

/* Primary processor-based VM-execution controls (SDM 24.6.2) */
#define VMX_PROC_INTR_WINDOW_EXIT    (1u << 2)
#define VMX_PROC_TSC_OFFSET          (1u << 3)
#define VMX_PROC_HLT_EXIT            (1u << 7)
#define VMX_PROC_INVLPG_EXIT         (1u << 9)
#define VMX_PROC_MWAIT_EXIT          (1u << 10)
#define VMX_PROC_RDPMC_EXIT          (1u << 11)
#define VMX_PROC_CR3_LOAD_EXIT       (1u << 15)
#define VMX_PROC_CR3_STORE_EXIT      (1u << 16)
#define VMX_PROC_CR8_LOAD_EXIT       (1u << 19)
#define VMX_PROC_CR8_STORE_EXIT      (1u << 20)
#define VMX_PROC_NMI_WINDOW_EXIT     (1u << 22)
#define VMX_PROC_MOV_DR_EXIT         (1u << 23)
#define VMX_PROC_UNCOND_IO_EXIT      (1u << 24)
#define VMX_PROC_USE_IO_BITMAPS      (1u << 25)
#define VMX_PROC_USE_MSR_BITMAPS     (1u << 28)
#define VMX_PROC_MONITOR_EXIT        (1u << 29)
#define VMX_PROC_SECONDARY           (1u << 31)

/* Secondary processor-based VM-execution controls (SDM 24.6.2) */
#define VMX_PROC2_EPT                (1u << 1)
#define VMX_PROC2_VPID               (1u << 5)
#define VMX_PROC2_UNRESTRICTED       (1u << 7)
#define VMX_PROC2_INVPCID            (1u << 12)

/* VM-exit controls (SDM 24.7.1) */
#define VMX_EXIT_SAVE_DEBUG          (1u << 2)
#define VMX_EXIT_HOST_64BIT          (1u << 9)
#define VMX_EXIT_SAVE_PAT            (1u << 18)
#define VMX_EXIT_LOAD_PAT            (1u << 19)
#define VMX_EXIT_SAVE_EFER           (1u << 20)
#define VMX_EXIT_LOAD_EFER           (1u << 21)

/* VM-entry controls (SDM 24.8.1) */
#define VMX_ENTRY_LOAD_DEBUG         (1u << 2)
#define VMX_ENTRY_IA32E_GUEST        (1u << 9)
#define VMX_ENTRY_LOAD_PAT           (1u << 14)
#define VMX_ENTRY_LOAD_EFER          (1u << 15)

/* IA32_VMX_EPT_VPID_CAP (SDM A.10) */
#define VMX_EPT_CAP_WALK4            (1ULL << 6)
#define VMX_EPT_CAP_UC               (1ULL << 8)
#define VMX_EPT_CAP_WB               (1ULL << 14)
#define VMX_EPT_CAP_2M               (1ULL << 16)
#define VMX_EPT_CAP_1G               (1ULL << 17)
#define VMX_EPT_CAP_INVEPT           (1ULL << 20)
#define VMX_EPT_CAP_AD               (1ULL << 21)
#define VMX_EPT_CAP_INVEPT_SINGLE    (1ULL << 25)
#define VMX_EPT_CAP_INVEPT_ALL       (1ULL << 26)
#define VMX_VPID_CAP_INVVPID         (1ULL << 32)
#define VMX_VPID_CAP_SINGLE          (1ULL << 41)
#define VMX_VPID_CAP_ALL             (1ULL << 42)

/* EPTP (SDM 24.6.11): memory type in bits 2:0, walk length - 1 in 5:3 */
#define VMX_EPTP_MT_UC               0ULL
#define VMX_EPTP_MT_WB               6ULL
#define VMX_EPTP_WALK4               (3ULL << 3)

#define VMX_CR0_PE                   (1ULL << 0)
#define VMX_CR0_WP                   (1ULL << 16)
#define VMX_CR0_PG                   (1ULL << 31)
#define VMX_CR4_PSE                  (1ULL << 4)
#define VMX_CR4_PAE                  (1ULL << 5)
#define VMX_CR4_SMEP                 (1ULL << 20)
#define VMX_CR4_SMAP                 (1ULL << 21)

/* The raw capability MSRs. The TRUE_* values are read only when
 * IA32_VMX_BASIC bit 55 says they exist; procbased2 and ept_vpid_cap only
 * when the control that announces them is allowed (else 0). */
struct vmx_cap_msrs {
	uint64_t basic, misc;
	uint64_t pinbased, procbased, exit, entry;
	uint64_t true_pinbased, true_procbased, true_exit, true_entry;
	uint64_t procbased2, ept_vpid_cap;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

/* What the backend uses for every VMCS: computed once. */
struct vmx_controls {
	uint32_t pin, proc, proc2, exit, entry;  /* IA-32e entry bit left 0 */
	bool ept, vpid, unrestricted;
	/* No usable EPT: the guest runs on shadow page tables (shadow.c),
	 * with the exits and CR bits that needs (vmx_controls_compute) */
	bool shadow;
	bool pat;                       /* save/load IA32_PAT on exit/entry */
	/* save/load IA32_EFER on exit/entry; without (Core 2) the guest's
	 * EFER is switched through the MSR-load areas (efer.c) */
	bool efer_switch;
	bool preemption_timer;          /* the VMX-preemption timer is on */
	/* Virtual NMIs and NMI-window exiting (SDM 24.6.1, 25.3): the guest
	 * interruptibility state's NMI bit is the guest's own blocking, and
	 * an exit says when it ends. Without them (no Intel CPU with EPT
	 * lacks them) injected NMIs block the real NMI pin until the guest's
	 * IRET and core learns of the end at the next exit. */
	bool virtual_nmis;
	bool insouts_info;              /* INS/OUTS fill the insn-info field */
	bool errcode_relaxed;           /* BASIC[56] */
	uint64_t eptp_flags;            /* memory type and walk length */
	bool invept_single, invept_all;
	bool invvpid_single, invvpid_all;
	/* CR0/CR4: bits the guest must have set / may have set for entry,
	 * and the guest/host masks: bits owned by us, the guest reads its
	 * own value from the read shadow. */
	uint64_t cr0_must1, cr0_may1, cr4_must1, cr4_may1;
	uint64_t cr0_mask, cr4_mask;
};

/* Which control word could not be satisfied, for the boot message. */
struct vmx_controls_error {
	const char *what;               /* e.g. "primary processor-based" */
	uint32_t msr;                   /* the capability MSR consulted */
	uint32_t missing;               /* wanted bits the CPU does not allow */
	const char *why;                /* or a sentence when not a control */
};

/*
 * One control word from its capability MSR (SDM A.3-A.5): bits 31:0 are the
 * allowed 0-settings (a 1 there means the control must be 1), bits 63:32
 * the allowed 1-settings. Returns 0 with *out = wanted plus the must-be-1
 * bits, or -1 with *missing = the wanted bits that must be 0.
 */
int vmx_adjust_controls(uint32_t wanted, uint64_t cap_msr, uint32_t *out,
			uint32_t *missing);

/*
 * All controls for BareKVM's VMCSs. EPT, VPID, unrestricted guest and PAT
 * switching are used when offered; everything else listed in vmx.c is
 * required. Without a usable EPT, c->shadow is set and shadow paging's
 * exits are required too: CR3 load and store, INVLPG (and #PF, in the
 * exception bitmap, vcpu.c); CR0.WP and CR4.PAE are then forced to 1 in
 * the CPU's view and CR0.WP, CR4.PSE/PAE/SMEP/SMAP are ours (the guest's
 * value in the read shadow). Returns 0, or -1 with *err filled.
 */
int vmx_controls_compute(const struct vmx_cap_msrs *m, struct vmx_controls *c,
			 struct vmx_controls_error *err);

/* The CR0/CR4 the CPU runs the guest with, for the value the guest wants
 * (its view is kept in the read shadow). */
uint64_t vmx_guest_cr0(const struct vmx_controls *c, uint64_t guest_view);
uint64_t vmx_guest_cr4(const struct vmx_controls *c, uint64_t guest_view);
/* The guest's view: owned bits from the shadow, the rest from the CPU. */
uint64_t vmx_cr_view(uint64_t hw, uint64_t shadow, uint64_t mask);

#endif
