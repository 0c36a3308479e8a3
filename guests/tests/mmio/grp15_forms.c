/*
 * grp15_forms.c - mmio.bin checks 60-65: group 15 (0F AE), group 9 (0F
 * C7) and PREFETCHW-group (0F 0D) instructions run from code on the MMIO
 * test device, against the same bytes run from RAM (emul/exec_grp15_ext.c,
 * exec_grp9.c, exec_xsave.c, exec_prefetchw.c). A routine is written to
 * the device at CODE_AT (the instruction, then RET) and called there; its
 * fetch reads are the only device traffic, which the system test checks
 * (every read in [CODE_AT, CODE_AT + 0x40), no write). The guest's own
 * handler records an exception and resumes after the instruction.
 *  60 RDFSBASE, WRFSBASE, RDGSBASE, WRGSBASE with CR4.FSGSBASE set (where
 *     CPUID 7.0 EBX[0] shows FSGSBASE): the bases the device's code
 *     writes are the ones RAM's code reads, and back; #UD with
 *     CR4.FSGSBASE clear (and where CPUID hides it), from both;
 *  61 WRGSBASE of a non-canonical base: #GP(0) from both, the base kept;
 *  62 XSAVE, XRSTOR, XSAVEOPT, XSAVEC, XSAVES, XRSTORS (area on the
 *     device), XGETBV, XSETBV: #UD from both (the virtual CPU hides XSAVE,
 *     CR4.OSXSAVE is 0);
 *  63 PREFETCH, PREFETCHW and the reserved hints 0F 0D /0-/7 of a device
 *     address: no access and no fault, from both;
 *  64 RDRAND and RDSEED r64 (and RDRAND r16: the upper bits kept): a
 *     number with CF = 1 within 32 tries where CPUID announces them, #UD
 *     where it hides them;
 *  65 the forms of hidden features: TPAUSE, UMWAIT, UMONITOR (WAITPKG),
 *     INCSSPQ (CET), RDPID, and the undefined 0F AE /4 register form:
 *     #UD from both.
 */
#include "mmio.h"

#define OPND_AT 0x580           /* a device operand nothing reads */
#define CODE_AT 0x5c0           /* up to 0x40 bytes of code */
#define CR4_FSGSBASE (1ul << 16)
#define NO_FAULT (~0ul)

static volatile unsigned long fault_vector, fault_error, fault_skip;

static void skip_fault(struct isr_frame *f)
{
	fault_vector = f->vector;
	fault_error = f->error;
	f->ip += fault_skip;
}

/* A routine: an instruction of len bytes (which, if it faults, the
 * handler skips), then RET. */
struct routine {
	uint8_t bytes[24];
	uint8_t len;
};

static uint8_t ram_code[0x40] __attribute__((aligned(16)));

/* The routine with RET, on the device (8-byte writes, before begin()) and
 * in RAM. */
static void place(const struct routine *r)
{
	uint8_t buf[0x20];

	memset(buf, 0xcc, sizeof(buf));
	memcpy(buf, r->bytes, r->len);
	buf[r->len] = 0xc3;
	memcpy(ram_code, buf, sizeof(buf));
	for (unsigned i = 0; i < sizeof(buf); i += 8) {
		uint64_t q;

		memcpy(&q, buf + i, 8);
		REG64(MMIOTEST_DATA + CODE_AT + i) = q;
	}
}

static const void *on_device(void)
{
	return (const void *)(MMIOTEST_GPA + MMIOTEST_DATA + CODE_AT);
}

/* Calls code with RAX = *rax and RDI = rdi: the exception vector (or
 * NO_FAULT), RAX after it in *rax, CF after it in *cf. */
static unsigned long call_at(const void *code, unsigned skip, uint64_t *rax,
			     uint64_t rdi, bool *cf)
{
	uint8_t c;

	fault_vector = NO_FAULT;
	fault_skip = skip;
	__asm__ volatile("call *%[code]\n\tsetc %[c]"
			 : "+a"(*rax), [c] "=r"(c)
			 : [code] "r"(code), "D"(rdi)
			 : "memory", "cc", "rcx", "rdx", "rsi", "r8", "r9",
			   "r10", "r11");
	if (cf)
		*cf = c;
	return fault_vector;
}

