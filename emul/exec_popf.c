/*
 * exec_popf.c - POPF/POPFD/POPFQ (9D): which RFLAGS bits a pop may change
 * at which privilege.
 *
 * Intel SDM Vol. 2 POPF (the Operation section, outside virtual-8086
 * mode, which the emulator refuses); AMD APM Vol. 3 POPFx, which has the
 * same rules. Real mode runs at CPL 0. Reserved bits (1, 3, 5, 15, 22-63)
 * keep their values.
 */
#include "emul_private.h"

#define FL_NT (1u << 14)
#define FL_ID (1u << 21)

/* Bits 15:0 a 16-bit POPF may write at CPL 0. */
#define POPF_LOW (EMUL_FL_ARITH | EMUL_FL_TF | EMUL_FL_IF | EMUL_FL_DF | \
		  EMUL_FL_IOPL | FL_NT)

/*
 * The bits this POPF writes: with a 32/64-bit operand also AC and ID (RF
 * is cleared, VM, VIF and VIP are kept); above CPL 0 IOPL is kept; with
 * CPL > IOPL IF is kept as well.
 */
static uint64_t writable(const struct emul_cpu *c, unsigned size)
{
	uint64_t m = POPF_LOW;
	unsigned iopl = (unsigned)(c->rflags & EMUL_FL_IOPL) >> 12;

	if (size > 2)
		m |= EMUL_FL_AC | FL_ID;
	if (c->cpl > 0)
		m &= ~(uint64_t)EMUL_FL_IOPL;
	if (c->cpl > iopl)
		m &= ~(uint64_t)EMUL_FL_IF;
	return m;
}

int emul_exec_popf(struct emul_exec *x)
{
	struct emul_cpu *c = x->cpu;
	unsigned size = x->insn->opsize;
	uint64_t v, sp, m = writable(c, size);
	int rc;

	rc = emul_pop(x, size, &v, &sp);
	if (rc)
		return rc;
	emul_set_sp(x, sp);
	c->rflags = (c->rflags & ~m) | (v & m);
	if (size > 2)
		c->rflags &= ~(uint64_t)EMUL_FL_RF;
	emul_retire(x);
	return EX_OK;
}
