/*
 * exec_sysreg.c - group 7 instructions on system registers that reach
 * the emulator: SMSW (0F 01 /4) because its destination is MMIO, LGDT and
 * LIDT (0F 01 /2, /3) because a hypervisor intercepts them to check the
 * base the CPU under it may not (emul_ops.set_dtable).
 *
 * SDM Vol. 2 SMSW, LGDT/LIDT. The other members of group 7 are not
 * emulated.
 */
#include "emul_private.h"

#define CR4_UMIP (1ull << 11)

/* 0F 01 /4 SMSW: a memory destination takes CR0[15:0] whatever the
 * operand size; a register takes CR0 cut to the operand size (bits 31:16
 * are CR0's on every CPU since the P6). With CR4.UMIP, #GP(0) above
 * CPL 0. */
int emul_exec_smsw(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	const struct emul_cpu *c = x->cpu;
	struct emul_opnd rm;
	int rc;

	if ((c->cr4 & CR4_UMIP) && c->cpl > 0)
		return emul_raise(x, 13, true, 0);
	emul_opnd_rm(x, &rm, in->mod == 3 ? in->opsize : 2);
	rc = emul_opnd_write(x, &rm, c->cr0);
	if (rc)
		return rc;
	emul_retire(x);
	return EX_OK;
}

/* 0F 01 /2 LGDT, /3 LIDT m16&32 / m16&64: CPL 0 only; the base is 8 bytes
 * in 64-bit mode, where a non-canonical one is #GP(0) (as the VM-entry
 * checks would refuse it), else 4 bytes, of which a 16-bit operand size
 * keeps 24 bits. Nothing changes unless both reads complete. */
int emul_exec_lgdt_lidt(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	const struct emul_ops *ops = x->ctx->ops;
	bool long64 = in->mode == EMUL_MODE_LONG64;
	unsigned base_bytes = long64 ? 8 : 4;
	struct emul_opnd rm;
	uint64_t limit, base;
	int rc;

	/* with mod 3 these encodings are other instructions (MONITOR,
	 * XGETBV, VMMCALL, ...): not emulated */
	if (!ops->set_dtable || in->mod == 3)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if (x->cpu->cpl > 0)
		return emul_gp0(x);
	emul_opnd_rm(x, &rm, 2);
	rc = emul_read(x, rm.seg, rm.off, 2, 0, &limit);
	if (!rc)
		rc = emul_read(x, rm.seg, (rm.off + 2) & emul_addr_mask(in->addrsize),
			       base_bytes, 0, &base);
	if (rc)
		return rc;
	if (!long64 && in->opsize == 2)
		base &= 0xffffff;
	if (long64 && !emul_canonical(base))
		return emul_gp0(x);
	ops->set_dtable(x->ctx->opaque, (in->modrm >> 3 & 7) == 2 ? EMUL_DTABLE_GDT
								 : EMUL_DTABLE_IDT,
			base, (uint16_t)limit);
	emul_retire(x);
	return EX_OK;
}
