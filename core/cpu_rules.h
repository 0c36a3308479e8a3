/*
 * The architectural rules for values a guest or the control partition hands
 * us that the virtual CPU must refuse as a real one would: which CR4 and
 * EFER bits exist (derived from the CPUID the VM sees, core/cpuid.c), PAT
 * memory types, canonical addresses, and the MOV-to-CR4 and WRMSR-to-EFER
 * consistency checks (Intel SDM Vol. 2 MOV CR and WRMSR, Vol. 3 2.5, 4.1.1,
 * 11.12.2; AMD APM Vol. 2 3.1, 7.8.1 and 4.5.3 for MSRs). Pure functions:
 * both backends and the request layer call them, and the host unit tests
 * (tests/unit/test_cpu_rules.c) pin them.
 */
#ifndef CORE_CPU_RULES_H
#define CORE_CPU_RULES_H

#include <stdbool.h>
#include <stdint.h>


#define RULES_CR4_VME        (1ULL << 0)
#define RULES_CR4_PVI        (1ULL << 1)
#define RULES_CR4_TSD        (1ULL << 2)
#define RULES_CR4_DE         (1ULL << 3)
#define RULES_CR4_PSE        (1ULL << 4)
#define RULES_CR4_PAE        (1ULL << 5)
#define RULES_CR4_MCE        (1ULL << 6)
#define RULES_CR4_PGE        (1ULL << 7)
#define RULES_CR4_PCE        (1ULL << 8)
#define RULES_CR4_OSFXSR     (1ULL << 9)
#define RULES_CR4_OSXMMEXCPT (1ULL << 10)
#define RULES_CR4_UMIP       (1ULL << 11)
#define RULES_CR4_LA57       (1ULL << 12)
#define RULES_CR4_VMXE       (1ULL << 13)
#define RULES_CR4_SMXE       (1ULL << 14)
#define RULES_CR4_FSGSBASE   (1ULL << 16)
#define RULES_CR4_PCIDE      (1ULL << 17)
#define RULES_CR4_OSXSAVE    (1ULL << 18)
#define RULES_CR4_SMEP       (1ULL << 20)
#define RULES_CR4_SMAP       (1ULL << 21)
#define RULES_CR4_PKE        (1ULL << 22)

#define RULES_CR0_PE         (1ULL << 0)
#define RULES_CR0_ET         (1ULL << 4)
#define RULES_CR0_NW         (1ULL << 29)
#define RULES_CR0_CD         (1ULL << 30)
#define RULES_CR0_PG         (1ULL << 31)
/* The bits CR0 has: PE MP EM TS ET NE, WP, AM, NW CD PG */
#define RULES_CR0_BITS       0xe005003fULL

#define RULES_EFER_SCE       (1ULL << 0)
#define RULES_EFER_LME       (1ULL << 8)
#define RULES_EFER_LMA       (1ULL << 10)
#define RULES_EFER_NXE       (1ULL << 11)
#define RULES_EFER_FFXSR     (1ULL << 14)

/* The feature words the rules are derived from, as the VM sees them
 * (after core/cpuid.c's filtering; 0 for a leaf the CPU lacks). */
struct cpu_rules_cpuid {
	uint32_t l1_ecx, l1_edx;                /* leaf 1 */
	uint32_t l7_ebx, l7_ecx, l7_edx;        /* leaf 7 subleaf 0 */
	uint32_t e1_edx;                        /* leaf 0x80000001 */
	uint32_t e8_eax;                        /* leaf 0x80000008 (0: none) */
};

struct cpu_rules {
	uint64_t cr4_allowed;   /* CR4 bits the virtual CPU has */
	uint64_t efer_allowed;  /* EFER bits a write may hold */
	unsigned va_bits;       /* 48, or 57 with LA57: canonical width */
	unsigned pa_bits;       /* MAXPHYADDR: 0x80000008 EAX[7:0], else 36 */
};

void cpu_rules_derive(struct cpu_rules *r, const struct cpu_rules_cpuid *c);

