/*
 * The VMCS: field encodings (Intel SDM Vol. 3 Appendix B), the bits of the
 * fields we use (SDM Vol. 3 24.4-24.9 and 27.2), and the VMX instructions
 * that act on a VMCS or on cached translations.
 *
 * The instruction wrappers are inline because VMREAD/VMWRITE sit on every
 * exit path; each reports failure (CF or ZF set, SDM Vol. 3 30.2) to its
 * caller. The vmcs_read/vmcs_write forms treat a failure as our own bug
 * and panic with the field and the VM-instruction error (vmcs.c): a field
 * we use that the CPU does not have, or no current VMCS.
 *
 * Runs in VMX root operation, on the CPU that owns the VMCS, interrupts off.
 */
#ifndef ARCH_X86_VMX_VMCS_H
#define ARCH_X86_VMX_VMCS_H

#include <stdbool.h>
#include <stdint.h>

/* 16-bit control and guest/host selector fields */
#define VMCS_VPID                    0x0000
#define VMCS_GUEST_ES_SEL            0x0800     /* +2 per segment: ES CS SS */
#define VMCS_GUEST_TR_SEL            0x080e     /* DS FS GS LDTR TR */
#define VMCS_HOST_ES_SEL             0x0c00
#define VMCS_HOST_CS_SEL             0x0c02
#define VMCS_HOST_SS_SEL             0x0c04
#define VMCS_HOST_DS_SEL             0x0c06
#define VMCS_HOST_FS_SEL             0x0c08
#define VMCS_HOST_GS_SEL             0x0c0a
#define VMCS_HOST_TR_SEL             0x0c0c

/* 64-bit fields */
#define VMCS_IO_BITMAP_A             0x2000
#define VMCS_IO_BITMAP_B             0x2002
#define VMCS_MSR_BITMAP              0x2004
#define VMCS_EXIT_MSR_STORE_ADDR     0x2006
#define VMCS_EXIT_MSR_LOAD_ADDR      0x2008
#define VMCS_ENTRY_MSR_LOAD_ADDR     0x200a
#define VMCS_TSC_OFFSET              0x2010
#define VMCS_EPT_POINTER             0x201a
#define VMCS_GUEST_PHYS_ADDR         0x2400     /* read-only */
#define VMCS_LINK_POINTER            0x2800
#define VMCS_GUEST_DEBUGCTL          0x2802
#define VMCS_GUEST_PAT               0x2804
#define VMCS_GUEST_EFER              0x2806
#define VMCS_GUEST_PDPTE0            0x280a     /* +2 per PDPTE, 4 of them */
#define VMCS_HOST_PAT                0x2c00
#define VMCS_HOST_EFER               0x2c02

/* 32-bit fields */
#define VMCS_PIN_CONTROLS            0x4000
#define VMCS_PROC_CONTROLS           0x4002
#define VMCS_EXCEPTION_BITMAP        0x4004
#define VMCS_PF_ERROR_MASK           0x4006
#define VMCS_PF_ERROR_MATCH          0x4008
#define VMCS_CR3_TARGET_COUNT        0x400a
#define VMCS_EXIT_CONTROLS           0x400c
#define VMCS_EXIT_MSR_STORE_COUNT    0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT     0x4010
#define VMCS_ENTRY_CONTROLS          0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT    0x4014
#define VMCS_ENTRY_INTR_INFO         0x4016
#define VMCS_ENTRY_EXCEPTION_ERROR   0x4018
#define VMCS_ENTRY_INSN_LEN          0x401a
#define VMCS_PROC_CONTROLS2          0x401e
#define VMCS_INSN_ERROR              0x4400     /* read-only from here */
#define VMCS_EXIT_REASON             0x4402
#define VMCS_EXIT_INTR_INFO          0x4404
#define VMCS_EXIT_INTR_ERROR         0x4406
#define VMCS_IDT_VECTORING_INFO      0x4408
#define VMCS_IDT_VECTORING_ERROR     0x440a
#define VMCS_EXIT_INSN_LEN           0x440c
#define VMCS_EXIT_INSN_INFO          0x440e
#define VMCS_GUEST_ES_LIMIT          0x4800     /* +2 per segment */
#define VMCS_GUEST_GDTR_LIMIT        0x4810
#define VMCS_GUEST_IDTR_LIMIT        0x4812
#define VMCS_GUEST_ES_AR             0x4814     /* +2 per segment */
#define VMCS_GUEST_INTERRUPTIBILITY  0x4824
#define VMCS_GUEST_ACTIVITY          0x4826
#define VMCS_GUEST_SYSENTER_CS       0x482a
#define VMCS_PREEMPTION_TIMER        0x482e
#define VMCS_HOST_SYSENTER_CS        0x4c00

