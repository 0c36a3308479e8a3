/*
 * cpuwalk.bin: the CPUID-vs-behaviour walk (docs/test-guests.md,
 * "cpuwalk.bin"; docs/virtual-cpu.md). Shared by its parts: the CPUID the
 * VM sees, a probe that runs one instruction and catches the exception it
 * raises, and the verdict helpers that print one line per feature.
 */
#ifndef GUESTS_TESTS_CPUWALK_WALK_H
#define GUESTS_TESTS_CPUWALK_WALK_H

#include "guest.h"

#define VEC_UD 6
#define VEC_GP 13
#define VEC_PF 14
#define NO_FAULT 0xffu

/* The feature registers the walk reads, as the VM sees them (0 for a leaf
 * beyond the maximum of its range). */
struct cpu_view {
	uint32_t max_basic, max_ext;
	bool amd;                       /* vendor AuthenticAMD: the SVM backend */
	uint32_t l1_ebx, l1_ecx, l1_edx;
	uint32_t l6_eax, l6_ecx;
	uint32_t l7_eax, l7_ebx, l7_ecx, l7_edx, l71_eax;
	uint32_t ld_eax, ld_ebx, ld_ecx, ld_edx, ld1_eax;
	uint32_t e1_ecx, e1_edx, e7_ebx, e7_edx, e8_eax, e8_ebx;
};
extern struct cpu_view cpu;

#define HAS(reg, bit) ((cpu.reg >> (bit)) & 1u)

/*
 * The probe: runs the instruction(s) insn; an exception resumes after them
 * with its vector in probe_vector (NO_FAULT if none), its error code in
 * probe_error and, for #PF, CR2 in probe_cr2. Clobbers r11.
 */
extern volatile unsigned long probe_resume, probe_error, probe_cr2, probe_rip;
extern volatile unsigned int probe_vector;

#define PROBE_PRE "movl $0xff, probe_vector(%%rip)\n\t" \
		  "lea 9f(%%rip), %%r11\n\t" \
		  "mov %%r11, probe_resume(%%rip)\n\t"
#define PROBE_POST "\n9:\n\tmovq $0, probe_resume(%%rip)"
#define COMMA ,
#define PROBE(insn, outs, ins, ...) \
	__asm__ volatile(PROBE_PRE insn PROBE_POST : outs : ins : "r11", "memory", ##__VA_ARGS__)

/* Probes of one MSR: the vector RDMSR / WRMSR raised (NO_FAULT if none). */
unsigned int rdmsr_probe(uint32_t index, uint64_t *value);
unsigned int wrmsr_probe(uint32_t index, uint64_t value);
/* MOV to CR4 and WRMSR to EFER of value: the vector they raised. */
unsigned int cr4_probe(unsigned long value);
unsigned int efer_probe(uint64_t value);

/* "#UD", "#GP", "#PF", "no exception" or "vector N". */
const char *vector_name(unsigned int vector);

/*
 * The verdicts. Each prints one line and counts one check, except a leak:
 *  announced(): "<feature>: announced, <what>" passes when ok;
 *  hidden(): "<feature>: hidden, <what> raises <want>" passes when the
 *  vector is want; when the instruction ran (NO_FAULT) and the backend has
 *  no way to stop it (leak_svm on AMD, leak_vmx on Intel), it prints
 *  "cpuwalk: LEAK <insn> executes although <feature> is hidden (<why>)"
 *  and counts nothing: a known limit of the hardware, pinned by the test.
 */
bool announced(const char *feature, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool hidden(const char *feature, const char *what, unsigned int want, unsigned int vector);
void hidden_insn(const char *feature, const char *insn, unsigned int vector,
		 const char *leak_svm, const char *leak_vmx);

/* The parts of the walk. */
void walk_basic_insns(void);    /* insn.c: leaf 1 instructions */
void walk_ext_insns(void);      /* insn_ext.c: leaf 7 and 0x8000000x ones */
void walk_system(void);         /* system.c: CR4, EFER, XCR0, MSRs */
void walk_paging(void);         /* paging.c: NX, SMEP, SMAP, 1 GiB pages, PCID */
void walk_ring3(uint64_t user_alias); /* ring3.c: UMIP, TSD, FSGSBASE at CPL 3 */
/* Where an exception at CPL 3 returns to (ring3.c): the RSP, CS and SS
 * of ring 0 at the probe's resume point. */
extern uint64_t ring0_rsp, ring0_ss;
extern uint16_t ring0_cs;

#endif