/*
 * MOV to CR3 (SDM Vol. 3 2.5, 4.10.4.1; APM Vol. 2 3.1.2): with CR4.PCIDE
 * bit 63 of the source is "keep the PCID's translations" and is not
 * stored; in 64-bit mode bits 63:MAXPHYADDR are reserved otherwise
 * (false: #GP(0)). Outside 64-bit mode the source is 32 bits and has none.
 * *cr3_out gets what CR3 holds after the write.
 */
bool cpu_rules_cr3_write(const struct cpu_rules *r, uint64_t value, uint64_t cr4,
			 bool long64, uint64_t *cr3_out);

/* Every byte of IA32_PAT is UC, WC, WT, WP, WB or UC- (SDM 11.12.2;
 * APM 7.8.1): 2, 3 and 8-255 are reserved and WRMSR raises #GP. */
bool cpu_rules_pat_valid(uint64_t pat);

/*
 * IA32_MTRR_DEF_TYPE on the virtual CPU, whose MTRRCAP is 0 (no variable
 * and no fixed ranges): the default type in bits 7:0 (UC, WC, WT, WP or
 * WB) and E (bit 11); FE (bit 10, fixed ranges enable) is reserved
 * without fixed ranges, as are bits 9:8 and 63:12 (SDM Vol. 3A 11.11.2.1,
 * 11.11.1). WRMSR of anything else raises #GP.
 */
bool cpu_rules_mtrr_def_type_valid(uint64_t value);

/* Bits 63 down to va_bits - 1 all equal (SDM Vol. 1 3.3.7.1). */
bool cpu_rules_canonical(const struct cpu_rules *r, uint64_t addr);

/* Is 'value' one the CPU's WRMSR takes for 'index'? PAT and the MSRs
 * holding linear addresses (SYSENTER_ESP/EIP, LSTAR, CSTAR, FS/GS base,
 * KERNEL_GS_BASE) are checked here; EFER has cpu_rules_efer_write. Any
 * other index is the caller's business (true). */
bool cpu_rules_msr_value_valid(const struct cpu_rules *r, uint32_t index,
			       uint64_t value);

/*
 * WRMSR to EFER with the vCPU's current EFER and CR0.PG. Returns false
 * where the CPU raises #GP: a bit the virtual CPU lacks (SVME among them:
 * SVM is not offered), or LME changed while paging is on. LMA is not
 * writable (it follows LME and CR0.PG): the written value's LMA is
 * ignored and the current one kept, as the CPU does. *out is the EFER to
 * install.
 */
bool cpu_rules_efer_write(const struct cpu_rules *r, uint64_t old_efer,
			  uint64_t value, bool paging, uint64_t *out);

/*
 * MOV to CR0 (and CLTS and LMSW, which write CR0 a value computed from
 * it) with the vCPU's current CR0, CR4 and EFER, 'long64' when the
 * instruction runs in 64-bit mode. Returns false where the CPU raises
 * #GP(0) (SDM Vol. 2 "MOV-Move to/from Control Registers", Vol. 3 9.8.5;
 * APM Vol. 2 3.1.1, 14.6): bits 63:32 set, PG without PE, NW without CD,
 * PG set with EFER.LME while CR4.PAE is clear, PG cleared in 64-bit mode
 * or while CR4.PCIDE is set. Else *cr0_out is the CR0 to install (the
 * reserved bits of 31:0 stay clear and ET set, as on every CPU since the
 * P6: writes to them have no effect) and *efer_out the EFER, whose LMA
 * follows LME when PG turns on or off (IA-32e mode activation).
 */
bool cpu_rules_cr0_write(uint64_t old_cr0, uint64_t value, uint64_t cr4,
			 uint64_t efer, bool long64, uint64_t *cr0_out,
			 uint64_t *efer_out);

/*
 * MOV to CR4 with the vCPU's current CR0, CR3, CR4 and EFER. Returns false
 * where the CPU raises #GP(0): a bit the virtual CPU lacks, PAE cleared
 * in IA-32e mode, LA57 changed in IA-32e mode, PCIDE set outside IA-32e
 * mode or with CR3[11:0] != 0.
 */
bool cpu_rules_cr4_write(const struct cpu_rules *r, uint64_t old_cr4,
			 uint64_t value, uint64_t cr3, uint64_t efer);

#endif
