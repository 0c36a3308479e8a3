/*
 * exec_sysstore.c - the stores of system registers that reach the
 * emulator when their destination is MMIO: SGDT, SIDT (0F 01 /0, /1 with a
 * memory operand), SLDT and STR (0F 00 /0, /1).
 *
 * Intel SDM Vol. 2 SGDT, SIDT, SLDT, STR; AMD APM Vol. 3 same. None is
 * privileged, but with CR4.UMIP they are #GP(0) above CPL 0 (SDM Vol. 3A
 * 2.5). The registers come from emul_ops.get_dtable and get_sysseg;
 * without those the instructions are "unsupported".
 */
#include "emul_private.h"

#define CR4_UMIP (1ull << 11)

static bool umip_blocks(const struct emul_cpu *c)
{
	return (c->cr4 & CR4_UMIP) && c->cpl > 0;
}

/*
 * 0F 01 /0 SGDT m, /1 SIDT m: the 16-bit limit at [m], the base at
 * [m + 2]: 8 bytes in 64-bit mode, else 4 (the full 32-bit base whatever
 * the operand size: the current SDM's pseudo-code "Full 32-bit base
 * address stored" for operand sizes 16 and 32, where editions before
 * UMIP stored 24 bits and a zero byte with 16; APM "operand-size prefixes
 * are ignored"). Both parts are checked before
 * either is written. With mod = 3 these encodings are other instructions
 * (VMCALL, MONITOR, ...), not emulated here.
 */
int emul_exec_sgdt_sidt(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	const struct emul_ops *ops = x->ctx->ops;
	unsigned base_bytes = in->mode == EMUL_MODE_LONG64 ? 8 : 4;
	uint64_t off, off_base, base;
	uint16_t limit;
	int rc;

	if (!ops->get_dtable || in->mod == 3)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if (umip_blocks(x->cpu))
		return emul_gp0(x);
	off = emul_ea(x);
	off_base = (off + 2) & emul_addr_mask(in->addrsize);
	rc = emul_probe_write(x, in->seg, off, 2);
	if (!rc)
		rc = emul_probe_write(x, in->seg, off_base, base_bytes);
	if (rc)
		return rc;
	ops->get_dtable(x->ctx->opaque, (in->modrm >> 3 & 7) == 0 ?
			EMUL_DTABLE_GDT : EMUL_DTABLE_IDT, &base, &limit);
	rc = emul_write(x, in->seg, off, 2, limit);
	if (!rc)
		rc = emul_write(x, in->seg, off_base, base_bytes,
				base & emul_size_mask(base_bytes));
	if (rc)
		return rc;
	emul_retire(x);
	return EX_OK;
}

/*
 * 0F 00 /0 SLDT r/m, /1 STR r/m: the LDTR or TR selector. Not recognised
 * in real mode (#UD; virtual-8086 mode is refused before). A memory
 * destination takes 16 bits whatever the operand size; a register takes
 * the selector zero-extended to the operand size (the upper bits are
 * cleared on every processor since the P6).
 */
int emul_exec_sldt_str(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	const struct emul_ops *ops = x->ctx->ops;
	struct emul_seg s;
	struct emul_opnd dst;
	int rc;

	if (x->cpu->mode == EMUL_MODE_REAL)
		return emul_raise(x, 6, false, 0);
	if (!ops->get_sysseg)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if (umip_blocks(x->cpu))
		return emul_gp0(x);
	ops->get_sysseg(x->ctx->opaque, (in->modrm >> 3 & 7) == 0 ?
			EMUL_SYSSEG_LDTR : EMUL_SYSSEG_TR, &s);
	emul_opnd_rm(x, &dst, in->mem ? 2 : in->opsize);
	rc = emul_opnd_write(x, &dst, s.sel);
	if (rc)
		return rc;
	emul_retire(x);
	return EX_OK;
}
