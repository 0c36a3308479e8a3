/*
 * exec_segload.c - the instructions that load a data or stack segment
 * register: MOV Sreg, Ew (8E), POP ES/SS/DS/FS/GS (07 17 1F, 0F A1/A9),
 * LES/LDS (C4/C5 with a memory operand outside 64-bit mode) and
 * LSS/LFS/LGS (0F B2/B4/B5).
 *
 * SDM Vol. 2 MOV, POP, LDS/LES/LFS/LGS/LSS. The checks and the
 * descriptor read are desc.c's; the order here is: every read (operand,
 * descriptor), then the descriptor's accessed bit (a write), then the
 * registers. Loading SS with MOV or POP delays the single-step trap to
 * after the next instruction (SDM Vol. 3A 6.8.3); the interrupt shadow
 * that comes with it is not modelled (docs/emulator.md).
 */
#include "emul_private.h"

static int load_and_commit(struct emul_exec *x, unsigned sreg, uint16_t sel)
{
	struct emul_seg_load ld;
	int rc;

	rc = emul_seg_load_check(x, sreg, sel, &ld);
	if (rc)
		return rc;
	rc = emul_seg_load_write(x, &ld);
	if (rc)
		return rc;
	emul_seg_commit(x, sreg, &ld.seg);
	if (sreg == EMUL_SEG_SS)
		x->ss_shadow = 1;
	return EX_OK;
}

/* 8E /r: a memory source is always a word (SDM MOV); the decoder refuses
 * CS and the undefined sreg numbers 6 and 7 (#UD). */
int emul_exec_mov_to_sreg(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_opnd src;
	uint64_t v;
	int rc;

	emul_opnd_rm(x, &src, 2);
	rc = emul_opnd_read(x, &src, 0, &v);
	if (rc)
		return rc;
	rc = load_and_commit(x, (in->modrm >> 3) & 7, (uint16_t)v);
	if (rc)
		return rc;
	emul_retire(x);
	return EX_OK;
}

/* 07/17/1F, 0F A1/A9: the whole stack slot (operand size) is read and
 * its low word loaded (SDM POP). */
int emul_exec_pop_sreg(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned sreg = in->map == EMUL_MAP_0F ?
		(in->opcode == 0xA1 ? EMUL_SEG_FS : EMUL_SEG_GS) :
		(in->opcode >> 3) & 3;
	uint64_t v, sp;
	int rc;

	rc = emul_pop(x, in->opsize, &v, &sp);
	if (rc)
		return rc;
	/* rSP moves by the old stack's address size (POP SS may change
	 * SS.B); a failing load takes it back with the other registers */
	emul_set_sp(x, sp);
	rc = load_and_commit(x, sreg, (uint16_t)v);
	if (rc)
		return rc;
	emul_retire(x);
	return EX_OK;
}

static unsigned far_ptr_sreg(const struct emul_insn *in)
{
	if (in->map == EMUL_MAP_1B)
		return in->opcode == 0xC4 ? EMUL_SEG_ES : EMUL_SEG_DS;
	switch (in->opcode) {
	case 0xB2: return EMUL_SEG_SS;
	case 0xB4: return EMUL_SEG_FS;
	default: return EMUL_SEG_GS;
	}
}

/* C4/C5, 0F B2/B4/B5: Gv <- offset, Sreg <- selector from m16:16,
 * m16:32 or (REX.W) m16:64, offset first. Whether AMD processors honour
 * REX.W here as Intel's do (they ignore it on far JMP/CALL) is not
 * settled from the APM, so that form is refused on AMD. */
int emul_exec_load_far_ptr(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned osz = in->opsize;
	uint64_t ea = emul_ea(x), off, sel;
	int rc;

	if (osz == 8 && x->cpu->vendor == EMUL_VENDOR_AMD)
		return emul_unsupported(x, EMUL_R_OPCODE);
	rc = emul_read(x, in->seg, ea, osz, 0, &off);
	if (rc)
		return rc;
	rc = emul_read(x, in->seg, (ea + osz) & emul_addr_mask(in->addrsize),
		       2, 0, &sel);
	if (rc)
		return rc;
	rc = load_and_commit(x, far_ptr_sreg(in), (uint16_t)sel);
	if (rc)
		return rc;
	x->ss_shadow = 0;               /* LSS is not MOV SS */
	emul_reg_set(x, in->reg, osz, off);
	emul_retire(x);
	return EX_OK;
}
