/*
 * exec_clzero.c - group 7's /7 with mod = 3, of which the emulator runs
 * CLZERO (0F 01 FC, AMD APM Vol. 3): it zeroes the 64-byte cache line
 * holding DS:rAX (rAX by the address size, a segment override applies),
 * eight 8-byte writes, all checked before the first. #UD where the
 * guest's CPUID does not announce it. The others (SWAPGS, RDTSCP,
 * MONITORX, MWAITX, RDPRU) are the hypervisor's intercepts. With
 * mod != 3 it is INVLPG, which a hypervisor without nested paging
 * intercepts (its shadow tables are the guest's TLB): emulated when the
 * caller gives emul_ops.invlpg.
 */
#include "emul_private.h"

#define CACHE_LINE 64u

int emul_exec_grp7_7(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned seg = (in->pfx & EMUL_PFX_SEG) ? in->seg : EMUL_SEG_DS;
	uint64_t mask = emul_addr_mask(in->addrsize);
	uint64_t line;
	int rc;

	if (in->mod != 3)
		return emul_exec_invlpg(x);
	if ((in->modrm & 7) != 4)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if (!(x->cpu->features & EMUL_FEAT_CLZERO))
		return emul_raise(x, 6, false, 0);
	line = x->cpu->gpr[EMUL_RAX] & mask & ~(uint64_t)(CACHE_LINE - 1);
	for (unsigned i = 0; i < CACHE_LINE; i += 8)
		if ((rc = emul_probe_write(x, seg, (line + i) & mask, 8)))
			return rc;
	for (unsigned i = 0; i < CACHE_LINE; i += 8)
		if ((rc = emul_write(x, seg, (line + i) & mask, 8, 0)))
			return rc;
	emul_retire(x);
	return EX_OK;
}

/* 0F 01 /7 INVLPG m (SDM Vol. 2 INVLPG; APM Vol. 3): #GP(0) above CPL 0
 * (also in virtual-8086 mode, where CPL is 3). The operand is only an
 * address: no segment-limit or canonical check, nothing read. In 64-bit
 * mode only FS and GS add a base; elsewhere the linear address has 32
 * bits. */
int emul_exec_invlpg(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned seg = in->seg;         /* the default one, or the override */
	uint64_t la;

	if (!x->ctx->ops->invlpg)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if (x->cpu->cpl > 0)
		return emul_gp0(x);
	la = emul_ea(x);
	if (in->mode == EMUL_MODE_LONG64) {
		if (seg == EMUL_SEG_FS || seg == EMUL_SEG_GS)
			la += emul_seg(x, seg)->base;
	} else {
		la = (la + emul_seg(x, seg)->base) & 0xFFFFFFFFull;
	}
	x->ctx->ops->invlpg(x->ctx->opaque, la);
	emul_retire(x);
	return EX_OK;
}
