/* Architectural checks of guest values (see core/cpu_rules.h). */
#include "core/cpu_rules.h"

#define MSR_SYSENTER_ESP   0x00000175u
#define MSR_SYSENTER_EIP   0x00000176u
#define MSR_PAT            0x00000277u
#define MSR_LSTAR          0xc0000082u
#define MSR_CSTAR          0xc0000083u
#define MSR_FS_BASE        0xc0000100u
#define MSR_GS_BASE        0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u

#define PCID_MASK          0xfffULL     /* CR3[11:0] with CR4.PCIDE */
#define RULES_CR3_PCID_NOFLUSH (1ULL << 63) /* CR3 source bit 63 with CR4.PCIDE */

/* A CR4 bit and the CPUID feature that makes it exist. */
struct cr4_feature {
	uint64_t cr4;
	uint8_t word;   /* index into the words of struct cpu_rules_cpuid */
	uint8_t bit;
};
enum { W_L1_ECX, W_L1_EDX, W_L7_EBX, W_L7_ECX, W_L7_EDX, W_E1_EDX };

/*
 * SDM Vol. 3 2.5 ("CR4") and APM Vol. 2 3.1.3 name the feature
 * behind each bit. Bits not listed are reserved for the virtual CPU even
 * where the host has them: CET, PKS, UINTR, LAM, FRED and Key Locker need
 * state that is not switched per vCPU (XSAVES-managed or MSRs), so
 * core/cpuid.c hides their features as well.
 */
static const struct cr4_feature cr4_features[] = {
	{ RULES_CR4_VME, W_L1_EDX, 1 },         /* VME */
	{ RULES_CR4_PVI, W_L1_EDX, 1 },         /* VME */
	{ RULES_CR4_TSD, W_L1_EDX, 4 },         /* TSC */
	{ RULES_CR4_DE, W_L1_EDX, 2 },          /* DE */
	{ RULES_CR4_PSE, W_L1_EDX, 3 },         /* PSE */
	{ RULES_CR4_PAE, W_L1_EDX, 6 },         /* PAE */
	{ RULES_CR4_MCE, W_L1_EDX, 7 },         /* MCE */
	{ RULES_CR4_PGE, W_L1_EDX, 13 },        /* PGE */
	{ RULES_CR4_OSFXSR, W_L1_EDX, 24 },     /* FXSR */
	{ RULES_CR4_OSXMMEXCPT, W_L1_EDX, 25 }, /* SSE */
	{ RULES_CR4_UMIP, W_L7_ECX, 2 },        /* UMIP */
	{ RULES_CR4_LA57, W_L7_ECX, 16 },       /* LA57 */
	{ RULES_CR4_VMXE, W_L1_ECX, 5 },        /* VMX */
	{ RULES_CR4_SMXE, W_L1_ECX, 6 },        /* SMX */
	{ RULES_CR4_FSGSBASE, W_L7_EBX, 0 },    /* FSGSBASE */
	{ RULES_CR4_PCIDE, W_L1_ECX, 17 },      /* PCID */
	{ RULES_CR4_OSXSAVE, W_L1_ECX, 26 },    /* XSAVE */
	{ RULES_CR4_SMEP, W_L7_EBX, 7 },        /* SMEP */
	{ RULES_CR4_SMAP, W_L7_EBX, 20 },       /* SMAP */
	{ RULES_CR4_PKE, W_L7_ECX, 3 },         /* PKU */
};

/* EFER bits and their leaf 0x80000001 EDX feature (APM 3.1.7, SDM 2.2.1).
 * LMSLE, TCE and the rest are not offered: reserved. */
static const struct { uint64_t efer; uint8_t bit; } efer_features[] = {
	{ RULES_EFER_SCE, 11 },         /* SYSCALL */
	{ RULES_EFER_LME, 29 },         /* LM */
	{ RULES_EFER_LMA, 29 },         /* LM */
	{ RULES_EFER_NXE, 20 },         /* NX */
	{ RULES_EFER_FFXSR, 25 },       /* FFXSR (AMD) */
};

void cpu_rules_derive(struct cpu_rules *r, const struct cpu_rules_cpuid *c)
{
	const uint32_t words[] = { c->l1_ecx, c->l1_edx, c->l7_ebx, c->l7_ecx,
				   c->l7_edx, c->e1_edx };

	/* PCE (RDPMC at any CPL) has no feature bit: every CPU has it */
	r->cr4_allowed = RULES_CR4_PCE;
	for (unsigned i = 0; i < sizeof(cr4_features) / sizeof(cr4_features[0]); i++)
		if (words[cr4_features[i].word] & (1u << cr4_features[i].bit))
			r->cr4_allowed |= cr4_features[i].cr4;
	r->efer_allowed = 0;
	for (unsigned i = 0; i < sizeof(efer_features) / sizeof(efer_features[0]); i++)
		if (c->e1_edx & (1u << efer_features[i].bit))
			r->efer_allowed |= efer_features[i].efer;
	r->va_bits = (r->cr4_allowed & RULES_CR4_LA57) ? 57 : 48;
	/* without leaf 0x80000008 the width is 36 (SDM Vol. 3 4.1.4) */
	r->pa_bits = (c->e8_eax & 0xff) ? (c->e8_eax & 0xff) : 36;
}

