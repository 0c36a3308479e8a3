/*
 * The code `fuzzcode` runs: a page of random bytes, or of random bytes
 * interleaved with the openings of instructions a hypervisor has to get
 * right (system instructions, prefixes, far transfers, IRET, INT n, MOV to
 * control and debug registers, descriptor-table and segment loads, IO,
 * SYSENTER/SYSCALL, VMCALL/VMMCALL, MONITOR/MWAIT, XSETBV, ...), each
 * followed by random operand bytes. Opcode map: Intel SDM Vol. 2D,
 * Appendix A; AMD APM Vol. 3, Appendix A. Control partition only.
 */
#include <string.h>

#include "guests/ctl/fuzzcode.h"

struct opening {
	uint8_t len, b[4];
};

#define O1(a)           { 1, { a } }
#define O2(a, b)        { 2, { a, b } }
#define O3(a, b, c)     { 3, { a, b, c } }
#define O4(a, b, c, d)  { 4, { a, b, c, d } }

static const struct opening openings[] = {
	/* prefixes: operand and address size, LOCK, REP, segments */
	O1(0x66), O1(0x67), O1(0xf0), O1(0xf2), O1(0xf3), O1(0x2e), O1(0x36),
	O1(0x3e), O1(0x26), O1(0x64), O1(0x65),
	/* 0F 00: SLDT STR LLDT LTR VERR VERW; 0F 01 /0-/7 with a memory or
	 * register operand: SGDT SIDT LGDT LIDT SMSW LMSW INVLPG */
	O2(0x0f, 0x00), O2(0x0f, 0x01), O3(0x0f, 0x01, 0x10), O3(0x0f, 0x01, 0x18),
	O3(0x0f, 0x01, 0x20), O3(0x0f, 0x01, 0x30), O3(0x0f, 0x01, 0x38),
	O3(0x0f, 0x00, 0x10), O3(0x0f, 0x00, 0x18),
	/* 0F 01 C0-FF: VMCALL VMLAUNCH VMRESUME VMXOFF MONITOR MWAIT CLAC STAC
	 * XGETBV XSETBV VMFUNC XEND XTEST VMRUN VMMCALL VMLOAD VMSAVE STGI
	 * CLGI SKINIT INVLPGA SWAPGS RDTSCP MONITORX MWAITX CLZERO RDPRU */
	O3(0x0f, 0x01, 0xc1), O3(0x0f, 0x01, 0xc2), O3(0x0f, 0x01, 0xc3),
	O3(0x0f, 0x01, 0xc4), O3(0x0f, 0x01, 0xc8), O3(0x0f, 0x01, 0xc9),
	O3(0x0f, 0x01, 0xca), O3(0x0f, 0x01, 0xcb), O3(0x0f, 0x01, 0xd0),
	O3(0x0f, 0x01, 0xd1), O3(0x0f, 0x01, 0xd4), O3(0x0f, 0x01, 0xd5),
	O3(0x0f, 0x01, 0xd6), O3(0x0f, 0x01, 0xd8), O3(0x0f, 0x01, 0xd9),
	O3(0x0f, 0x01, 0xda), O3(0x0f, 0x01, 0xdb), O3(0x0f, 0x01, 0xdc),
	O3(0x0f, 0x01, 0xdd), O3(0x0f, 0x01, 0xde), O3(0x0f, 0x01, 0xdf),
	O3(0x0f, 0x01, 0xf8), O3(0x0f, 0x01, 0xf9), O3(0x0f, 0x01, 0xfa),
	O3(0x0f, 0x01, 0xfb), O3(0x0f, 0x01, 0xfc), O3(0x0f, 0x01, 0xfd),
	O3(0x0f, 0x01, 0xe0), O3(0x0f, 0x01, 0xf0),       /* SMSW / LMSW eax */
	/* SYSCALL SYSRET SYSENTER SYSEXIT CLTS INVD WBINVD UD2 RSM GETSEC */
	O2(0x0f, 0x05), O2(0x0f, 0x07), O2(0x0f, 0x34), O2(0x0f, 0x35),
	O2(0x0f, 0x06), O2(0x0f, 0x08), O2(0x0f, 0x09), O2(0x0f, 0x0b),
	O2(0x0f, 0xaa), O2(0x0f, 0x37),
	/* MOV from/to CRn and DRn, register operands */
	O2(0x0f, 0x20), O2(0x0f, 0x22), O2(0x0f, 0x21), O2(0x0f, 0x23),
	O3(0x0f, 0x22, 0xc0), O3(0x0f, 0x22, 0xd8), O3(0x0f, 0x22, 0xe0),
	O3(0x0f, 0x23, 0xc0), O4(0x44, 0x0f, 0x22, 0xc0),  /* CR8 */
	/* RDMSR WRMSR RDTSC RDPMC CPUID; RDRAND RDSEED VMPTRLD VMPTRST */
	O2(0x0f, 0x32), O2(0x0f, 0x30), O2(0x0f, 0x31), O2(0x0f, 0x33),
	O2(0x0f, 0xa2), O2(0x0f, 0xc7),
	/* VMREAD VMWRITE, INVEPT INVVPID INVPCID */
	O2(0x0f, 0x78), O2(0x0f, 0x79), O4(0x66, 0x0f, 0x38, 0x80),
	O4(0x66, 0x0f, 0x38, 0x81), O4(0x66, 0x0f, 0x38, 0x82),
	/* FXSAVE etc., fences, CLFLUSH; XSAVE family with EDX:EAX */
	O2(0x0f, 0xae), O2(0x0f, 0x18), O2(0x0f, 0x0d), O2(0x0f, 0xff),
	O2(0x0f, 0xb9),
	/* far JMP/CALL/RET, IRET, INT n, INT3, INTO, INT1, HLT, CLI, STI,
	 * PUSHF, POPF, indirect far JMP/CALL */
	O1(0xea), O1(0x9a), O1(0xca), O1(0xcb), O1(0xcf), O2(0x48, 0xcf),
	O1(0xcd), O1(0xcc), O1(0xce), O1(0xf1), O1(0xf4), O1(0xfa), O1(0xfb),
	O1(0x9c), O1(0x9d), O2(0xff, 0x18), O2(0xff, 0x28), O2(0xff, 0x1d),
	/* segment loads: MOV Sreg, POP ES/SS/DS/FS/GS, LSS LFS LGS LES LDS */
	O1(0x8e), O2(0x8e, 0xd0), O2(0x8e, 0xd8), O1(0x07), O1(0x17), O1(0x1f),
	O2(0x0f, 0xa1), O2(0x0f, 0xa9), O2(0x0f, 0xb2), O2(0x0f, 0xb4),
	O2(0x0f, 0xb5), O1(0xc4), O1(0xc5), O1(0x8c), O1(0x63), O1(0x62),
	/* IO: IN/OUT imm8 and DX, string IO with REP */
	O1(0xe4), O1(0xe5), O1(0xe6), O1(0xe7), O1(0xec), O1(0xed), O1(0xee),
	O1(0xef), O2(0xf3, 0x6c), O2(0xf3, 0x6d), O2(0xf3, 0x6e), O2(0xf3, 0x6f),
	O1(0x6c), O1(0x6f),
	/* memory: MOV with ModRM and moffs, string moves and stores */
	O1(0x8b), O1(0x89), O1(0x88), O1(0x8a), O1(0xa1), O1(0xa3), O1(0xc7),
	O2(0xf3, 0xa4), O2(0xf3, 0xa5), O2(0xf3, 0xab), O1(0xa5), O1(0xa7),
	O1(0x87), O2(0xf0, 0x0f), O2(0x0f, 0xb1), O2(0x0f, 0xc1),
	/* stack and control flow that leave it: ENTER LEAVE, POP r/m, CALL */
	O1(0xc8), O1(0xc9), O1(0x8f), O1(0xe8), O1(0xc3), O1(0xc2),
	/* x87, MMX/SSE */
	O1(0xd9), O1(0xdb), O1(0xdd), O1(0xdf), O1(0x9b), O2(0x0f, 0x77),
	O2(0x0f, 0x28), O2(0x0f, 0x6f),
};

