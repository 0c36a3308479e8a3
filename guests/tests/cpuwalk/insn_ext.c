/*
 * The instructions behind CPUID leaves 7.0, 7.1, 0x80000001 and 0x80000008
 * (Intel SDM Vol. 2A CPUID Table 3-8; AMD APM Vol. 3 Appendix E.3-E.4):
 * announced ones run with a known answer, hidden ones raise #UD, or behave
 * as the older instruction their encoding falls back to on a CPU without
 * them (LZCNT as BSR, CLDEMOTE, PREFETCHW and WBNOINVD as hints).
 * Instructions behind a CR4, EFER or XCR0 bit are in system.c, those
 * behind page-table bits in paging.c.
 */
#include "walk.h"

#define NO_INTERCEPT "no intercept or execution control exists for it"

typedef struct {
	uint64_t lo, hi;
} __attribute__((aligned(16))) v128;

static void verdict(const char *feature, bool has, const char *insn, bool right,
		    unsigned long value, const char *leak_svm, const char *leak_vmx)
{
	if (has)
		announced(feature, probe_vector == NO_FAULT && right, "%s = 0x%lx", insn,
			  value);
	else
		hidden_insn(feature, insn, probe_vector, leak_svm, leak_vmx);
}

static void check_bmi(void)
{
	unsigned long r = 0;

	/* ANDN: ~src1 & src2 */
	PROBE("andn %2, %1, %0", "=r"(r), "r"(0xf0ul) COMMA "r"(0xffful));
	verdict("bmi1 (7.ebx.3)", HAS(l7_ebx, 3), "andn ~0xf0 & 0xfff", r == 0xf0f, r,
		NO_INTERCEPT, NO_INTERCEPT);
	/* PEXT: the bits of 0xabcd under the mask 0xff00, packed */
	PROBE("pext %2, %1, %0", "=r"(r), "r"(0xabcdul) COMMA "r"(0xff00ul));
	verdict("bmi2 (7.ebx.8)", HAS(l7_ebx, 8), "pext 0xabcd, mask 0xff00", r == 0xab, r,
		NO_INTERCEPT, NO_INTERCEPT);
}

/* RTM: XBEGIN either commits (XEND) or aborts to its fallback; both are
 * right, an exception is not. XTEST exists with HLE or RTM. */
static void check_tsx(void)
{
	unsigned long status = 0;

	PROBE("mov $0xffffffff, %%eax; xbegin 1f; xend; 1: mov %%rax, %0",
	      "=r"(status), , "rax");
	verdict("rtm (7.ebx.11)", HAS(l7_ebx, 11), "xbegin/xend (commit or abort)", true,
		status, NO_INTERCEPT, NO_INTERCEPT);
	PROBE("xtest", , , "cc");
	if (HAS(l7_ebx, 4) || HAS(l7_ebx, 11))
		announced("hle|rtm (7.ebx.4|11)", probe_vector == NO_FAULT, "xtest runs");
	else
		hidden_insn("hle|rtm (7.ebx.4|11)", "xtest", probe_vector, NO_INTERCEPT,
			    NO_INTERCEPT);
}

static void check_rdseed_adx(void)
{
	unsigned long v = 0, r = 1;
	uint8_t cf = 0;

	for (int i = 0; i < 64 && !cf; i++)
		PROBE("rdseed %0; setc %1", "=r"(v) COMMA "=qm"(cf), );
	if (HAS(l7_ebx, 18))
		announced("rdseed (7.ebx.18)", probe_vector == NO_FAULT && cf,
			  "rdseed sets CF within 64 tries");
	else
		hidden_insn("rdseed (7.ebx.18)", "rdseed", probe_vector, NO_INTERCEPT, 0);
	/* ADCX: 1 + 1 + CF (set) = 3 */
	PROBE("stc; adcx %1, %0", "+r"(r), "r"(1ul), "cc");
	verdict("adx (7.ebx.19)", HAS(l7_ebx, 19), "stc; adcx 1 + 1", r == 3, r,
		NO_INTERCEPT, NO_INTERCEPT);
}

