/*
 * exec_mov.c - data movement that touches at most one memory operand and
 * sets no flags: MOV (ModRM, immediate, moffs, segment register source),
 * MOVZX/MOVSX/MOVSXD, LEA, CMOVcc, SETcc, MOVNTI, MOVBE, XLAT.
 *
 * SDM Vol. 2 per instruction. These are the instructions guests most often
 * point at MMIO; a load is one read request, a store one write request.
 */
#include "emul_private.h"

static int done(struct emul_exec *x)
{
	emul_retire(x);
	return EX_OK;
}

/* 88 Eb,Gb  89 Ev,Gv  8A Gb,Eb  8B Gv,Ev */
int emul_exec_mov(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_opnd rm, reg;
	uint64_t v;
	int rc;

	emul_opnd_rm(x, &rm, in->opsize);
	emul_opnd_reg(&reg, in->reg, in->opsize);
	if (in->opcode & 2) {
		rc = emul_opnd_read(x, &rm, 0, &v);
		if (!rc)
			rc = emul_opnd_write(x, &reg, v);
	} else {
		rc = emul_opnd_write(x, &rm, emul_reg_get(x, in->reg,
							  in->opsize));
	}
	return rc ? rc : done(x);
}

/* C6 /0 Eb,Ib  C7 /0 Ev,Iz (sign-extended to 64 bits with REX.W) */
int emul_exec_mov_imm(struct emul_exec *x)
{
	struct emul_opnd rm;
	int rc;

	emul_opnd_rm(x, &rm, x->insn->opsize);
	rc = emul_opnd_write(x, &rm, emul_imm_sx(x->insn));
	return rc ? rc : done(x);
}

/* B0-B7 r8,Ib  B8-BF r,Iv (imm64 with REX.W) */
int emul_exec_mov_reg_imm(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned reg = (in->opcode & 7) | ((in->rex & 1) << 3);

	emul_reg_set(x, reg, in->opsize, in->imm);
	return done(x);
}

/* A0 AL,Ob  A1 rAX,Ov  A2 Ob,AL  A3 Ov,rAX: the offset is address-size
 * wide and there is no ModRM (SDM MOV, "moffs"). */
int emul_exec_mov_moffs(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	uint64_t off = in->imm & emul_addr_mask(in->addrsize), v;
	int rc;

	if (in->opcode & 2)
		rc = emul_write(x, in->seg, off, in->opsize,
				emul_reg_get(x, EMUL_RAX, in->opsize));
	else {
		rc = emul_read(x, in->seg, off, in->opsize, 0, &v);
		if (!rc)
			emul_reg_set(x, EMUL_RAX, in->opsize, v);
	}
	return rc ? rc : done(x);
}

/* 8C Ev,Sw: a memory destination is always 16 bits; a register
 * destination gets the selector zero-extended (SDM MOV, P6 and later). */
int emul_exec_mov_sreg(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	uint16_t sel = emul_seg(x, (in->modrm >> 3) & 7)->sel;
	struct emul_opnd rm;
	int rc;

	emul_opnd_rm(x, &rm, in->mem ? 2 : in->opsize);
	rc = emul_opnd_write(x, &rm, sel);
	return rc ? rc : done(x);
}

/* 0F B6/B7 MOVZX, 0F BE/BF MOVSX: Gv <- Eb/Ew. */
int emul_exec_movx(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned ssize = (in->opcode & 1) ? 2 : 1;
	struct emul_opnd src;
	uint64_t v;
	int rc;

	emul_opnd_rm(x, &src, ssize);
	rc = emul_opnd_read(x, &src, 0, &v);
	if (rc)
		return rc;
	if (in->opcode & 8)
		v = emul_sx(v, ssize);
	emul_reg_set(x, in->reg, in->opsize, v);
	return done(x);
}

/* 63 in 64-bit mode: MOVSXD Gv, Ed (sign-extends only with REX.W). With
 * a 16-bit operand size Intel reads a word (SDM "MOVSXD r16, r/m16"), AMD
 * a doubleword of which the low word is kept: the access size differs,
 * so the faults and the MMIO read do too. */