/* The routine from RAM and from the device: both vectors. */
static void both(const struct routine *r, uint64_t rdi_ram, uint64_t rdi_dev,
		 unsigned long v[2])
{
	uint64_t rax = 0;

	place(r);
	v[0] = call_at(ram_code, r->len, &rax, rdi_ram, NULL);
	rax = 0;
	v[1] = call_at(on_device(), r->len, &rax, rdi_dev, NULL);
}

static bool cpuid_bit(uint32_t leaf, unsigned reg, unsigned bit)
{
	uint32_t r[4];

	cpuid(leaf & 0x80000000u, 0, r);
	if (r[0] < leaf)
		return false;
	cpuid(leaf, 0, r);
	return r[reg] >> bit & 1;
}

/* ---- 60, 61: FSGSBASE -------------------------------------------------- */

#define R(...) { { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }) }

static const struct routine wrfsbase_rdi = R(0xf3, 0x48, 0x0f, 0xae, 0xd7);
static const struct routine rdfsbase_rax = R(0xf3, 0x48, 0x0f, 0xae, 0xc0);
static const struct routine wrgsbase_rdi = R(0xf3, 0x48, 0x0f, 0xae, 0xdf);
static const struct routine rdgsbase_rax = R(0xf3, 0x48, 0x0f, 0xae, 0xc8);
static const struct routine rdfsbase_eax = R(0xf3, 0x0f, 0xae, 0xc0);

/* r at code with RDI = rdi: RAX after it, or ~0 on an exception. */
static uint64_t run1(const struct routine *r, const void *code, uint64_t rdi,
		     unsigned long *vector)
{
	uint64_t rax = 0x5a5a5a5a5a5a5a5aull;

	place(r);
	*vector = call_at(code, r->len, &rax, rdi, NULL);
	return rax;
}

/* The bases round-trip between RAM's and the device's code. */
static bool bases_round_trip(void)
{
	static const uint64_t fs1 = 0xffff800012345000ull, fs2 = 0x00007fffabcde123ull;
	static const uint64_t gs2 = 0xfffffffffffff000ull;
	unsigned long v[6];
	uint64_t a, b, c, d;
	bool ok;

	run1(&wrfsbase_rdi, ram_code, fs1, &v[0]);
	a = run1(&rdfsbase_rax, on_device(), 0, &v[1]);       /* fs1 */
	run1(&wrfsbase_rdi, on_device(), fs2, &v[2]);
	b = run1(&rdfsbase_rax, ram_code, 0, &v[3]);          /* fs2 */
	c = run1(&rdfsbase_eax, on_device(), 0, &v[4]);       /* fs2, 32 bits */
	run1(&wrgsbase_rdi, on_device(), gs2, &v[5]);
	d = run1(&rdgsbase_rax, ram_code, 0, &v[0]);          /* gs2 */
	ok = a == fs1 && b == fs2 && c == (fs2 & 0xffffffffu) && d == gs2;
	for (unsigned i = 0; i < 6; i++)
		ok = ok && v[i] == NO_FAULT;
	if (!ok)
		say("  fs 0x%lx 0x%lx 0x%lx gs 0x%lx", (unsigned long)a,
		    (unsigned long)b, (unsigned long)c, (unsigned long)d);
	return ok;
}

/* RDFSBASE with CR4.FSGSBASE clear: #UD from both. */
static bool rdfsbase_ud(void)
{
	unsigned long v[2];

	both(&rdfsbase_rax, 0, 0, v);
	say("rdfsbase with CR4.FSGSBASE clear: vector %ld from the device, %ld from RAM",
	    (long)v[1], (long)v[0]);
	return v[0] == 6 && v[1] == 6;
}