static void check_cache_lines(void)
{
	static volatile uint64_t line[8] __attribute__((aligned(64)));

	line[0] = 9;
	PROBE("clflushopt %0", "+m"(line[0]), );
	verdict("clflushopt (7.ebx.23)", HAS(l7_ebx, 23), "clflushopt", line[0] == 9, 0,
		NO_INTERCEPT, NO_INTERCEPT);
	PROBE("clwb %0", "+m"(line[0]), );
	verdict("clwb (7.ebx.24)", HAS(l7_ebx, 24), "clwb", line[0] == 9, 0,
		NO_INTERCEPT, NO_INTERCEPT);
}

/* SHA1MSG1 (SDM Vol. 2B): with W0..W3 the dwords of xmm0 from the top and
 * W4, W5 the top two of xmm1, the result is {W2^W0, W3^W1, W4^W2, W5^W3}. */
static void check_sha(void)
{
	static const v128 a = { 0x0000000400000008ull, 0x0000000100000002ull };
	static const v128 b = { 0, 0x0000001000000020ull };
	v128 r;

	/* W0 = 1, W1 = 2, W2 = 4, W3 = 8; W4 = 0x10, W5 = 0x20 */
	PROBE("movdqa %1, %%xmm0; movdqa %2, %%xmm1; sha1msg1 %%xmm1, %%xmm0; "
	      "movdqa %%xmm0, %0", "=m"(r), "m"(a) COMMA "m"(b));
	verdict("sha (7.ebx.29)", HAS(l7_ebx, 29), "sha1msg1",
		r.hi == 0x000000050000000aull && r.lo == 0x0000001400000028ull, r.lo,
		NO_INTERCEPT, NO_INTERCEPT);
}

/* GF2P8AFFINEQB with the identity matrix 0x0102040810204080 and b = 0
 * returns its input (SDM Vol. 2A). */
static void check_gfni(void)
{
	static const v128 x = { 0x1122334455667788ull, 0x99aabbccddeeff00ull };
	static const v128 m = { 0x0102040810204080ull, 0x0102040810204080ull };
	v128 r;

	PROBE("movdqa %1, %%xmm0; movdqa %2, %%xmm1; gf2p8affineqb $0, %%xmm1, %%xmm0; "
	      "movdqa %%xmm0, %0", "=m"(r), "m"(x) COMMA "m"(m));
	verdict("gfni (7.ecx.8)", HAS(l7_ecx, 8), "gf2p8affineqb identity",
		r.lo == x.lo && r.hi == x.hi, r.lo, NO_INTERCEPT, NO_INTERCEPT);
}

/* RDPID reads TSC_AUX, which the virtual CPU does not have. VMX makes it
 * #UD with "enable RDTSCP" clear (SDM Vol. 3C 26.3); SVM has no RDPID
 * intercept, so on a CPU with RDPID it runs. (WAITPKG is hidden too, but
 * not probed: where it is missing, TPAUSE's encoding 66 0F AE /6 is
 * MFENCE's with a prefix, which CPUs may run or refuse.) */
static void check_rdpid(void)
{
	unsigned long v = 0;

	PROBE("rdpid %0", "=r"(v), );
	verdict("rdpid (7.ecx.22)", HAS(l7_ecx, 22), "rdpid", true, v,
		"no RDPID intercept on SVM", 0);
}

