/*
 * The system features: every CR4 and EFER bit against the CPUID feature
 * that makes it exist (Intel SDM Vol. 3A 2.5 and 2.2.1; AMD APM Vol. 2
 * 3.1.3 and 3.1.7), SYSCALL, FSGSBASE, protection keys, XSAVE and the
 * XCR0-managed instruction sets, misaligned SSE, and the MSRs each feature
 * brings (SDM Vol. 4 Table 2-2 "CPUID feature flag"; APM Vol. 2 Appendix
 * A): an announced MSR reads (and keeps what is written where it is
 * read-write); a hidden one is #GP.
 */
#include "walk.h"

#define NO_INTERCEPT "no intercept or execution control exists for it"
#define MSR_EFER 0xc0000080u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_SFMASK 0xc0000084u
#define MSR_FS_BASE 0xc0000100u
#define MSR_APIC_BASE 0x1bu
#define APIC_BASE_EXTD (1ull << 10)

/* Which CPUID bit a CR4 or EFER bit, or an MSR, depends on. */
enum word { L1C, L1D, L6A, L6C, L7B, L7C, L7D, L71A, LD1A, E1C, E1D, E7B, E7D, E8B,
	    ALWAYS, NEVER };

static uint32_t word_value(enum word w)
{
	switch (w) {
	case L1C: return cpu.l1_ecx;
	case L1D: return cpu.l1_edx;
	case L6A: return cpu.l6_eax;
	case L6C: return cpu.l6_ecx;
	case L7B: return cpu.l7_ebx;
	case L7C: return cpu.l7_ecx;
	case L7D: return cpu.l7_edx;
	case L71A: return cpu.l71_eax;
	case LD1A: return cpu.ld1_eax;
	case E1C: return cpu.e1_ecx;
	case E1D: return cpu.e1_edx;
	case E7B: return cpu.e7_ebx;
	case E7D: return cpu.e7_edx;
	case E8B: return cpu.e8_ebx;
	case ALWAYS: return ~0u;
	default: return 0;
	}
}

struct feature_bit {
	enum word word;
	uint8_t bit;
};

static bool has(struct feature_bit f)
{
	return (word_value(f.word) >> f.bit) & 1u;
}

/* ---- CR4 ------------------------------------------------------------ */

static const struct {
	uint8_t bit;
	const char *name;
	struct feature_bit f;
} cr4_bits[] = {
	{ 0, "cr4.vme (1.edx.1)", { L1D, 1 } }, { 1, "cr4.pvi (1.edx.1)", { L1D, 1 } },
	{ 2, "cr4.tsd (1.edx.4)", { L1D, 4 } }, { 3, "cr4.de (1.edx.2)", { L1D, 2 } },
	{ 4, "cr4.pse (1.edx.3)", { L1D, 3 } }, { 6, "cr4.mce (1.edx.7)", { L1D, 7 } },
	{ 7, "cr4.pge (1.edx.13)", { L1D, 13 } }, { 8, "cr4.pce (every cpu)", { ALWAYS, 0 } },
	{ 10, "cr4.osxmmexcpt (1.edx.25)", { L1D, 25 } },
	{ 11, "cr4.umip (7.ecx.2)", { L7C, 2 } }, { 12, "cr4.la57 (7.ecx.16)", { L7C, 16 } },
	{ 13, "cr4.vmxe (1.ecx.5)", { L1C, 5 } }, { 14, "cr4.smxe (1.ecx.6)", { L1C, 6 } },
	{ 15, "cr4 bit 15 (reserved)", { NEVER, 0 } },
	{ 16, "cr4.fsgsbase (7.ebx.0)", { L7B, 0 } },
	{ 17, "cr4.pcide (1.ecx.17)", { L1C, 17 } },
	{ 18, "cr4.osxsave (1.ecx.26)", { L1C, 26 } },
	{ 19, "cr4.kl (7.ecx.23)", { L7C, 23 } },
	{ 20, "cr4.smep (7.ebx.7)", { L7B, 7 } }, { 21, "cr4.smap (7.ebx.20)", { L7B, 20 } },
	{ 22, "cr4.pke (7.ecx.3)", { L7C, 3 } },
	/* CET needs CR0.WP as well, which the VMM leaves clear: never set */
	{ 23, "cr4.cet (7.ecx.7)", { NEVER, 0 } }, { 24, "cr4.pks (7.ecx.31)", { L7C, 31 } },
	{ 25, "cr4.uintr (7.edx.5)", { L7D, 5 } }, { 26, "cr4 bit 26 (reserved)", { NEVER, 0 } },
	{ 27, "cr4.lass (7.1.eax.6)", { L71A, 6 } },
	{ 28, "cr4.lam_sup (7.1.eax.26)", { L71A, 26 } },
	{ 31, "cr4 bit 31 (reserved)", { NEVER, 0 } },
	{ 32, "cr4.fred (7.1.eax.17)", { L71A, 17 } },
	{ 33, "cr4 bit 33 (reserved)", { NEVER, 0 } },
	{ 63, "cr4 bit 63 (reserved)", { NEVER, 0 } },
};