/* natural-width fields */
#define VMCS_CR0_MASK                0x6000
#define VMCS_CR4_MASK                0x6002
#define VMCS_CR0_SHADOW              0x6004
#define VMCS_CR4_SHADOW              0x6006
#define VMCS_EXIT_QUALIFICATION      0x6400     /* read-only */
#define VMCS_GUEST_LINEAR_ADDR       0x640a     /* read-only */
#define VMCS_GUEST_CR0               0x6800
#define VMCS_GUEST_CR3               0x6802
#define VMCS_GUEST_CR4               0x6804
#define VMCS_GUEST_ES_BASE           0x6806     /* +2 per segment */
#define VMCS_GUEST_GDTR_BASE         0x6816
#define VMCS_GUEST_IDTR_BASE         0x6818
#define VMCS_GUEST_DR7               0x681a
#define VMCS_GUEST_RSP               0x681c
#define VMCS_GUEST_RIP               0x681e
#define VMCS_GUEST_RFLAGS            0x6820
#define VMCS_GUEST_PENDING_DBG       0x6822
#define VMCS_GUEST_SYSENTER_ESP      0x6824
#define VMCS_GUEST_SYSENTER_EIP      0x6826
#define VMCS_HOST_CR0                0x6c00
#define VMCS_HOST_CR3                0x6c02
#define VMCS_HOST_CR4                0x6c04
#define VMCS_HOST_FS_BASE            0x6c06
#define VMCS_HOST_GS_BASE            0x6c08
#define VMCS_HOST_TR_BASE            0x6c0a
#define VMCS_HOST_GDTR_BASE          0x6c0c
#define VMCS_HOST_IDTR_BASE          0x6c0e
#define VMCS_HOST_SYSENTER_ESP       0x6c10
#define VMCS_HOST_SYSENTER_EIP       0x6c12
#define VMCS_HOST_RSP                0x6c14
#define VMCS_HOST_RIP                0x6c16

/* Guest segment n (VMX_SEG_*) fields are ES's plus 2*n (SDM Appendix B). */
#define VMCS_GUEST_SEG(es_field, n)  ((es_field) + 2 * (n))
enum vmx_seg { VMX_SEG_ES, VMX_SEG_CS, VMX_SEG_SS, VMX_SEG_DS, VMX_SEG_FS,
	       VMX_SEG_GS, VMX_SEG_LDTR, VMX_SEG_TR, VMX_NSEGS };

/* Basic exit reasons (SDM Vol. 3 Appendix C); bit 31 = VM-entry failure. */
#define VMX_EXIT_EXCEPTION_NMI       0
#define VMX_EXIT_EXTERNAL_INTR       1
#define VMX_EXIT_TRIPLE_FAULT        2
#define VMX_EXIT_PREEMPTION_TIMER    52
#define VMX_EXIT_INIT                3
#define VMX_EXIT_SIPI                4
#define VMX_EXIT_INTR_WINDOW         7
#define VMX_EXIT_NMI_WINDOW          8
#define VMX_EXIT_TASK_SWITCH         9
#define VMX_EXIT_CPUID               10
#define VMX_EXIT_GETSEC              11
#define VMX_EXIT_HLT                 12
#define VMX_EXIT_INVD                13
#define VMX_EXIT_INVLPG              14
#define VMX_EXIT_RDPMC               15
#define VMX_EXIT_VMCALL              18
#define VMX_EXIT_VMCLEAR             19
#define VMX_EXIT_VMLAUNCH            20
#define VMX_EXIT_VMPTRLD             21
#define VMX_EXIT_VMPTRST             22
#define VMX_EXIT_VMREAD              23
#define VMX_EXIT_VMRESUME            24
#define VMX_EXIT_VMWRITE             25
#define VMX_EXIT_VMXOFF              26
#define VMX_EXIT_VMXON               27
#define VMX_EXIT_CR_ACCESS           28
#define VMX_EXIT_DR_ACCESS           29
#define VMX_EXIT_IO                  30
#define VMX_EXIT_RDMSR               31
#define VMX_EXIT_WRMSR               32
#define VMX_EXIT_ENTRY_BAD_GUEST     33
#define VMX_EXIT_ENTRY_BAD_MSR_LOAD  34
#define VMX_EXIT_MWAIT               36
#define VMX_EXIT_MONITOR             39
#define VMX_EXIT_ENTRY_MACHINE_CHECK 41
#define VMX_EXIT_EPT_VIOLATION       48
#define VMX_EXIT_EPT_MISCONFIG       49
#define VMX_EXIT_INVEPT              50
#define VMX_EXIT_INVVPID             53
#define VMX_EXIT_XSETBV              55
#define VMX_NEXIT_REASONS            66
#define VMX_EXIT_REASON_ENTRY_FAIL   (1u << 31)
#define VMX_EXIT_REASON_BASIC(r)     ((r) & 0xffff)

/* Interruption-information fields: VM-entry, VM-exit, IDT-vectoring
 * (SDM Vol. 3 24.8.3, 24.9.2). */
