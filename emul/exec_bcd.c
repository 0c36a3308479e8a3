/*
 * exec_bcd.c - the decimal-adjust instructions DAA (27), DAS (2F), AAA
 * (37), AAS (3F), AAM ib (D4), AAD ib (D5), and SALC (D6).
 *
 * They reach the emulator from code in MMIO (fetch_mmio.c): they touch
 * only AX and the arithmetic flags. All seven are #UD in 64-bit mode (the
 * decoder's A_INV64; SDM Vol. 2 Appendix A marks the six BCD opcodes i64;
 * measured on an AMD EPYC for all seven). Prefixes do not change them:
 * the operand is always AL or AX; LOCK is #UD (decoder).
 *
 * Defined results: SDM Vol. 2A DAA, DAS, AAA, AAS, AAM, AAD and APM Vol. 3
 * of the same names. AAA/AAS add/subtract 106H to/from AX as one 16-bit
 * operation (SDM pseudo-code "AX <- AX + 106H"): when AL + 6 carries, AH
 * grows by 2. The APM words it as "adds 6 to AL, increments AH", but an
 * AMD EPYC (family 19h model 11h, Zen 4) measured over every input
 * (tools/measure_bcd.c) does what the SDM says, so both vendors get AX +/-
 * 106H. DAS's second step has no "else CF <- 0" (SDM): a borrow from the
 * low-nibble step survives.
 *
 * The flags the manuals leave undefined follow cpu->vendor
 * (docs/emulator.md "BCD instructions"):
 *  - AMD: measured exhaustively on a Zen 4 (AL, AH, all 64 combinations
 *    of the six arithmetic flags; AAM/AAD with every immediate); they
 *    depend only on AX, CF, AF and the immediate, never on the incoming
 *    OF SF ZF PF. DAA/DAS: OF of the 8-bit ADD/SUB of AL and the whole
 *    correction (06h, 60h or 66h). AAA/AAS: OF SF ZF PF of the 16-bit
 *    ADD/SUB AX, 106H (AX, 0 when no adjustment). AAM: OF = AF = CF = 0.
 *    AAD: OF AF CF of the 8-bit ADD AL, (AH * imm8) & FFh.
 *  - Intel: not measured here (no Intel host). sandpile.org's table of
 *    undefined flags ("x86/flags.htm", P6 core column, the core of every
 *    current Intel Core processor): AAA/AAS SF = 0, ZF of the 16-bit
 *    result, PF of AL +/- 6 (of AL without adjustment); AAM OF = AF =
 *    CF = 0; AAD OF AF CF of the 8-bit addition. For OF after DAA, DAS,
 *    AAA and AAS sandpile gives no rule for P6 cores ("U"; NetBurst
 *    clears it, Core 2 sets it after AAA and clears it after the others):
 *    not established, OF = 0 here.
 * SALC: AL <- FFh if CF else 00h, no flag changed. Not in the SDM's
 * instruction pages (its opcode map leaves D6 unnamed); Intel's P6 opcode
 * map names it SALC and it exists on all Intel x86 processors (R. Collins,
 * "Undocumented OpCodes: SALC", x86.ddj.com/secrets/opcodes/salc.htm);
 * measured on the AMD EPYC: exactly that, in 16/32-bit modes.
 */
#include "emul_private.h"

#define BCD_LOW_ADJUST(al, af) (((al) & 0x0F) > 9 || (af))

static bool is_amd(const struct emul_exec *x)
{
	return x->cpu->vendor == EMUL_VENDOR_AMD;
}