/* An announced bit is taken, reads back and clears again; a hidden one
 * is #GP(0) with CR4 unchanged. */
static void walk_cr4(void)
{
	unsigned long cr4 = read_cr4();

	say("cr4 at entry: 0x%lx", cr4);
	for (unsigned int i = 0; i < sizeof(cr4_bits) / sizeof(cr4_bits[0]); i++) {
		unsigned long bit = 1ul << cr4_bits[i].bit;
		unsigned int v = cr4_probe(cr4 | bit);
		unsigned long seen = read_cr4();

		if (cr4 & bit) {
			check(has(cr4_bits[i].f), "%s: announced, set at entry",
			      cr4_bits[i].name);
			continue;
		}
		write_cr4(cr4);
		if (has(cr4_bits[i].f))
			announced(cr4_bits[i].name, v == NO_FAULT && seen == (cr4 | bit) &&
				  read_cr4() == cr4, "mov cr4 sets and clears it");
		else if (!hidden(cr4_bits[i].name, "mov cr4", VEC_GP, v) || seen != cr4 ||
			 probe_error)
			say("  cr4 then 0x%lx, error 0x%lx", seen, probe_error);
	}
}

/* ---- EFER and SYSCALL ------------------------------------------------ */

static const struct {
	uint8_t bit;
	const char *name;
	struct feature_bit f;
} efer_bits[] = {
	{ 0, "efer.sce (e1.edx.11)", { E1D, 11 } },
	{ 1, "efer bit 1 (reserved)", { NEVER, 0 } },
	{ 9, "efer bit 9 (reserved)", { NEVER, 0 } },
	{ 11, "efer.nxe (e1.edx.20)", { E1D, 20 } },
	{ 12, "efer.svme (e1.ecx.2)", { E1C, 2 } },
	/* LMSLE exists where 0x80000008 EBX bit 20 (no LMSLE) is clear */
	{ 13, "efer.lmsle (e8.ebx.20 clear)", { NEVER, 0 } },
	{ 14, "efer.ffxsr (e1.edx.25)", { E1D, 25 } },
	{ 15, "efer.tce (e1.ecx.17)", { E1C, 17 } },
	{ 17, "efer.mcommit (e8.ebx.8)", { E8B, 8 } },
	{ 21, "efer.autoibrs (0x80000021.eax.8)", { NEVER, 0 } },
	{ 63, "efer bit 63 (reserved)", { NEVER, 0 } },
};

static void walk_efer(void)
{
	uint64_t efer = rdmsr(MSR_EFER);

	say("efer at entry: 0x%llx", (unsigned long long)efer);
	check(HAS(e1_edx, 29) && (efer & 0x500) == 0x500,
	      "lm (e1.edx.29): announced, efer.lme and lma set in 64-bit mode");
	for (unsigned int i = 0; i < sizeof(efer_bits) / sizeof(efer_bits[0]); i++) {
		uint64_t bit = 1ull << efer_bits[i].bit;
		unsigned int v = efer_probe(efer | bit);
		uint64_t seen = rdmsr(MSR_EFER);

		wrmsr(MSR_EFER, efer);
		if (has(efer_bits[i].f))
			announced(efer_bits[i].name, v == NO_FAULT && seen == (efer | bit) &&
				  rdmsr(MSR_EFER) == efer, "wrmsr efer sets and clears it");
		else
			hidden(efer_bits[i].name, "wrmsr efer", VEC_GP,
			       seen == efer ? v : NO_FAULT);
	}
}

/* SYSCALL from CPL 0 goes to LSTAR with CS = STAR[47:32] (forced 64-bit)
 * and SS = that + 8, RCX = the return RIP, R11 = RFLAGS (SDM Vol. 2B
 * SYSCALL). The target restores RFLAGS and goes back with a far return,
 * which reloads the entry CS from the GDT. */
volatile uint16_t syscall_cs, syscall_saved_cs;
void cpuwalk_syscall_target(void);
__asm__(".text\n"
	".globl cpuwalk_syscall_target\n"
	"cpuwalk_syscall_target:\n\t"
	"movw %cs, syscall_cs(%rip)\n\t"
	"push %r11\n\t"
	"popfq\n\t"
	"movzwq syscall_saved_cs(%rip), %r11\n\t"
	"push %r11\n\t"
	"push %rcx\n\t"
	"lretq\n");