static void check_movdir(void)
{
	static volatile uint64_t dst[8] __attribute__((aligned(64)));
	static const uint64_t src[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	PROBE("movdiri %1, %0", "=m"(dst[0]), "r"(0x5a5a5a5a5a5a5a5aul));
	verdict("movdiri (7.ecx.27)", HAS(l7_ecx, 27), "movdiri",
		dst[0] == 0x5a5a5a5a5a5a5a5aul, dst[0], NO_INTERCEPT, NO_INTERCEPT);
	PROBE("movdir64b (%1), %0", , "r"(dst) COMMA "r"(src));
	verdict("movdir64b (7.ecx.28)", HAS(l7_ecx, 28), "movdir64b",
		dst[0] == 1 && dst[7] == 8, dst[7], NO_INTERCEPT, NO_INTERCEPT);
	/* CLDEMOTE is a hint: where it is missing its encoding is a NOP */
	PROBE("cldemote %0", "+m"(dst[0]), );
	check(probe_vector == NO_FAULT, "cldemote (7.ecx.25): %s, cldemote runs (a hint)",
	      HAS(l7_ecx, 25) ? "announced" : "hidden");
}

static void check_serialize(void)
{
	PROBE(".byte 0x0f, 0x01, 0xe8", , );                  /* SERIALIZE */
	verdict("serialize (7.edx.14)", HAS(l7_edx, 14), "serialize", true, 0,
		NO_INTERCEPT, NO_INTERCEPT);
}

/* Leaf 7.1: LKGS (F2 0F 00 /6) and WRMSRNS (0F 01 C6) are hidden. */
static void check_leaf7_1(void)
{
	PROBE(".byte 0xf2, 0x0f, 0x00, 0xf0", , "a"(0));     /* lkgs %ax */
	verdict("lkgs (7.1.eax.18)", HAS(l71_eax, 18), "lkgs", true, 0,
		NO_INTERCEPT, NO_INTERCEPT);
	PROBE(".byte 0x0f, 0x01, 0xc6", , "c"(0xc0000103u) COMMA "a"(0) COMMA "d"(0));
	verdict("wrmsrns (7.1.eax.19)", HAS(l71_eax, 19), "wrmsrns", true, 0,
		NO_INTERCEPT, NO_INTERCEPT);
}

/* LAHF/SAHF in 64-bit mode (0x80000001 ECX bit 0). */
static void check_lahf(void)
{
	unsigned long ah = 0;

	PROBE("xor %%eax, %%eax; stc; lahf; mov %%rax, %0", "=r"(ah), , "rax", "cc");
	verdict("lahf_lm (e1.ecx.0)", HAS(e1_ecx, 0), "stc; lahf: ah",
		((ah >> 8) & 0xc7) == 0x47, (ah >> 8) & 0xff, NO_INTERCEPT, NO_INTERCEPT);
}

/* AltMovCr8 (AMD): LOCK MOV CR0 is MOV CR8. */
static void check_alt_mov_cr8(void)
{
	unsigned long cr8 = 0, five = 5;

	/* F0 0F 22 C0: lock mov %rax, %cr0 (gas refuses the prefix) */
	PROBE(".byte 0xf0, 0x0f, 0x22, 0xc0; mov %%cr8, %0; xor %%eax, %%eax; "
	      "mov %%rax, %%cr8", "=r"(cr8) COMMA "+a"(five), );
	verdict("altmovcr8 (e1.ecx.4)", HAS(e1_ecx, 4), "lock mov cr0 (as cr8) 5, then cr8", cr8 == 5,
		cr8, 0, 0);
}

/* LZCNT: where ABM is missing, F3 0F BD is BSR (the prefix ignored), so
 * 1 gives 31 with ABM and bit index 0 without (SDM Vol. 2A LZCNT). */
static void check_lzcnt(void)
{
	unsigned long r = 99;

	PROBE("lzcnt %1, %0", "+r"(r), "r"(1ul));
	if (HAS(e1_ecx, 5)) {
		announced("abm/lzcnt (e1.ecx.5)", probe_vector == NO_FAULT && r == 63,
			  "lzcnt 1 = %lu", r);
	} else if (probe_vector == NO_FAULT && r == 63) {
		say("LEAK lzcnt counts leading zeros although abm/lzcnt (e1.ecx.5) is hidden "
		    "(%s)", NO_INTERCEPT);
	} else {
		check(probe_vector == NO_FAULT && r == 0,
		      "abm/lzcnt (e1.ecx.5): hidden, lzcnt 1 = %lu (bsr, as without it)", r);
	}
}

/* SSE4A EXTRQ: bits [7:0] of xmm0 (length 8, index 0). */
static void check_sse4a(void)
{
	static const v128 x = { 0x11223344556677aaull, 0 };
	v128 r;

	PROBE("movdqa %1, %%xmm0; extrq $0, $8, %%xmm0; movdqa %%xmm0, %0", "=m"(r), "m"(x));
	verdict("sse4a (e1.ecx.6)", HAS(e1_ecx, 6), "extrq length 8, index 0", r.lo == 0xaa, r.lo,
		NO_INTERCEPT, NO_INTERCEPT);
}

/* PREFETCHW is a hint: without it the encoding is a NOP. */
static void check_prefetchw(void)
{
	static volatile uint64_t v;

	PROBE("prefetchw %0", "+m"(v), );
	check(probe_vector == NO_FAULT, "3dnowprefetch (e1.ecx.8): %s, prefetchw runs (a hint)",
	      HAS(e1_ecx, 8) ? "announced" : "hidden");
}

/* SVM, SKINIT, MONITORX: hidden (core/cpuid_filter.c). VMRUN and SKINIT
 * are #UD with EFER.SVME clear (and intercepted); MONITORX is intercepted
 * with MONITOR (Bochs ryzen has it and gives the intercept). */
static void check_amd_hidden(void)
{
	static volatile uint64_t where;

	PROBE("vmrun", , "a"(0));
	verdict("svm (e1.ecx.2)", HAS(e1_ecx, 2), "vmrun", false, 0, 0, 0);
	PROBE("skinit", , "a"(0));
	verdict("skinit (e1.ecx.12)", HAS(e1_ecx, 12), "skinit", false, 0, 0, 0);
	PROBE("monitorx", , "a"(&where) COMMA "c"(0) COMMA "d"(0));
	verdict("monitorx (e1.ecx.29)", HAS(e1_ecx, 29), "monitorx", true, 0, 0, 0);
}

/* 3DNow!: FEMMS (both) and PFADD 1.0 + 2.0 (3DNow!), PSWAPD (extensions). */
static void check_3dnow(void)
{
	static const uint64_t ones = 0x3f8000003f800000ull, twos = 0x4000000040000000ull;
	uint64_t r = 0;

	PROBE("movq %1, %%mm0; pfadd %2, %%mm0; movq %%mm0, %0; femms", "=m"(r),
	      "m"(ones) COMMA "m"(twos));
	verdict("3dnow (e1.edx.31)", HAS(e1_edx, 31), "pfadd 1.0 + 2.0",
		r == 0x4040000040400000ull, r, NO_INTERCEPT, NO_INTERCEPT);
	PROBE("movq %1, %%mm0; pswapd %%mm0, %%mm1; movq %%mm1, %0; femms", "=m"(r),
	      "m"(twos));
	verdict("3dnowext (e1.edx.30)", HAS(e1_edx, 30), "pswapd", r == twos, r,
		NO_INTERCEPT, NO_INTERCEPT);
	__asm__ volatile("emms");
}

/* RDTSCP: hidden; both backends make it #UD (SVM intercept, VMX "enable
 * RDTSCP" clear). */
static void check_rdtscp(void)
{
	PROBE("rdtscp", , , "rax", "rcx", "rdx");
	verdict("rdtscp (e1.edx.27)", HAS(e1_edx, 27), "rdtscp", true, 0,
		"the SVM RDTSCP intercept is set: an emulator that ignores it runs it", 0);
}

/* Leaf 0x80000008 EBX (AMD): CLZERO zeroes the line at RAX; RDPRU is
 * hidden (SVM intercepts it); WBNOINVD without its bit is WBINVD (the F3
 * prefix ignored), never #UD. */
static void check_e8(void)
{
	static volatile uint64_t line[8] __attribute__((aligned(64))) = {
		1, 2, 3, 4, 5, 6, 7, 8,
	};
	unsigned long sum = 0;

	PROBE("clzero", , "a"(&line[3]));
	for (int i = 0; i < 8; i++)
		sum += line[i];
	verdict("clzero (e8.ebx.0)", HAS(e8_ebx, 0), "clzero: line sum", sum == 0, sum,
		NO_INTERCEPT, NO_INTERCEPT);
	PROBE("rdpru", , "c"(0), "rax", "rdx");
	verdict("rdpru (e8.ebx.4)", HAS(e8_ebx, 4), "rdpru", true, 0, 0, NO_INTERCEPT);
	PROBE("wbnoinvd", , );
	check(probe_vector == NO_FAULT, "wbnoinvd (e8.ebx.9): %s, wbnoinvd runs%s",
	      HAS(e8_ebx, 9) ? "announced" : "hidden",
	      HAS(e8_ebx, 9) ? "" : " (as wbinvd, as without it)");
}

void walk_ext_insns(void)
{
	check_bmi();
	check_tsx();
	check_rdseed_adx();
	check_cache_lines();
	check_sha();
	check_gfni();
	check_rdpid();
	check_movdir();
	check_serialize();
	check_leaf7_1();
	check_lahf();
	check_alt_mov_cr8();
	check_lzcnt();
	check_sse4a();
	check_prefetchw();
	check_amd_hidden();
	check_3dnow();
	check_rdtscp();
	check_e8();
}