/* DAA (sub = false) and DAS on AL: the new AL and all six flags. */
static uint32_t daa_das(const struct emul_exec *x, bool sub, unsigned al,
			uint32_t in, unsigned *al_out)
{
	bool cf = in & EMUL_FL_CF, low = BCD_LOW_ADJUST(al, in & EMUL_FL_AF);
	unsigned corr = (low ? 0x06 : 0) | (al > 0x99 || cf ? 0x60 : 0);
	unsigned r = (sub ? al - corr : al + corr) & 0xFF;
	uint32_t f = emul_flags_szp(r, 1);

	if (low)
		f |= EMUL_FL_AF;
	/* DAA: a carry out of AL + 6 needs AL > F9h, already > 99h. DAS:
	 * the borrow of AL - 6 is kept by the second step. */
	if (cf || al > 0x99 || (sub && low && al < 6))
		f |= EMUL_FL_CF;
	if (is_amd(x))
		f |= (sub ? emul_flags_sub(al, corr, 0, 1) :
			    emul_flags_add(al, corr, 0, 1)) & EMUL_FL_OF;
	*al_out = r;
	return f;
}

/* AAA (sub = false) and AAS on AX: the new AX and all six flags. */
static uint32_t aaa_aas(const struct emul_exec *x, bool sub, unsigned ax,
			uint32_t in, unsigned *ax_out)
{
	bool adj = BCD_LOW_ADJUST(ax & 0xFF, in & EMUL_FL_AF);
	unsigned d = adj ? 0x106 : 0;
	unsigned r = (sub ? ax - d : ax + d) & 0xFFFF;
	uint32_t f;

	if (is_amd(x))
		f = (sub ? emul_flags_sub(ax, d, 0, 2) :
			   emul_flags_add(ax, d, 0, 2)) &
		    (EMUL_FL_OF | EMUL_FL_SF | EMUL_FL_ZF | EMUL_FL_PF);
	else
		f = emul_flags_szp(r, 2) & (EMUL_FL_ZF | EMUL_FL_PF);
	if (adj)
		f |= EMUL_FL_CF | EMUL_FL_AF;
	*ax_out = r & 0xFF0F;
	return f;
}

/* AAD: AL <- AL + AH * imm8, AH <- 0; the flags of that 8-bit addition
 * on both vendors (SF ZF PF defined, OF AF CF as measured/sandpile). */
static uint32_t aad(unsigned ax, unsigned imm, unsigned *ax_out)
{
	unsigned al = ax & 0xFF, p = ((ax >> 8) * imm) & 0xFF;

	*ax_out = (al + p) & 0xFF;
	return emul_flags_add(al, p, 0, 1);
}

/* 27 DAA, 2F DAS, 37 AAA, 3F AAS, D4 AAM, D5 AAD, D6 SALC. */
int emul_exec_bcd(struct emul_exec *x)
{
	struct emul_cpu *c = x->cpu;
	unsigned ax = (unsigned)emul_reg_get(x, EMUL_RAX, 2), imm;
	unsigned out = ax;
	uint32_t in = (uint32_t)c->rflags, f;

	switch (x->insn->opcode) {
	case 0x27:
	case 0x2F:
		f = daa_das(x, x->insn->opcode == 0x2F, ax & 0xFF, in, &out);
		out |= ax & 0xFF00;
		break;
	case 0x37:
	case 0x3F:
		f = aaa_aas(x, x->insn->opcode == 0x3F, ax, in, &out);
		break;
	case 0xD4:
		imm = (unsigned)x->insn->imm & 0xFF;
		if (imm == 0)
			return emul_raise(x, 0, false, 0); /* #DE */
		out = ((ax & 0xFF) / imm) << 8 | (ax & 0xFF) % imm;
		f = emul_flags_szp(out, 1); /* OF AF CF = 0 */
		break;
	case 0xD5:
		f = aad(ax, (unsigned)x->insn->imm & 0xFF, &out);
		break;
	default: /* D6 SALC */
		emul_reg_set(x, EMUL_RAX, 1, (in & EMUL_FL_CF) ? 0xFF : 0);
		emul_retire(x);
		return EX_OK;
	}
	emul_reg_set(x, EMUL_RAX, 2, out);
	emul_flags_set(c, EMUL_FL_ARITH, f);
	emul_retire(x);
	return EX_OK;
}