static void check_syscall(void)
{
	uint64_t efer = rdmsr(MSR_EFER);
	uint16_t ss, ss_after;

	__asm__ volatile("mov %%ss, %0" : "=r"(ss));
	PROBE("syscall", , , "rcx");
	unsigned int without = probe_vector;
	if (!HAS(e1_edx, 11)) {
		hidden("syscall (e1.edx.11)", "syscall", VEC_UD, without);
		return;
	}
	syscall_saved_cs = read_cs();
	wrmsr(MSR_STAR, (uint64_t)(ss - 8) << 32);
	wrmsr(MSR_LSTAR, (uintptr_t)cpuwalk_syscall_target);
	wrmsr(MSR_SFMASK, 0);
	wrmsr(MSR_EFER, efer | 1);
	syscall_cs = 0;
	PROBE("syscall", , , "rcx");
	unsigned int with = probe_vector;
	__asm__ volatile("mov %%ss, %0" : "=r"(ss_after));
	wrmsr(MSR_EFER, efer);
	announced("syscall (e1.edx.11)", without == VEC_UD && with == NO_FAULT &&
		  syscall_cs == ss - 8 && ss_after == ss && read_cs() == syscall_saved_cs,
		  "syscall #UD with efer.sce clear, reaches LSTAR with cs 0x%x with it set",
		  syscall_cs);
}

/* ---- FSGSBASE, PKU ------------------------------------------------- */

static void check_fsgsbase(void)
{
	unsigned long cr4 = read_cr4(), got = 0;
	uint64_t before = rdmsr(MSR_FS_BASE);

	PROBE("rdfsbase %0", "=r"(got), );
	unsigned int off = probe_vector;
	if (!HAS(l7_ebx, 0)) {
		hidden("fsgsbase (7.ebx.0)", "rdfsbase", VEC_UD, off);
		return;
	}
	write_cr4(cr4 | (1ul << 16));
	PROBE("wrfsbase %1; rdfsbase %0", "=r"(got), "r"(0x7f0000005000ul));
	unsigned int on = probe_vector;
	uint64_t msr = rdmsr(MSR_FS_BASE);
	/* a non-canonical base is #GP(0), FS_BASE unchanged (SDM Vol. 2D WRFSBASE) */
	uint64_t gs_before = rdmsr(0xc0000101u);
	PROBE("wrgsbase %0", , "r"(0x4000000000001000ul));
	unsigned int noncanonical = probe_vector;
	uint64_t gs = rdmsr(0xc0000101u);
	wrmsr(0xc0000101u, gs_before);
	wrmsr(MSR_FS_BASE, before);
	write_cr4(cr4);
	announced("fsgsbase (7.ebx.0)", off == VEC_UD && on == NO_FAULT &&
		  got == 0x7f0000005000ul && msr == got,
		  "rdfsbase #UD without cr4.fsgsbase; with it wrfsbase/rdfsbase = FS_BASE 0x%lx",
		  got);
	if (noncanonical == NO_FAULT && gs == 0x4000000000001000ul)
		say("LEAK wrgsbase takes the non-canonical 0x4000000000001000 (%s)",
		    "no intercept exists for it");
	else
		announced("fsgsbase (7.ebx.0)", noncanonical == VEC_GP && probe_error == 0 &&
			  gs == gs_before, "wrgsbase 0x4000000000001000 (non-canonical) #GP(0)");
}

/* DE: with CR4.DE, DR4 and DR5 are reserved (MOV #UD); without it they
 * are DR6 and DR7 (SDM Vol. 3B 18.2.2). */
static void check_de(void)
{
	unsigned long cr4 = read_cr4(), dr4 = 0, dr6 = 0, reserved = 0;

	if (!HAS(l1_edx, 2))
		return;                 /* CR4.DE: walk_cr4() */
	PROBE("mov %%dr4, %0; mov %%dr6, %1", "=r"(dr4) COMMA "=r"(dr6), );
	unsigned int off = probe_vector;
	write_cr4(cr4 | (1ul << 3));
	PROBE("mov %%dr4, %0", "=r"(reserved), );
	unsigned int on = probe_vector;
	write_cr4(cr4);
	if (!announced("de (1.edx.2)", off == NO_FAULT && dr4 == dr6 && on == VEC_UD,
		       "mov from dr4 is dr6 (0x%lx), with cr4.de #UD", dr6))
		say("  without cr4.de %s, dr4 0x%lx; with it %s", vector_name(off), dr4,
		    vector_name(on));
}