static void check_fsgsbase(void)
{
	bool have = cpuid_bit(7, 1, 0);
	unsigned long cr4 = read_cr4(), v[2];
	uint64_t fs = 0, gs = 0;
	bool ok = true;

	begin(60);
	if (have) {
		write_cr4(cr4 | CR4_FSGSBASE);
		fs = run1(&rdfsbase_rax, ram_code, 0, &v[0]);
		gs = run1(&rdgsbase_rax, ram_code, 0, &v[0]);
		ok = bases_round_trip();
		write_cr4(cr4 & ~CR4_FSGSBASE);
	}
	ok = rdfsbase_ud() && ok;
	check(ok, have ? "rdfsbase, wrfsbase, rdgsbase, wrgsbase run from the device as from RAM; "
			 "#UD from both with CR4.FSGSBASE clear"
		       : "rdfsbase run from the device without FSGSBASE: #UD as from RAM");

	/* 61: a non-canonical base, #GP(0) from both, GS's base kept */
	begin(61);
	if (!have) {
		check(true, "wrgsbase of a non-canonical base: nothing to run "
			    "(FSGSBASE hidden)");
		return;
	}
	write_cr4(cr4 | CR4_FSGSBASE);
	both(&wrgsbase_rdi, 0x0000800000000000ull, 0x0000800000000000ull, v);
	unsigned long v_kept;
	uint64_t kept = run1(&rdgsbase_rax, ram_code, 0, &v_kept);
	say("wrgsbase of 0x0000800000000000: vector %ld from the device, %ld from RAM",
	    (long)v[1], (long)v[0]);
	check(v[0] == 13 && v[1] == 13 && fault_error == 0 && v_kept == NO_FAULT &&
	      kept == 0xfffffffffffff000ull,
	      "wrgsbase of a non-canonical base run from the device: #GP(0) as from RAM, "
	      "the base kept");
	run1(&wrfsbase_rdi, ram_code, fs, &v[0]);
	run1(&wrgsbase_rdi, ram_code, gs, &v[0]);
	write_cr4(cr4);
}

/* ---- 62: the XSAVE family ---------------------------------------------- */

static const struct routine xsave_family[] = {
	R(0x0f, 0xae, 0x27),            /* xsave [rdi] */
	R(0x48, 0x0f, 0xae, 0x27),      /* xsave64 [rdi] */
	R(0x0f, 0xae, 0x2f),            /* xrstor [rdi] */
	R(0x0f, 0xae, 0x37),            /* xsaveopt [rdi] */
	R(0x0f, 0xc7, 0x27),            /* xsavec [rdi] */
	R(0x0f, 0xc7, 0x2f),            /* xsaves [rdi] */
	R(0x48, 0x0f, 0xc7, 0x1f),      /* xrstors64 [rdi] */
	R(0x0f, 0x01, 0xd0),            /* xgetbv */
	R(0x0f, 0x01, 0xd1),            /* xsetbv */
};

static uint8_t xsave_area[4096] __attribute__((aligned(64)));

static void check_xsave(void)
{
	unsigned n = sizeof(xsave_family) / sizeof(xsave_family[0]), bad = 0;
	unsigned long v[2];

	begin(62);
	for (unsigned i = 0; i < n; i++) {
		both(&xsave_family[i], (uint64_t)xsave_area,
		     MMIOTEST_GPA + MMIOTEST_DATA + OPND_AT, v);
		if (v[0] == 6 && v[1] == 6)
			continue;
		bad++;
		say("  xsave form %u: vector %ld from the device, %ld from RAM", i,
		    (long)v[1], (long)v[0]);
	}
	check(bad == 0, "xsave, xrstor, xsaveopt, xsavec, xsaves, xrstors [mmio], xgetbv, "
			"xsetbv run from the device: #UD as from RAM (XSAVE hidden)");
}

/* ---- 63: 0F 0D ----------------------------------------------------------- */

/* prefetch [rdi], prefetchw [rdi], 0f 0d /2-/7 [rdi] */
static const struct routine prefetches = R(
	0x0f, 0x0d, 0x07, 0x0f, 0x0d, 0x0f, 0x0f, 0x0d, 0x17, 0x0f, 0x0d, 0x1f,
	0x0f, 0x0d, 0x27, 0x0f, 0x0d, 0x2f, 0x0f, 0x0d, 0x37, 0x0f, 0x0d, 0x3f);

static void check_prefetch(void)
{
	uint64_t opnd = MMIOTEST_GPA + MMIOTEST_DATA + OPND_AT;
	unsigned long v[2];

	place(&prefetches);
	begin(63);
	uint64_t rax = 0;
	v[0] = call_at(ram_code, 3, &rax, opnd, NULL);
	bool ram_quiet = exits(0, 0);
	v[1] = call_at(on_device(), 3, &rax, opnd, NULL);
	say("0f 0d /0-/7 [mmio]: vector %ld from the device, %ld from RAM",
	    (long)v[1], (long)v[0]);
	check(ram_quiet && v[0] == NO_FAULT && v[1] == NO_FAULT,
	      "prefetch, prefetchw and 0f 0d /2-/7 of a device address run from the device "
	      "as from RAM: no fault, no data access");
}

