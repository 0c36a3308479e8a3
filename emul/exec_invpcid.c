/*
 * exec_invpcid.c - INVPCID r32/r64, m128 (66 0F 38 82 /r) when its
 * descriptor is in MMIO (SDM Vol. 2 INVPCID; Vol. 3A 4.10.4.1).
 *
 * The register operand is the type (32 bits outside 64-bit mode, 64 in
 * it, whatever the operand size); the 16-byte descriptor holds the PCID
 * in bits 11:0 (bits 63:12 reserved) and a linear address in 127:64.
 * Faults, as listed for every mode:
 *  - #UD: CPUID.(EAX=7,ECX=0):EBX.INVPCID[10] clear (EMUL_FEAT_INVPCID),
 *    virtual-8086 mode, LOCK (the decoder), a register operand, no 66h
 *    or an F2/F3 prefix (another opcode, none defined);
 *  - #GP(0) above CPL 0; the memory operand's segment and paging faults;
 *  - #GP(0) for bits 63:12 of the descriptor set, a type above 3, a
 *    PCID other than 0 for type 0 or 1 while CR4.PCIDE = 0 (outside
 *    IA-32e mode PCIDE is always 0, which the SDM spells "not zero"), a
 *    non-canonical address for type 0.
 * The SDM gives no order between the memory operand's faults and the
 * type check; here, as in Bochs, the descriptor is read first.
 *
 * The invalidation is emul_ops.flush_tlb: all of the guest's
 * translations, global ones and every PCID included. That is a correct
 * over-approximation of each type: the SDM lets a processor invalidate
 * more than an instruction names (4.10.4.1: "may invalidate ... other
 * mappings"; INVPCID type 0/1/3 may also drop global translations and
 * other PCIDs'), never less; what the guest may rely on is only that
 * the named ones are gone.
 */
#include "emul_private.h"

#define CR4_PCIDE (1ull << 17)

/* The prefixes and form of INVPCID; anything else at 0F 38 82 is #UD. */
static bool encoded_as_invpcid(const struct emul_insn *in)
{
	return (in->pfx & EMUL_PFX_OPSZ) &&
	       !(in->pfx & (EMUL_PFX_REP | EMUL_PFX_REPNE)) && in->mem;
}

/* The descriptor's two quadwords. */
static int read_desc(struct emul_exec *x, uint64_t *lo, uint64_t *hi)
{
	const struct emul_insn *in = x->insn;
	uint64_t la, la_hi;
	int rc;

	rc = emul_linear(x, in->seg, emul_ea(x), 16, false, &la);
	if (rc)
		return rc;
	la_hi = la + 8;
	if (x->cpu->mode != EMUL_MODE_LONG64)
		la_hi &= 0xFFFFFFFFull;
	rc = emul_read_linear(x, la, 8, 0, lo);
	if (!rc)
		rc = emul_read_linear(x, la_hi, 8, 0, hi);
	return rc;
}

/* The #GP(0) conditions of the type and the descriptor. */
static bool invalid(const struct emul_cpu *c, uint64_t type, uint64_t lo,
		    uint64_t hi)
{
	if ((lo >> 12) || type > 3)
		return true;
	if (type <= 1 && (lo & 0xFFF) && !(c->cr4 & CR4_PCIDE))
		return true;
	return type == 0 && !emul_canonical(hi);
}

int emul_exec_invpcid(struct emul_exec *x)
{
	const struct emul_cpu *c = x->cpu;
	unsigned rsize = c->mode == EMUL_MODE_LONG64 ? 8 : 4;
	uint64_t type, lo, hi;
	int rc;

	if (!(c->features & EMUL_FEAT_INVPCID) || !encoded_as_invpcid(x->insn) ||
	    c->mode == EMUL_MODE_VM86)
		return emul_raise(x, 6, false, 0);
	if (c->mode != EMUL_MODE_REAL && c->cpl != 0)
		return emul_gp0(x);
	if (!x->ctx->ops->flush_tlb)
		return emul_unsupported(x, EMUL_R_OPCODE);
	type = emul_reg_get(x, x->insn->reg, rsize);
	rc = read_desc(x, &lo, &hi);
	if (rc)
		return rc;
	if (invalid(c, type, lo, hi))
		return emul_gp0(x);
	x->ctx->ops->flush_tlb(x->ctx->opaque);
	emul_retire(x);
	return EX_OK;
}