static void check_pku(void)
{
	PROBE("rdpkru", , "c"(0), "rax", "rdx");
	unsigned int rd = probe_vector;
	PROBE("wrpkru", , "a"(0) COMMA "c"(0) COMMA "d"(0));
	unsigned int wr = probe_vector;

	if (HAS(l7_ecx, 3)) {
		announced("pku (7.ecx.3)", false, "protection keys are not virtualized");
		return;
	}
	hidden("pku (7.ecx.3)", "rdpkru", VEC_UD, rd);
	hidden("pku (7.ecx.3)", "wrpkru", VEC_UD, wr);
	check(!HAS(l7_ecx, 4) && !(read_cr4() & (1ul << 22)),
	      "ospke (7.ecx.4): clear, as cr4.pke is");
}

/* ---- XSAVE and what XCR0 manages ----------------------------------- */

static void xsave_hidden(void)
{
	static uint8_t area[4096] __attribute__((aligned(64)));

	check(cpu.ld_eax == 0 && cpu.ld_ebx == 0 && cpu.ld_ecx == 0 && cpu.ld_edx == 0 &&
	      cpu.ld1_eax == 0, "xsave (1.ecx.26): hidden, leaf 0xd is empty");
	PROBE("xgetbv", , "c"(0), "rax", "rdx");
	hidden("xsave (1.ecx.26)", "xgetbv", VEC_UD, probe_vector);
	PROBE("xsetbv", , "a"(3) COMMA "c"(0) COMMA "d"(0));
	hidden("xsave (1.ecx.26)", "xsetbv", VEC_UD, probe_vector);
	PROBE("xsave64 %0", "+m"(area), "a"(3) COMMA "d"(0));
	hidden("xsave (1.ecx.26)", "xsave64", VEC_UD, probe_vector);
	PROBE("xrstor64 %0", "+m"(area), "a"(3) COMMA "d"(0));
	hidden("xsave (1.ecx.26)", "xrstor64", VEC_UD, probe_vector);
	PROBE("xsaveopt64 %0", "+m"(area), "a"(3) COMMA "d"(0));
	hidden("xsaveopt (0xd.1.eax.0)", "xsaveopt64", VEC_UD, probe_vector);
	PROBE("xsavec64 %0", "+m"(area), "a"(3) COMMA "d"(0));
	hidden("xsavec (0xd.1.eax.1)", "xsavec64", VEC_UD, probe_vector);
	PROBE("xgetbv", , "c"(1), "rax", "rdx");
	hidden("xgetbv_ecx1 (0xd.1.eax.2)", "xgetbv ecx=1", VEC_UD, probe_vector);
	PROBE("xsaves64 %0", "+m"(area), "a"(3) COMMA "d"(0));
	hidden("xsaves (0xd.1.eax.3)", "xsaves64", VEC_UD, probe_vector);
	check(!HAS(l1_ecx, 27) && !(read_cr4() & (1ul << 18)),
	      "osxsave (1.ecx.27): clear, as cr4.osxsave is");
}

/* XSAVE announced: CR4.OSXSAVE, XCR0 = x87 | SSE (| AVX where leaf 0xd
 * has it), an XCR0 bit leaf 0xd lacks is #GP, XSAVE runs. */
static void xsave_announced(void)
{
	static uint8_t area[4096] __attribute__((aligned(64)));
	uint64_t xcr0 = 3 | (cpu.ld_eax & 4), bad = ~(uint64_t)cpu.ld_eax & (1ull << 62);
	unsigned int set, beyond, save;

	write_cr4(read_cr4() | (1ul << 18));
	PROBE("xsetbv", , "a"((uint32_t)xcr0) COMMA "c"(0) COMMA "d"(0));
	set = probe_vector;
	PROBE("xsetbv", , "a"((uint32_t)(xcr0 | bad)) COMMA "c"(0) COMMA
	      "d"((uint32_t)((xcr0 | bad) >> 32)));
	beyond = probe_vector;
	PROBE("xsave64 %0", "+m"(area), "a"((uint32_t)xcr0) COMMA "d"(0));
	save = probe_vector;
	announced("xsave (1.ecx.26)", set == NO_FAULT && beyond == VEC_GP && save == NO_FAULT,
		  "xsetbv 0x%llx taken, an unannounced bit #GP, xsave64 runs",
		  (unsigned long long)xcr0);
}

/* The XCR0-managed instruction sets: VEX and EVEX encodings are #UD
 * while CR4.OSXSAVE is clear or XCR0 lacks their state (SDM Vol. 1
 * 13.5.3, Vol. 2A 2.4), so a hidden one faults on every CPU. */
