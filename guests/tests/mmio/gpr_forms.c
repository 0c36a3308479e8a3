/*
 * gpr_forms.c - mmio.bin checks 55-59: the general-purpose instructions
 * an F2/F3 (or 66) prefix selects in the 0F and 0F 38 maps, with their
 * source on the MMIO test device, against the same instruction on a RAM
 * copy (emul/exec_bitcount.c, exec_crc32.c, exec_adx.c):
 *  55 POPCNT (CPUID 1 ECX[23]), LZCNT (8000_0001h ECX[5]) and TZCNT
 *     (7.0 EBX[3]) r16/r32/r64, [mmio]; where CPUID hides LZCNT or TZCNT
 *     the same bytes run as BSR/BSF, on RAM and on the device alike;
 *  56 CRC32 r32/r64, [mmio] of 1, 2, 4, 8 bytes (SSE4.2, 1 ECX[20]);
 *  57 ADCX and 58 ADOX r32/r64, [mmio] (ADX, 7.0 EBX[19]);
 *  59 ENDBR64; RET run from the device: a NOP, fetch reads only.
 * Each form runs on a list of values, with the arithmetic flags all clear
 * and all set before it, and must give the same register and the same
 * flags where the manuals define them (all six, but only CF and ZF after
 * LZCNT/TZCNT and only ZF after BSR/BSF, whose destination is undefined
 * for a zero source). A form whose feature CPUID
 * hides (POPCNT, CRC32, ADX: #UD) is not run; the guest reports how many
 * ran and the device traffic it caused, which the system test adds up.
 */
#include "mmio.h"

#define GPR_AT   0x580          /* the operand on the device */
#define ENDBR_AT 0x5c0          /* endbr64; ret */
#define FL_OSZAPC 0x8d5ul
#define FL_CF 0x001ul
#define FL_ZF 0x040ul
#define DST_IN 0xa5a5a5a5c3c3c3c3ull

struct outcome {
	uint64_t res;
	unsigned long fl;
};

typedef struct outcome (*form_fn)(const volatile void *src, uint64_t dst,
				  unsigned long fl);

/* name(src, dst, fl): `insn src, dst` with RFLAGS = fl, the destination
 * register (by its size modifier: q, k for 32 bits, w) holding dst. */
#define FORM(name, insn, type, mod)                                           \
	static struct outcome name(const volatile void *src, uint64_t d,      \
				   unsigned long fl)                          \
	{                                                                     \
		__asm__ volatile("push %[fl]\n\tpopfq\n\t"                    \
				 insn " %[s], %" mod "[d]\n\t"                \
				 "pushfq\n\tpop %[fl]"                        \
				 : [d] "+r"(d), [fl] "+r"(fl)                 \
				 : [s] "m"(*(const volatile type *)src)       \
				 : "cc");                                     \
		return (struct outcome){ d, fl };                             \
	}

FORM(popcnt64, "popcntq", uint64_t, "q")
FORM(popcnt32, "popcntl", uint32_t, "k")
FORM(popcnt16, "popcntw", uint16_t, "w")
FORM(lzcnt64, "lzcntq", uint64_t, "q")
FORM(lzcnt32, "lzcntl", uint32_t, "k")
FORM(lzcnt16, "lzcntw", uint16_t, "w")
FORM(tzcnt64, "tzcntq", uint64_t, "q")
FORM(tzcnt32, "tzcntl", uint32_t, "k")
FORM(tzcnt16, "tzcntw", uint16_t, "w")
FORM(crc32b, "crc32b", uint8_t, "k")
FORM(crc32b64, "crc32b", uint8_t, "q")
FORM(crc32w, "crc32w", uint16_t, "k")
FORM(crc32l, "crc32l", uint32_t, "k")
FORM(crc32q, "crc32q", uint64_t, "q")
FORM(adcx64, "adcxq", uint64_t, "q")
FORM(adcx32, "adcxl", uint32_t, "k")
FORM(adox64, "adoxq", uint64_t, "q")
FORM(adox32, "adoxl", uint32_t, "k")

