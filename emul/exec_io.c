/*
 * exec_io.c - IN and OUT (immediate and DX port forms) and the I/O
 * privilege check shared with INS/OUTS.
 *
 * SDM Vol. 1 19.5: in protected mode with CPL > IOPL (and in virtual-8086
 * mode always) the TSS I/O permission bitmap decides: ops->io_permitted()
 * if given, else the emulator reads the TSS through get_sysseg and the read
 * callback (io_bitmap.c), else it refuses as unsupported. An IO exit taken
 * by VMX/SVM has already passed this check in hardware.
 */
#include "emul_private.h"

int emul_io_allowed(struct emul_exec *x, uint16_t port, unsigned size)
{
	const struct emul_cpu *c = x->cpu;
	const struct emul_ops *ops = x->ctx->ops;
	unsigned iopl = (unsigned)(c->rflags >> 12) & 3;

	/* In virtual-8086 mode the bitmap decides at any IOPL (SDM Vol. 3A
	 * 20.2.8.1, IN's operation: "CPL > IOPL or VM = 1"). */
	if (c->mode == EMUL_MODE_REAL ||
	    (c->cpl <= iopl && c->mode != EMUL_MODE_VM86))
		return EX_OK;
	if (!ops->io_permitted)
		return ops->get_sysseg ? emul_io_bitmap(x, port, size) :
					 emul_unsupported(x, EMUL_R_IO_PERM);
	if (!ops->io_permitted(x->ctx->opaque, port, size))
		return emul_gp0(x);
	return EX_OK;
}

/* E4/E5 IN AL/eAX,Ib  E6/E7 OUT Ib,AL/eAX  EC/ED IN AL/eAX,DX
 * EE/EF OUT DX,AL/eAX. REX.W does not make a 64-bit port access. */
int emul_exec_inout(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned size = in->opsize == 1 ? 1 : (in->opsize == 2 ? 2 : 4);
	uint16_t port = (in->opcode & 8) ? (uint16_t)x->cpu->gpr[EMUL_RDX] :
					   (uint16_t)in->imm;
	uint32_t v;
	int rc;

	rc = emul_io_allowed(x, port, size);
	if (rc)
		return rc;
	if (in->opcode & 2) {
		rc = emul_io_out(x, port, size,
				 (uint32_t)emul_reg_get(x, EMUL_RAX, size));
	} else {
		rc = emul_io_in(x, port, size, &v);
		if (!rc)
			emul_reg_set(x, EMUL_RAX, size, v);
	}
	if (rc)
		return rc;
	emul_retire(x);
	return EX_OK;
}