static void check_vex(void)
{
	static const struct {
		const char *feature, *insn;
		struct feature_bit f;
	} vex[] = {
		{ "avx (1.ecx.28)", "vaddps ymm", { L1C, 28 } },
		{ "f16c (1.ecx.29)", "vcvtph2ps", { L1C, 29 } },
		{ "fma (1.ecx.12)", "vfmadd231ps", { L1C, 12 } },
		{ "avx2 (7.ebx.5)", "vpaddd ymm", { L7B, 5 } },
		{ "avx512f (7.ebx.16)", "vpaddd zmm", { L7B, 16 } },
	};
	unsigned int vec[5];

	PROBE("vaddps %%ymm0, %%ymm0, %%ymm0", , );
	vec[0] = probe_vector;
	PROBE("vcvtph2ps %%xmm0, %%xmm1", , );
	vec[1] = probe_vector;
	PROBE("vfmadd231ps %%xmm0, %%xmm0, %%xmm1", , );
	vec[2] = probe_vector;
	PROBE("vpaddd %%ymm0, %%ymm0, %%ymm1", , );
	vec[3] = probe_vector;
	PROBE("vpaddd %%zmm0, %%zmm0, %%zmm1", , );
	vec[4] = probe_vector;
	for (unsigned int i = 0; i < 5; i++) {
		bool usable = has(vex[i].f) && (read_cr4() & (1ul << 18));

		if (has(vex[i].f))
			announced(vex[i].feature, usable && vec[i] == NO_FAULT, "%s runs",
				  vex[i].insn);
		else
			hidden(vex[i].feature, vex[i].insn, VEC_UD, vec[i]);
	}
}

/* Misaligned SSE (AMD): MXCSR.MM (bit 17) lets a legacy SSE instruction
 * take an unaligned memory operand; without the feature the bit is
 * reserved and LDMXCSR is #GP (MXCSR_MASK, APM Vol. 2 4.3.2). */
static void check_misalignsse(void)
{
	static uint8_t buf[64] __attribute__((aligned(16)));
	uint32_t mm = 0x1f80u | (1u << 17), normal = 0x1f80u;

	PROBE("ldmxcsr %0", , "m"(mm));
	unsigned int ld = probe_vector;
	PROBE("movaps (%0), %%xmm0; addps 4(%0), %%xmm0", , "r"(buf));
	unsigned int use = probe_vector;
	__asm__ volatile("ldmxcsr %0" : : "m"(normal));
	if (HAS(e1_ecx, 7))
		announced("misalignsse (e1.ecx.7)", ld == NO_FAULT && use == NO_FAULT,
			  "mxcsr.mm taken, addps from an unaligned operand runs");
	else if (ld == NO_FAULT)
		say("LEAK ldmxcsr takes mxcsr.mm although misalignsse (e1.ecx.7) is hidden "
		    "(%s)", NO_INTERCEPT);
	else
		hidden("misalignsse (e1.ecx.7)", "ldmxcsr with mxcsr.mm", VEC_GP, ld);
}

/* ---- MSRs ----------------------------------------------------------- */

enum msr_kind { READ, WRITE_ONLY, READ_WRITE };