bool cpu_rules_cr3_write(const struct cpu_rules *r, uint64_t value, uint64_t cr4,
			 bool long64, uint64_t *cr3_out)
{
	if (cr4 & RULES_CR4_PCIDE)
		value &= ~RULES_CR3_PCID_NOFLUSH;
	if (long64 && (value >> r->pa_bits))
		return false;
	*cr3_out = long64 ? value : (uint32_t)value;
	return true;
}

bool cpu_rules_pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t type = (uint8_t)(pat >> (8 * i));
		if (type == 2 || type == 3 || type > 7)
			return false;
	}
	return true;
}

#define MTRR_DEF_TYPE_TYPE 0xffULL
#define MTRR_DEF_TYPE_E    (1ULL << 11)

/* The MTRR memory types (SDM Vol. 3A Table 11-8): UC 0, WC 1, WT 4, WP 5,
 * WB 6; 2, 3 and 7-255 are reserved. */
static bool mtrr_type_valid(uint8_t type)
{
	return type == 0 || type == 1 || (type >= 4 && type <= 6);
}

bool cpu_rules_mtrr_def_type_valid(uint64_t value)
{
	return !(value & ~(MTRR_DEF_TYPE_TYPE | MTRR_DEF_TYPE_E)) &&
	       mtrr_type_valid((uint8_t)value);
}

bool cpu_rules_canonical(const struct cpu_rules *r, uint64_t addr)
{
	unsigned shift = 64 - r->va_bits;

	return (uint64_t)((int64_t)(addr << shift) >> shift) == addr;
}

bool cpu_rules_msr_value_valid(const struct cpu_rules *r, uint32_t index,
			       uint64_t value)
{
	switch (index) {
	case MSR_PAT:
		return cpu_rules_pat_valid(value);
	case MSR_SYSENTER_ESP:
	case MSR_SYSENTER_EIP:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
		return cpu_rules_canonical(r, value);
	default:
		return true;
	}
}

bool cpu_rules_efer_write(const struct cpu_rules *r, uint64_t old_efer,
			  uint64_t value, bool paging, uint64_t *out)
{
	if (value & ~r->efer_allowed)
		return false;
	if (paging && ((value ^ old_efer) & RULES_EFER_LME))
		return false;
	*out = (value & ~RULES_EFER_LMA) | (old_efer & RULES_EFER_LMA);
	return true;
}

bool cpu_rules_cr0_write(uint64_t old_cr0, uint64_t value, uint64_t cr4,
			 uint64_t efer, bool long64, uint64_t *cr0_out,
			 uint64_t *efer_out)
{
	bool paging_on = (value & RULES_CR0_PG) && !(old_cr0 & RULES_CR0_PG);
	bool paging_off = !(value & RULES_CR0_PG) && (old_cr0 & RULES_CR0_PG);

	if (value >> 32)
		return false;
	if ((value & RULES_CR0_PG) && !(value & RULES_CR0_PE))
		return false;
	if ((value & RULES_CR0_NW) && !(value & RULES_CR0_CD))
		return false;
	if (paging_on && (efer & RULES_EFER_LME) && !(cr4 & RULES_CR4_PAE))
		return false;
	/* 64-bit code must switch to compatibility mode before it leaves
	 * IA-32e mode; with PCIDs on, paging cannot be turned off at all */
	if (paging_off && (long64 || (cr4 & RULES_CR4_PCIDE)))
		return false;
	if (paging_on && (efer & RULES_EFER_LME))
		efer |= RULES_EFER_LMA;
	if (paging_off)
		efer &= ~RULES_EFER_LMA;
	*cr0_out = (value & RULES_CR0_BITS) | RULES_CR0_ET;
	*efer_out = efer;
	return true;
}

bool cpu_rules_cr4_write(const struct cpu_rules *r, uint64_t old_cr4,
			 uint64_t value, uint64_t cr3, uint64_t efer)
{
	bool ia32e = efer & RULES_EFER_LMA;

	if (value & ~r->cr4_allowed)
		return false;
	if (ia32e && !(value & RULES_CR4_PAE))
		return false;
	if (ia32e && ((value ^ old_cr4) & RULES_CR4_LA57))
		return false;
	if ((value & RULES_CR4_PCIDE) && !(old_cr4 & RULES_CR4_PCIDE) &&
	    (!ia32e || (cr3 & PCID_MASK)))
		return false;
	return true;
}
