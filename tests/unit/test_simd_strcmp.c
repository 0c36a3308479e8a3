/*
 * test_simd_strcmp.c - PCMPESTRM, PCMPESTRI, PCMPISTRM, PCMPISTRI run
 * for the emulator (core/simd_strcmp.c on arch/x86/simd_proxy.S's
 * simd_strcmp_stubs, on this CPU's registers): for each form, without
 * and with REX.W, every imm8, memory and register forms and several
 * register numbers, the answer must be the one the same instruction
 * gives run directly on this CPU (XMM1 and XMM2 or [RDI], EAX/RAX and
 * EDX/RDX): ECX, CF ZF SF OF AF PF, XMM0 for the ...M forms; and every
 * other register, XMM0 for the ...I forms, keeps the guest's value.
 * Every x86-64 CPU this runs on has SSE4.2 (checked first, loudly).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cpuid.h>
#include <string.h>
#include <sys/mman.h>

#include "core/simd_strcmp.h"
#include "core/simd_image.h"

#define XMM(i) (160 + 16 * (i))
#define ARITH_FLAGS 0x8d5ull    /* OF SF ZF AF PF CF */

static uint8_t before[SIMD_IMAGE_BYTES] __attribute__((aligned(16)));
static uint8_t after[SIMD_IMAGE_BYTES] __attribute__((aligned(16)));
static uint8_t *code;           /* the instruction under test, then RET */

struct answer {
	uint8_t xmm0[16];
	uint64_t rcx, rflags;
};

/* The instruction's bytes, as the guest would have them with ModRM.reg
 * 1 and r/m [RDI] (0F) or XMM2 (CA). */
static void encode(uint8_t op, bool wide, bool regform, uint8_t imm)
{
	unsigned n = 0;

	code[n++] = 0x66;
	if (wide)
		code[n++] = 0x48;
	code[n++] = 0x0f;
	code[n++] = 0x3a;
	code[n++] = op;
	code[n++] = regform ? 0xca : 0x0f;
	code[n++] = imm;
	code[n++] = 0xc3;
}

/* Runs code directly: XMM0-2 from x0, x1, x2, RDI = mem, RAX and RDX;
 * RSP moved past the red zone around the call. */
static void native(const uint8_t *x0, const uint8_t *x1, const uint8_t *x2,
		   const uint8_t *mem, uint64_t rax, uint64_t rdx, struct answer *a)
{
	uint64_t rcx = 0, fl;

	__asm__ volatile("movdqu (%[x0]), %%xmm0\n\t"
			 "movdqu (%[x1]), %%xmm1\n\t"
			 "movdqu (%[x2]), %%xmm2\n\t"
			 "sub $128, %%rsp\n\t"
			 "call *%[code]\n\t"
			 "pushfq\n\t"
			 "popq %[fl]\n\t"
			 "add $128, %%rsp\n\t"
			 "movdqu %%xmm0, (%[out])"
			 : "+a"(rax), "+d"(rdx), "+c"(rcx), [fl] "=&r"(fl)
			 : [x0] "r"(x0), [x1] "r"(x1), [x2] "r"(x2), "D"(mem),
			   [code] "r"(code), [out] "r"(a->xmm0)
			 : "xmm0", "xmm1", "xmm2", "memory", "cc");
	a->rcx = rcx;
	a->rflags = fl;
}

/* The guest's registers: bytes with a zero here and there (PCMPISTRx
 * stop at the first) and repeats (something to match). */
static void state(unsigned seed)
{
	simd_fxsave(before);
	for (unsigned i = XMM(0); i < XMM(16); i++) {
		unsigned v = (i * 7 + seed * 13) % 23;

		before[i] = v == 0 ? 0 : (uint8_t)('a' + v % 5 + (v > 19) * 0x80);
	}
}

static void check_one(uint8_t op, bool wide, uint8_t imm, unsigned n, int m,
		      uint64_t rax, uint64_t rdx)
{
	static uint8_t buf[16] __attribute__((aligned(16)));
	struct emul_simd e = {
		.map = EMUL_MAP_0F3A, .prefix = 0x66, .opcode = op, .imm = imm,
		.kind = EMUL_SIMD_XMM, .reg = (uint8_t)n, .buf = buf, .wide = wide,
		.regform = m >= 0, .rm = m >= 0 ? (uint8_t)m : 0, .rax = rax, .rdx = rdx,
	};
	struct simd_call c = { .buf = buf };
	struct answer want;

	for (unsigned i = 0; i < 16; i++)
		buf[i] = (uint8_t)('a' + (i * 3 + imm) % 6);
	buf[(imm >> 2) % 16] = 0;
	encode(op, wide, m >= 0, imm);
	native(before + XMM(0), before + XMM(n), m >= 0 ? before + XMM(m) : buf, buf,
	       rax, rdx, &want);
	assert_true(simd_strcmp_form(&e));
	simd_fxrstor(before);
	assert_int_equal(simd_strcmp_run(&c, &e), SIMD_CALL_DONE);
	simd_fxsave(after);
	if (op & 1)
		assert_int_equal(c.rcx, want.rcx);
	assert_int_equal(c.rflags & ARITH_FLAGS, want.rflags & ARITH_FLAGS);
	if (op & 1)
		assert_memory_equal(after + XMM(0), before + XMM(0), 16);
	else
		assert_memory_equal(after + XMM(0), want.xmm0, 16);
	assert_memory_equal(after + XMM(1), before + XMM(1), 16 * 15);
	assert_memory_equal(after + 24, before + 24, 4);        /* MXCSR */
}

static void test_host_has_sse42(void **state)
{
	unsigned a = 0, b = 0, c = 0, d = 0;

	(void)state;
	assert_true(__get_cpuid(1, &a, &b, &c, &d));
	assert_true(c >> 20 & 1);
}

static void test_every_form(void **st)
{
	static const struct { unsigned n; int m; } regs[] = {
		{ 1, -1 }, { 0, -1 }, { 15, -1 }, { 1, 2 }, { 2, 1 }, { 0, 0 }, { 5, 0 },
		{ 9, 9 },
	};
	/* lengths: small, negative (the absolute value counts), beyond 16,
	 * and with bits 63:32 set, which only REX.W reads */
	static const uint64_t len[][2] = {
		{ 5, 9 }, { (uint64_t)-7, 3 }, { 40, (uint64_t)-20 },
		{ 0xFFFFFFFF00000004ull, 0x0000000200000006ull },
	};

	(void)st;
	for (unsigned op = 0x60; op <= 0x63; op++)
		for (unsigned w = 0; w < 2; w++)
			for (unsigned imm = 0; imm < 256; imm++) {
				unsigned k = (op * 2 + w) * 256 + imm;

				state(k);
				check_one((uint8_t)op, w, (uint8_t)imm, regs[k % 8].n,
					  regs[k % 8].m, len[k % 4][0], len[k % 4][1]);
			}
}

/* Other 0F 3A forms are not these. */
static void test_form(void **state)
{
	struct emul_simd e = { .map = EMUL_MAP_0F3A, .prefix = 0x66, .opcode = 0x44 };

	(void)state;
	assert_false(simd_strcmp_form(&e));
	e.opcode = 0x63;
	assert_true(simd_strcmp_form(&e));
	e.prefix = 0;
	assert_false(simd_strcmp_form(&e));
	e.prefix = 0x66;
	e.map = EMUL_MAP_0F38;
	assert_false(simd_strcmp_form(&e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_has_sse42),
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_every_form),
	};

	code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