static const struct {
	uint32_t index;
	const char *name;
	struct feature_bit f, g;        /* either announces it (g: NEVER if none) */
	enum msr_kind kind;
	uint64_t value;                 /* READ_WRITE: written and read back */
} msrs[] = {
	{ 0x1b, "APIC_BASE (apic 1.edx.9)", { L1D, 9 }, { NEVER, 0 }, READ, 0 },
	{ 0x174, "SYSENTER_CS (sep 1.edx.11)", { L1D, 11 }, { NEVER, 0 }, READ_WRITE, 0x10 },
	{ 0x175, "SYSENTER_ESP (sep 1.edx.11)", { L1D, 11 }, { NEVER, 0 }, READ_WRITE,
	  0xffff800000003000ull },
	{ 0x176, "SYSENTER_EIP (sep 1.edx.11)", { L1D, 11 }, { NEVER, 0 }, READ_WRITE,
	  0xffff800000004000ull },
	{ 0xfe, "MTRRCAP (mtrr 1.edx.12)", { L1D, 12 }, { NEVER, 0 }, READ, 0 },
	{ 0x2ff, "MTRR_DEF_TYPE (mtrr 1.edx.12)", { L1D, 12 }, { NEVER, 0 }, READ_WRITE,
	  0x806 },
	{ 0x179, "MCG_CAP (mca 1.edx.14)", { L1D, 14 }, { NEVER, 0 }, READ, 0 },
	{ 0x17a, "MCG_STATUS (mca 1.edx.14)", { L1D, 14 }, { NEVER, 0 }, READ, 0 },
	{ 0x277, "PAT (pat 1.edx.16)", { L1D, 16 }, { NEVER, 0 }, READ_WRITE,
	  0x0007040600070406ull },
	{ 0x600, "DS_AREA (ds 1.edx.21)", { L1D, 21 }, { NEVER, 0 }, READ, 0 },
	{ 0x19c, "THERM_STATUS (acpi 1.edx.22)", { L1D, 22 }, { NEVER, 0 }, READ, 0 },
	{ 0x199, "PERF_CTL (eist 1.ecx.7)", { L1C, 7 }, { NEVER, 0 }, READ, 0 },
	{ 0xc80, "DEBUG_INTERFACE (sdbg 1.ecx.11)", { L1C, 11 }, { NEVER, 0 }, READ, 0 },
	{ 0x345, "PERF_CAPABILITIES (pdcm 1.ecx.15)", { L1C, 15 }, { NEVER, 0 }, READ, 0 },
	{ 0x802, "x2APIC ID (x2apic 1.ecx.21)", { L1C, 21 }, { NEVER, 0 }, READ, 0 },
	{ 0x6e0, "TSC_DEADLINE (tsc-deadline 1.ecx.24)", { L1C, 24 }, { NEVER, 0 }, READ, 0 },
	{ 0xe7, "MPERF (aperfmperf 6.ecx.0)", { L6C, 0 }, { NEVER, 0 }, READ, 0 },
	{ 0x770, "PM_ENABLE (hwp 6.eax.7)", { L6A, 7 }, { NEVER, 0 }, READ, 0 },
	{ 0x3b, "TSC_ADJUST (7.ebx.1)", { L7B, 1 }, { NEVER, 0 }, READ, 0 },
	{ 0xc8f, "PQR_ASSOC (rdt 7.ebx.12|15)", { L7B, 12 }, { L7B, 15 }, READ, 0 },
	{ 0xd90, "BNDCFGS (mpx 7.ebx.14)", { L7B, 14 }, { NEVER, 0 }, READ, 0 },
	{ 0x570, "RTIT_CTL (pt 7.ebx.25)", { L7B, 25 }, { NEVER, 0 }, READ, 0 },
	{ 0x6a0, "U_CET (cet 7.ecx.7|7.edx.20)", { L7C, 7 }, { L7D, 20 }, READ, 0 },
	{ 0x6e1, "PKRS (pks 7.ecx.31)", { L7C, 31 }, { NEVER, 0 }, READ, 0 },
	{ 0x985, "UINTR_RR (uintr 7.edx.5)", { L7D, 5 }, { NEVER, 0 }, READ, 0 },
	{ 0x48, "SPEC_CTRL (7.edx.26|27)", { L7D, 26 }, { L7D, 27 }, READ, 0 },
	{ 0x49, "PRED_CMD (ibpb 7.edx.26|e8.ebx.12)", { L7D, 26 }, { E8B, 12 }, WRITE_ONLY, 1 },
	{ 0x10b, "FLUSH_CMD (l1d_flush 7.edx.28)", { L7D, 28 }, { NEVER, 0 }, WRITE_ONLY, 1 },
	{ 0x10a, "ARCH_CAPABILITIES (7.edx.29)", { L7D, 29 }, { NEVER, 0 }, READ, 0 },
	{ 0xcf, "CORE_CAPABILITIES (7.edx.30)", { L7D, 30 }, { NEVER, 0 }, READ, 0 },
	{ 0xda0, "XSS (xsaves 0xd.1.eax.3)", { LD1A, 3 }, { NEVER, 0 }, READ, 0 },
	{ 0x1c4, "XFD (0xd.1.eax.4)", { LD1A, 4 }, { NEVER, 0 }, READ, 0 },
	{ 0xc0000081u, "STAR (syscall e1.edx.11)", { E1D, 11 }, { NEVER, 0 }, READ_WRITE,
	  0x0023001000000000ull },
	{ 0xc0000084u, "SFMASK (syscall e1.edx.11)", { E1D, 11 }, { NEVER, 0 }, READ_WRITE,
	  0x47700 },
	{ 0xc0000102u, "KERNEL_GS_BASE (lm e1.edx.29)", { E1D, 29 }, { NEVER, 0 }, READ_WRITE,
	  0xffff888000001000ull },
	{ 0xc0000103u, "TSC_AUX (rdtscp e1.edx.27|rdpid 7.ecx.22)", { E1D, 27 }, { L7C, 22 },
	  READ, 0 },
	{ 0xc0000105u, "LWP_CFG (lwp e1.ecx.15)", { E1C, 15 }, { NEVER, 0 }, READ, 0 },
	{ 0xc0010140u, "OSVW_ID_LENGTH (osvw e1.ecx.9)", { E1C, 9 }, { NEVER, 0 }, READ, 0 },
	{ 0xc0011030u, "IBS_FETCH_CTL (ibs e1.ecx.10)", { E1C, 10 }, { NEVER, 0 }, READ, 0 },
	{ 0xc0010200u, "PERF_CTL0 (perfctrextcore e1.ecx.23)", { E1C, 23 }, { NEVER, 0 },
	  READ, 0 },
	{ 0xc0011027u, "DR0_ADDR_MASK (databkptext e1.ecx.26)", { E1C, 26 }, { NEVER, 0 },
	  READ, 0 },
	{ 0xc0010280u, "PTSC (perftsc e1.ecx.27)", { E1C, 27 }, { NEVER, 0 }, READ, 0 },
	{ 0xc0010062u, "PSTATE_CTL (hwpstate e7.edx.7)", { E7D, 7 }, { NEVER, 0 }, READ, 0 },
	{ 0xc0010299u, "RAPL_PWR_UNIT (rapl e7.edx.14)", { E7D, 14 }, { NEVER, 0 }, READ, 0 },
	{ 0xc0002000u, "MCA_CTL_0 (scalablemca e7.ebx.3)", { E7B, 3 }, { NEVER, 0 }, READ, 0 },
	{ 0xc00000e9u, "IRPERF (irperf e8.ebx.1)", { E8B, 1 }, { NEVER, 0 }, READ, 0 },
	{ 0xc001011fu, "VIRT_SPEC_CTRL (e8.ebx.25)", { E8B, 25 }, { NEVER, 0 }, READ, 0 },
};

