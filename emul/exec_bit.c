/*
 * exec_bit.c - bit tests and scans: BT BTS BTR BTC (register and imm8 bit
 * offsets) and BSF/BSR.
 *
 * SDM Vol. 2 "BT": with a register offset and a memory operand the offset
 * is a signed bit string index, so the accessed operand-size unit is at
 * EA + opsize * (offset >> log2(8 * opsize)); an immediate offset is taken
 * modulo the operand width. CF gets the bit; ZF is unchanged; OF SF AF PF
 * are undefined (left unchanged here). BSF/BSR leave the destination
 * unchanged for a zero source (ZF = 1), as current Intel and AMD CPUs do.
 */
#include "emul_private.h"

enum { BT, BTS, BTR, BTC };

static int bt_run(struct emul_exec *x, unsigned op, struct emul_opnd *dst,
		  unsigned bitno)
{
	uint64_t v, b = 1ull << bitno;
	int rc;

	rc = emul_opnd_read(x, dst, op == BT ? 0 : EMUL_ACC_RMW, &v);
	if (rc)
		return rc;
	emul_flags_set(x->cpu, EMUL_FL_CF, (v & b) ? EMUL_FL_CF : 0);
	if (op != BT) {
		v = op == BTS ? v | b : op == BTR ? v & ~b : v ^ b;
		rc = emul_opnd_write(x, dst, v);
		if (rc)
			return rc;
	}
	emul_retire(x);
	return EX_OK;
}

static unsigned log2_bits(unsigned size)
{
	return size == 2 ? 4 : size == 4 ? 5 : 6;
}

/* 0F A3 BT, AB BTS, B3 BTR, BB BTC: Ev, Gv. */
int emul_exec_bt(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned size = in->opsize, lg = log2_bits(size);
	uint64_t off = emul_reg_get(x, in->reg, size);
	struct emul_opnd dst;

	emul_opnd_rm(x, &dst, size);
	if (dst.is_mem) {
		int64_t unit = (int64_t)emul_sx(off, size) >> lg;

		dst.off = (dst.off + (uint64_t)unit * size) &
			  emul_addr_mask(in->addrsize);
	}
	return bt_run(x, (in->opcode >> 3) & 3, &dst,
		      (unsigned)off & ((1u << lg) - 1));
}

/* 0F BA /4../7 Ev, Ib. */
int emul_exec_bt_imm(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_opnd dst;

	emul_opnd_rm(x, &dst, in->opsize);
	return bt_run(x, ((in->modrm >> 3) & 7) - 4, &dst,
		      (unsigned)in->imm & (8u * in->opsize - 1));
}

/* 0F BC BSF, 0F BD BSR: Gv, Ev. */
int emul_exec_bsf_bsr(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned size = in->opsize, i;
	struct emul_opnd src;
	uint64_t v;
	int rc;

	emul_opnd_rm(x, &src, size);
	rc = emul_opnd_read(x, &src, 0, &v);
	if (rc)
		return rc;
	if (v == 0) {
		x->cpu->rflags |= EMUL_FL_ZF;
	} else {
		x->cpu->rflags &= ~(uint64_t)EMUL_FL_ZF;
		if (in->opcode == 0xBC)
			for (i = 0; !(v >> i & 1); i++)
				;
		else
			for (i = 8 * size - 1; !(v >> i & 1); i--)
				;
		emul_reg_set(x, in->reg, size, i);
	}
	emul_retire(x);
	return EX_OK;
}