enum feature { F_POPCNT, F_LZCNT, F_BMI1, F_SSE42, F_ADX };

struct form {
	const char *name;
	form_fn run;
	uint8_t feature;        /* enum feature */
	uint8_t as_bsx;         /* hidden: runs as BSR/BSF (else #UD) */
};

static const struct form counts[] = {
	{ "popcnt r64", popcnt64, F_POPCNT, 0 },
	{ "popcnt r32", popcnt32, F_POPCNT, 0 },
	{ "popcnt r16", popcnt16, F_POPCNT, 0 },
	{ "lzcnt r64", lzcnt64, F_LZCNT, 1 },
	{ "lzcnt r32", lzcnt32, F_LZCNT, 1 },
	{ "lzcnt r16", lzcnt16, F_LZCNT, 1 },
	{ "tzcnt r64", tzcnt64, F_BMI1, 1 },
	{ "tzcnt r32", tzcnt32, F_BMI1, 1 },
	{ "tzcnt r16", tzcnt16, F_BMI1, 1 },
};

static const struct form crc[] = {
	{ "crc32 r32, m8", crc32b, F_SSE42, 0 },
	{ "crc32 r64, m8", crc32b64, F_SSE42, 0 },
	{ "crc32 r32, m16", crc32w, F_SSE42, 0 },
	{ "crc32 r32, m32", crc32l, F_SSE42, 0 },
	{ "crc32 r64, m64", crc32q, F_SSE42, 0 },
};

/* ADCX and ADOX apart: QEMU 7.2's TCG gets the carry-out of their 32-bit
 * forms wrong (it adds the operands without truncating them to 32 bits;
 * QEMU issue 1373, fixed in 8.0), and Bochs 2.7 sets ADOX's OF to the
 * signed overflow of the sum instead of its carry-out. */
static const struct form adcx[] = {
	{ "adcx r64", adcx64, F_ADX, 0 },
	{ "adcx r32", adcx32, F_ADX, 0 },
};

static const struct form adox[] = {
	{ "adox r64", adox64, F_ADX, 0 },
	{ "adox r32", adox32, F_ADX, 0 },
};

static const uint64_t values[] = {
	0, 1, 0x8000000000000000ull, 0x00000000ffff0000ull,
	0xfffffffffffffffeull, 0x0123456789abcdefull, 0x8000, ~0ull,
};

/* The features of enum feature the guest's CPUID announces. */
static unsigned announced(void)
{
	uint32_t l1[4], l7[4] = { 0 }, e1[4] = { 0 };

	cpuid(1, 0, l1);
	cpuid(0, 0, l7);
	if (l7[0] >= 7)
		cpuid(7, 0, l7);
	else
		l7[1] = 0;
	cpuid(0x80000000, 0, e1);
	if (e1[0] >= 0x80000001)
		cpuid(0x80000001, 0, e1);
	else
		e1[2] = 0;
	return (l1[2] >> 23 & 1) << F_POPCNT | (e1[2] >> 5 & 1) << F_LZCNT |
	       (l7[1] >> 3 & 1) << F_BMI1 | (l1[2] >> 20 & 1) << F_SSE42 |
	       (l7[1] >> 19 & 1) << F_ADX;
}

/* The flags the manuals define after f: all six, but CF and ZF after
 * LZCNT/TZCNT, ZF after BSR/BSF. */
static unsigned long defined_flags(const struct form *f, bool have)
{
	if (!f->as_bsx)
		return FL_OSZAPC;
	return have ? FL_CF | FL_ZF : FL_ZF;
}

struct tally {
	unsigned forms, run, bad;
	uint64_t reads, writes;
};