static void walk_msrs(void)
{
	for (unsigned int i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		bool on = has(msrs[i].f) || has(msrs[i].g);
		uint64_t v = 0, before = 0;
		unsigned int rd = NO_FAULT, wr = NO_FAULT;

		if (msrs[i].kind == WRITE_ONLY) {
			wr = wrmsr_probe(msrs[i].index, msrs[i].value);
			if (on)
				announced(msrs[i].name, wr == NO_FAULT, "wrmsr 0x%x = 0x%llx",
					  msrs[i].index, (unsigned long long)msrs[i].value);
			else
				hidden(msrs[i].name, "wrmsr", VEC_GP, wr);
			continue;
		}
		rd = rdmsr_probe(msrs[i].index, &before);
		if (msrs[i].kind == READ_WRITE && rd == NO_FAULT) {
			wr = wrmsr_probe(msrs[i].index, msrs[i].value);
			rdmsr_probe(msrs[i].index, &v);
			wrmsr_probe(msrs[i].index, before);
		} else {
			v = before;
		}
		if (!on) {
			/* and a write of 0 (the value least likely to be refused
			 * for its own sake) */
			wr = wrmsr_probe(msrs[i].index, 0);
			hidden(msrs[i].name, "rdmsr, wrmsr 0", VEC_GP, rd != VEC_GP ? rd : wr);
		}
		else if (msrs[i].kind == READ_WRITE)
			announced(msrs[i].name, rd == NO_FAULT && wr == NO_FAULT &&
				  v == msrs[i].value, "wrmsr/rdmsr 0x%x = 0x%llx",
				  msrs[i].index, (unsigned long long)msrs[i].value);
		else
			announced(msrs[i].name, rd == NO_FAULT, "rdmsr 0x%x = 0x%llx",
				  msrs[i].index, (unsigned long long)v);
	}
}

/* The MTRRs MTRRCAP reports (SDM Vol. 3A 11.11.1): VCNT (bits 7:0)
 * variable ranges from 0x200, the fixed ranges with FIX (bit 8); and
 * MTRR_DEF_TYPE.FE is reserved without fixed ranges. */
static void check_mtrr_ranges(void)
{
	uint64_t cap = 0, v;
	unsigned int vcnt, base, fixed, fe;

	if (!HAS(l1_edx, 12))
		return;                 /* MTRRCAP itself: walk_msrs() */
	rdmsr_probe(0xfe, &cap);
	vcnt = (unsigned int)(cap & 0xff);
	base = rdmsr_probe(0x200 + 2 * vcnt, &v);
	if (base != VEC_GP)
		base = NO_FAULT;
	else if (wrmsr_probe(0x200 + 2 * vcnt, 0) != VEC_GP)
		base = NO_FAULT;
	check(base == VEC_GP, "mtrr (MTRRCAP.VCNT %u): MTRR_PHYSBASE%u (0x%x) beyond it #GP "
	      "both ways", vcnt, vcnt, 0x200 + 2 * vcnt);
	fixed = rdmsr_probe(0x250, &v);
	if (cap & 0x100)
		check(fixed == NO_FAULT, "mtrr (MTRRCAP.FIX): MTRR_FIX64K_00000 (0x250) reads");
	else
		hidden("mtrr fixed ranges (MTRRCAP.FIX clear)", "rdmsr MTRR_FIX64K_00000",
		       VEC_GP, fixed);
	fe = wrmsr_probe(0x2ff, 0xc06);
	wrmsr_probe(0x2ff, 0);
	if (!(cap & 0x100))
		hidden("mtrr fixed ranges (MTRRCAP.FIX clear)", "wrmsr MTRR_DEF_TYPE with FE",
		       VEC_GP, fe);
	check(wrmsr_probe(0x2ff, 0x802) == VEC_GP && rdmsr(0x2ff) == 0,
	      "mtrr: MTRR_DEF_TYPE with the reserved type 2 #GP, unchanged");
}