#define VMX_INTR_VECTOR(i)           ((i) & 0xff)
#define VMX_INTR_TYPE_MASK           (7u << 8)
#define VMX_INTR_TYPE_EXT            (0u << 8)
#define VMX_INTR_TYPE_NMI            (2u << 8)
#define VMX_INTR_TYPE_HW_EXC         (3u << 8)
#define VMX_INTR_TYPE_SW_INT         (4u << 8)
#define VMX_INTR_TYPE_PRIV_SW_EXC    (5u << 8)
#define VMX_INTR_TYPE_SW_EXC         (6u << 8)
#define VMX_INTR_HAS_ERROR           (1u << 11)
#define VMX_INTR_VALID               (1u << 31)

/* Guest interruptibility state (SDM Vol. 3 24.4.2, Table 24-3) */
#define VMX_BLOCK_STI                (1u << 0)
#define VMX_BLOCK_MOV_SS             (1u << 1)
#define VMX_BLOCK_NMI                (1u << 3)
/* VM-exit interruption information (exception exits) and the exit
 * qualification of EPT violations: a faulting IRET cleared NMI blocking
 * (SDM Vol. 3 27.2.2, 27.2.3) */
#define VMX_INFO_NMI_UNBLOCKED       (1u << 12)

/* VM-instruction errors we name in messages (SDM Vol. 3 30.4) */
#define VMX_ERR_ENTRY_BAD_CONTROLS   7
#define VMX_ERR_ENTRY_BAD_HOST       8

/* INVEPT / INVVPID types (SDM Vol. 3 30.3) */
#define VMX_INVEPT_SINGLE            1
#define VMX_INVEPT_ALL               2
#define VMX_INVVPID_SINGLE           1
#define VMX_INVVPID_ALL              2

/* Each returns true on success (CF = ZF = 0). */
static inline bool vmx_vmread(uint64_t field, uint64_t *val)
{
	bool ok;

	__asm__ volatile("vmread %[field], %[val]; seta %[ok]"
			 : [ok] "=qm"(ok), [val] "=rm"(*val)
			 : [field] "r"(field) : "cc");
	return ok;
}

static inline bool vmx_vmwrite(uint64_t field, uint64_t val)
{
	bool ok;

	__asm__ volatile("vmwrite %[val], %[field]; seta %[ok]"
			 : [ok] "=qm"(ok) : [field] "r"(field), [val] "rm"(val)
			 : "cc", "memory");
	return ok;
}

static inline bool vmx_vmptrld(uint64_t pa)
{
	bool ok;

	__asm__ volatile("vmptrld %[pa]; seta %[ok]"
			 : [ok] "=qm"(ok) : [pa] "m"(pa) : "cc", "memory");
	return ok;
}

static inline bool vmx_vmclear(uint64_t pa)
{
	bool ok;

	__asm__ volatile("vmclear %[pa]; seta %[ok]"
			 : [ok] "=qm"(ok) : [pa] "m"(pa) : "cc", "memory");
	return ok;
}

static inline bool vmx_vmxon(uint64_t pa)
{
	bool ok;

	__asm__ volatile("vmxon %[pa]; seta %[ok]"
			 : [ok] "=qm"(ok) : [pa] "m"(pa) : "cc", "memory");
	return ok;
}

static inline bool vmx_invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } desc = { eptp, 0 };
	bool ok;

	__asm__ volatile("invept %[desc], %[type]; seta %[ok]"
			 : [ok] "=qm"(ok) : [desc] "m"(desc), [type] "r"(type)
			 : "cc", "memory");
	return ok;
}

static inline bool vmx_invvpid(uint64_t type, uint16_t vpid)
{
	struct { uint64_t vpid, linear; } desc = { vpid, 0 };
	bool ok;

	__asm__ volatile("invvpid %[desc], %[type]; seta %[ok]"
			 : [ok] "=qm"(ok) : [desc] "m"(desc), [type] "r"(type)
			 : "cc", "memory");
	return ok;
}

/* Checked accessors of the current VMCS (vmcs.c): panic on failure. */
/* Panics with the field and the VM-instruction error (vmcs.c). */
__attribute__((noreturn, cold)) void vmcs_fail(const char *op, uint32_t field);

/* Inline: a dozen of these run on every exit and entry, and the check
 * costs a SETA and a branch to the cold panic. */
static inline uint64_t vmcs_read(uint32_t field)
{
	uint64_t val;

	if (__builtin_expect(!vmx_vmread(field, &val), 0))
		vmcs_fail("VMREAD", field);
	return val;
}

static inline void vmcs_write(uint32_t field, uint64_t val)
{
	if (__builtin_expect(!vmx_vmwrite(field, val), 0))
		vmcs_fail("VMWRITE", field);
}

static inline uint32_t vmcs_read32(uint32_t field)
{
	return (uint32_t)vmcs_read(field);
}

/* Makes the VMCS at 'pa' current on this CPU if it is not already. */
void vmcs_load(uint64_t pa);
/* Writes the VMCS at 'pa' back to memory and makes it inactive ("clear"):
 * before first use and before its frame is freed (SDM Vol. 3 24.11.3). */
void vmcs_clear(uint64_t pa);
/* The VM-instruction error of the current VMCS, and its SDM wording. */
uint32_t vmcs_insn_error(void);
const char *vmcs_insn_error_name(uint32_t err);

#endif