/* The defined part of two outcomes equal? After BSR/BSF (LZCNT/TZCNT
 * hidden) with a zero source (ZF set) the destination is undefined (SDM
 * Vol. 2 BSF/BSR: AMD keeps the whole register, QEMU zero-extends a
 * 32-bit one): only ZF counts then. */
static bool same(const struct form *f, bool have, const struct outcome *a,
		 const struct outcome *b, unsigned long mask)
{
	bool dst_undefined = f->as_bsx && !have && (a->fl & FL_ZF);

	return (dst_undefined || a->res == b->res) && !((a->fl ^ b->fl) & mask);
}

/* Each value through f on RAM and on the device, flags clear and set. */
static void run_form(const struct form *f, bool have, struct tally *t)
{
	static volatile uint64_t ram;
	unsigned long fl, mask = defined_flags(f, have);

	__asm__ volatile("pushfq\n\tpop %0" : "=r"(fl));
	fl &= ~FL_OSZAPC;
	for (unsigned i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		ram = values[i];
		REG64(MMIOTEST_DATA + GPR_AT) = values[i];
		t->writes++;
		for (unsigned set = 0; set < 2; set++) {
			unsigned long in = fl | (set ? FL_OSZAPC : 0);
			struct outcome a = f->run(&ram, DST_IN, in);
			struct outcome b = f->run(DEV + MMIOTEST_DATA + GPR_AT, DST_IN, in);

			t->reads++;
			if (same(f, have, &a, &b, mask))
				continue;
			t->bad++;
			say("  %s, [0x%lx], flags in 0x%lx: RAM 0x%lx fl 0x%lx, "
			    "mmio 0x%lx fl 0x%lx", f->name, (unsigned long)values[i],
			    in, (unsigned long)a.res, a.fl, (unsigned long)b.res, b.fl);
		}
	}
}

static struct tally run_forms(const struct form *forms, unsigned n)
{
	unsigned have = announced();
	struct tally t = { n, 0, 0, 0, 0 };

	for (unsigned i = 0; i < n; i++) {
		bool on = have >> forms[i].feature & 1;

		if (!on && !forms[i].as_bsx)
			continue;
		t.run++;
		run_form(&forms[i], on, &t);
	}
	return t;
}

static void report(const char *what, const struct tally *t)
{
	check(t->bad == 0 && exits(t->reads, t->writes), "%s", what);
	say("%s: %u of %u forms run (the others need a feature CPUID hides); "
	    "device traffic %lu reads, %lu writes", what, t->run, t->forms,
	    (unsigned long)t->reads, (unsigned long)t->writes);
}

/* endbr64 (f3 0f 1e fa); ret (c3), written to the device (1 write):
 * the NOP is one 8-byte fetch read, the RET one of 4 bytes (+0x5c4),
 * nothing else. */
static void check_endbr_in_mmio(void)
{
	begin(59);
	REG64(MMIOTEST_DATA + ENDBR_AT) = 0xccccccc3fa1e0ff3ull;
	__asm__ volatile("call *%0" : : "r"(MMIOTEST_GPA + MMIOTEST_DATA + ENDBR_AT)
			 : "memory", "cc");
	check(exits(2, 1), "call into mmio: endbr64; ret run from the device, 2 fetch reads");
}

#define RUN(list) run_forms(list, sizeof(list) / sizeof(list[0]))

void check_gpr_forms(void)
{
	struct tally t;

	begin(55);
	t = RUN(counts);
	report("popcnt, lzcnt, tzcnt r, [mmio] as on RAM", &t);
	begin(56);
	t = RUN(crc);
	report("crc32 r, [mmio] of 1, 2, 4, 8 bytes as on RAM", &t);
	begin(57);
	t = RUN(adcx);
	report("adcx r32/r64, [mmio] as on RAM", &t);
	begin(58);
	t = RUN(adox);
	report("adox r32/r64, [mmio] as on RAM", &t);
	check_endbr_in_mmio();
}