/* How many of the MSRs first..last are #GP for RDMSR and for WRMSR of 0:
 * 2 per MSR when none exists. */
static unsigned int gp_range(uint32_t first, uint32_t last)
{
	unsigned int gps = 0;
	uint64_t v;

	for (uint32_t i = first; i <= last; i++)
		gps += (rdmsr_probe(i, &v) == VEC_GP) + (wrmsr_probe(i, 0) == VEC_GP);
	return gps;
}

/* The MSRs whose presence another MSR reports: with MCG_CAP's bank count
 * (bits 7:0) and MCG_CTL_P (bit 8), MC0_CTL and MCG_CTL; x2APIC mode
 * (APIC_BASE.EXTD) only with x2APIC. */
static void check_msr_dependents(void)
{
	uint64_t mcg_cap = 0, apic_base = rdmsr(MSR_APIC_BASE), v;

	check_mtrr_ranges();

	rdmsr_probe(0x179, &mcg_cap);
	say("MCG_CAP = 0x%llx, APIC_BASE = 0x%llx", (unsigned long long)mcg_cap,
	    (unsigned long long)apic_base);
	unsigned int mc0 = rdmsr_probe(0x400, &v);
	if (mcg_cap & 0xff) {
		check(mc0 == NO_FAULT, "mca: MC0_CTL reads (MCG_CAP: %u banks)",
		      (unsigned int)(mcg_cap & 0xff));
	} else {
		hidden("mca bank 0 (MCG_CAP: 0 banks)", "rdmsr MC0_CTL", VEC_GP, mc0);
		unsigned int gps = gp_range(0x400, 0x47f);
		check(gps == 2 * 0x80, "mca banks (MCG_CAP: 0 banks): 0x400-0x47f #GP for rdmsr "
		      "and wrmsr 0 (%u of 256)", gps);
	}
	unsigned int ctl = rdmsr_probe(0x17b, &v);
	if (mcg_cap & 0x100)
		check(ctl == NO_FAULT, "mca: MCG_CTL reads (MCG_CAP.MCG_CTL_P)");
	else
		hidden("mcg_ctl (MCG_CAP.MCG_CTL_P clear)", "rdmsr MCG_CTL", VEC_GP, ctl);
	check(apic_base == 0xfee00900ull, "apic (1.edx.9): APIC_BASE = 0xfee00900 "
	      "(BSP, enabled, xAPIC)");
	unsigned int extd = wrmsr_probe(MSR_APIC_BASE, apic_base | APIC_BASE_EXTD);
	if (HAS(l1_ecx, 21))
		announced("x2apic (1.ecx.21)", extd == NO_FAULT, "APIC_BASE.EXTD taken");
	else
		hidden("x2apic (1.ecx.21)", "wrmsr APIC_BASE with EXTD", VEC_GP,
		       rdmsr(MSR_APIC_BASE) == apic_base ? extd : NO_FAULT);
	wrmsr_probe(MSR_APIC_BASE, apic_base);
	if (!HAS(l1_ecx, 21)) {
		unsigned int gps = gp_range(0x800, 0x8ff);
		check(gps == 2 * 0x100, "x2apic (1.ecx.21): hidden, 0x800-0x8ff #GP for rdmsr and "
		      "wrmsr 0 (%u of 512)", gps);
	}
}

/* Not a CPUID bit: LMSW sets CR0.TS and CLTS clears it, whether the
 * hypervisor completes them (SVM under shadow paging, arch/x86/svm/cr.c;
 * VMX on the bits it owns) or the CPU does. */
static void check_cr0_writes(void)
{
	unsigned long cr0 = read_cr0();
	unsigned long ts_set, ts_clear;

	__asm__ volatile("lmsw %w0" : : "r"((cr0 & 0xffff) | 8u));
	ts_set = read_cr0();
	__asm__ volatile("clts");
	ts_clear = read_cr0();
	announced("cr0 (base)", ts_set == (cr0 | 8u) && ts_clear == (cr0 & ~8ul),
		  "lmsw sets ts, clts clears it");
}

void walk_system(void)
{
	check_cr0_writes();
	walk_cr4();
	walk_efer();
	check_syscall();
	check_fsgsbase();
	check_de();
	check_pku();
	if (HAS(l1_ecx, 26))
		xsave_announced();
	else
		xsave_hidden();
	check_vex();
	check_misalignsse();
	walk_msrs();
	check_msr_dependents();
}