/* ---- 64: RDRAND, RDSEED -------------------------------------------------- */

static const struct routine rdrand_rax = R(0x48, 0x0f, 0xc7, 0xf0);
static const struct routine rdseed_rax = R(0x48, 0x0f, 0xc7, 0xf8);
static const struct routine rdrand_ax = R(0x66, 0x0f, 0xc7, 0xf0);

/* r from code: true once CF = 1 within 32 tries; RAX then in *out. */
static bool draws(const struct routine *r, const void *code, uint64_t *out,
		  unsigned long *vector)
{
	place(r);
	for (unsigned i = 0; i < 32; i++) {
		uint64_t rax = 0xa5a5a5a5a5a5a5a5ull;
		bool cf = false;

		*vector = call_at(code, r->len, &rax, 0, &cf);
		if (*vector != NO_FAULT)
			return false;
		if (cf) {
			*out = rax;
			return true;
		}
	}
	return false;
}

static bool random_form(const struct routine *r, bool have, const char *name)
{
	unsigned long v_ram, v_dev;
	uint64_t x_ram = 0, x_dev = 0;
	bool ram = draws(r, ram_code, &x_ram, &v_ram);
	bool dev = draws(r, on_device(), &x_dev, &v_dev);

	say("%s: %s; from the device %s (vector %ld), from RAM %s (vector %ld)", name,
	    have ? "announced" : "hidden", dev ? "a number" : "none", (long)v_dev,
	    ram ? "a number" : "none", (long)v_ram);
	if (!have)              /* RAM: what the CPU does (cpuwalk pins leaks) */
		return v_dev == 6;
	if (r == &rdrand_ax)    /* 16 bits: the rest of RAX kept */
		return dev && ram && (x_dev >> 16) == 0xa5a5a5a5a5a5ull &&
		       (x_ram >> 16) == 0xa5a5a5a5a5a5ull;
	return dev && ram;
}

static void check_random(void)
{
	bool rdrand = cpuid_bit(1, 2, 30), rdseed = cpuid_bit(7, 1, 18);
	bool ok;

	begin(64);
	ok = random_form(&rdrand_rax, rdrand, "rdrand rax");
	ok = random_form(&rdrand_ax, rdrand, "rdrand ax") && ok;
	ok = random_form(&rdseed_rax, rdseed, "rdseed rax") && ok;
	check(ok, "rdrand and rdseed run from the device: a number with CF = 1 where "
		  "announced, #UD where hidden");
}

/* ---- 65: hidden features' register forms ------------------------------- */

static const struct routine hidden_forms[] = {
	R(0x66, 0x0f, 0xae, 0xf0),              /* tpause eax */
	R(0xf2, 0x0f, 0xae, 0xf0),              /* umwait eax */
	R(0xf3, 0x48, 0x0f, 0xae, 0xf0),        /* umonitor rax */
	R(0xf3, 0x48, 0x0f, 0xae, 0xe8),        /* incsspq rax */
	R(0xf3, 0x0f, 0xc7, 0xf8),              /* rdpid rax */
	R(0x0f, 0xae, 0xe0),                    /* 0f ae /4, mod 3: undefined */
};

static void check_hidden_forms(void)
{
	unsigned n = sizeof(hidden_forms) / sizeof(hidden_forms[0]), bad = 0;
	bool shown = cpuid_bit(7, 2, 5) || cpuid_bit(7, 2, 7) || cpuid_bit(7, 2, 22);
	unsigned long v[2];

	begin(65);
	for (unsigned i = 0; i < n; i++) {
		both(&hidden_forms[i], 0, 0, v);
		say("hidden form %u: vector %ld from the device, %ld from RAM", i,
		    (long)v[1], (long)v[0]);
		bad += !(v[0] == 6 && v[1] == 6);
	}
	check(!shown && bad == 0, "tpause, umwait, umonitor, incsspq, rdpid and 0f ae /4 "
				  "run from the device: #UD as from RAM (WAITPKG, CET, RDPID "
				  "hidden)");
}

void check_grp15_forms(void)
{
	idt_install(skip_fault);
	check_fsgsbase();
	check_xsave();
	check_prefetch();
	check_random();
	check_hidden_forms();
}