/* A far pointer worth jumping to: one of the fuzzer's selectors (or any)
 * and an offset into the code page. */
static uint8_t *far_pointer(uint8_t *q, bool wide, struct fc_rng *r)
{
	static const uint16_t sels[] = {
		FC_SEL_CODE32, FC_SEL_CODE64, FC_SEL_CODE16, FC_SEL_CODE32_3 | 3,
		FC_SEL_CODE64_3 | 3, FC_SEL_TSS32, FC_SEL_TSS64, FC_SEL_DATA,
	};
	uint32_t off = (uint32_t)(FC_CODE + fc_below(r, FC_CODE_BYTES));
	uint16_t sel = fc_chance(r, 60) ? sels[fc_below(r, sizeof(sels) / sizeof(sels[0]))]
					: (uint16_t)fc_rnd(r);

	if (!wide)
		off &= 0xfff;                   /* 16-bit: CS base is the code page */
	memcpy(q, &off, wide ? 4 : 2);
	q += wide ? 4 : 2;
	memcpy(q, &sel, 2);
	return q + 2;
}

/* One opening and its operand bytes at q (room for 16), returns the end. */
static uint8_t *emit(uint8_t *q, const struct fc_program *p, struct fc_rng *r)
{
	const struct opening *o = &openings[fc_below(r, sizeof(openings) / sizeof(openings[0]))];

	if (p->mode == FC_LONG64 && fc_chance(r, 20))
		*q++ = (uint8_t)(0x40 + fc_below(r, 16));       /* REX */
	memcpy(q, o->b, o->len);
	q += o->len;
	if (o->len == 1 && (o->b[0] == 0xea || o->b[0] == 0x9a))
		return far_pointer(q, p->mode != FC_REAL && p->mode != FC_BIGREAL &&
				   p->mode != FC_PROT16, r);
	uint64_t operands = fc_below(r, 7);
	fc_fill(r, q, operands);
	return q + operands;
}

void fc_code_fill(uint8_t *code, uint64_t n, const struct fc_program *p, struct fc_rng *r)
{
	uint8_t *q = code, *end = code + n;

	fc_fill(r, code, n);
	if (fc_chance(r, 25))
		return;                                 /* pure random bytes */
	unsigned random_share = (unsigned)fc_below(r, 60);
	while (end - q > 16) {
		if (fc_chance(r, random_share))
			q += 1 + fc_below(r, 4);        /* keep some random bytes */
		else
			q = emit(q, p, r);
	}
}