int emul_exec_movsxd(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned ssize = in->opsize == 8 ||
			 (in->opsize == 2 && x->cpu->vendor == EMUL_VENDOR_AMD)
			 ? 4 : in->opsize;
	struct emul_opnd src;
	uint64_t v;
	int rc;

	emul_opnd_rm(x, &src, ssize);
	rc = emul_opnd_read(x, &src, 0, &v);
	if (rc)
		return rc;
	emul_reg_set(x, in->reg, in->opsize, emul_sx(v, ssize));
	return done(x);
}

/* 8D: the address-size effective address, truncated or zero-extended to
 * the operand size (SDM LEA, Table 3-54). No memory access. */
int emul_exec_lea(struct emul_exec *x)
{
	emul_reg_set(x, x->insn->reg, x->insn->opsize, emul_ea(x));
	return done(x);
}

/* 0F 40-4F: the source is read whatever the condition; a 32-bit CMOV
 * clears the upper half of the destination even when false (SDM CMOVcc). */
int emul_exec_cmov(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_opnd src;
	uint64_t v;
	int rc;

	emul_opnd_rm(x, &src, in->opsize);
	rc = emul_opnd_read(x, &src, 0, &v);
	if (rc)
		return rc;
	if (!emul_cond(x->cpu, in->opcode & 0xF))
		v = emul_reg_get(x, in->reg, in->opsize);
	emul_reg_set(x, in->reg, in->opsize, v);
	return done(x);
}

/* 0F 90-9F: Eb <- condition. */
int emul_exec_setcc(struct emul_exec *x)
{
	struct emul_opnd dst;
	int rc;

	emul_opnd_rm(x, &dst, 1);
	rc = emul_opnd_write(x, &dst, emul_cond(x->cpu, x->insn->opcode & 0xF));
	return rc ? rc : done(x);
}

/* 0F C3: MOVNTI My, Gy (32/64-bit only, the decoder rejects 66h; the
 * non-temporal hint is irrelevant here). */
int emul_exec_movnti(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_opnd dst;
	int rc;

	emul_opnd_rm(x, &dst, in->opsize);
	rc = emul_opnd_write(x, &dst, emul_reg_get(x, in->reg, in->opsize));
	return rc ? rc : done(x);
}

static uint64_t bswap(uint64_t v, unsigned size)
{
	uint64_t r = 0;
	unsigned i;

	for (i = 0; i < size; i++)
		r |= ((v >> (8 * i)) & 0xFF) << (8 * (size - 1 - i));
	return r;
}

/*
 * 0F C8+r BSWAP: reaches the emulator only as code in MMIO. 32-bit, or
 * 64-bit with REX.W (REX.B picks r8-r15). With a 16-bit operand size the
 * SDM and APM call the result undefined; CPUs swap the zero-extended
 * register as 32 bits and keep the low half, which is 0, and Bochs writes
 * 0 too: the 16-bit register becomes 0 here, the rest of it kept.
 */
int emul_exec_bswap(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned reg = (in->opcode & 7) | ((in->rex & 1) << 3);
	uint64_t v = in->opsize == 2 ? 0 : bswap(emul_reg_get(x, reg, in->opsize), in->opsize);

	emul_reg_set(x, reg, in->opsize, v);
	return done(x);
}

/* 0F 38 F0 Gv,Mv / F1 Mv,Gv: MOV with byte swap (memory forms only). */
int emul_exec_movbe(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_opnd m;
	uint64_t v;
	int rc;

	emul_opnd_rm(x, &m, in->opsize);
	if (in->opcode == 0xF0) {
		rc = emul_opnd_read(x, &m, 0, &v);
		if (rc)
			return rc;
		emul_reg_set(x, in->reg, in->opsize, bswap(v, in->opsize));
	} else {
		rc = emul_opnd_write(x, &m, bswap(emul_reg_get(x, in->reg,
							       in->opsize),
						  in->opsize));
		if (rc)
			return rc;
	}
	return done(x);
}

/* D7: AL <- [seg:rBX + AL] (address-size wrap, DS default). */
int emul_exec_xlat(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	uint64_t off = (x->cpu->gpr[EMUL_RBX] + (x->cpu->gpr[EMUL_RAX] & 0xFF)) &
		       emul_addr_mask(in->addrsize);
	uint64_t v;
	int rc;

	rc = emul_read(x, in->seg, off, 1, 0, &v);
	if (rc)
		return rc;
	emul_reg_set(x, EMUL_RAX, 1, v);
	return done(x);
}
