/*
 * vm86.c - what virtual-8086 mode (RFLAGS.VM = 1) changes for the
 * instructions the emulator runs, checked once per instruction before its
 * handler.
 *
 * Intel SDM Vol. 3A chapter "8086 Emulation" (20.2 virtual-8086 mode, its
 * "Sensitive Instructions" and "Virtual-8086 Mode I/O"; 20.3 and 20.4 the
 * virtual-mode extensions), AMD APM Vol. 2 "Virtual-8086 Mode" and
 * "Virtual-8086 Mode Extensions". In VM86 the decoder works as in real
 * mode (16-bit defaults, 66h/67h), addresses are real-mode style (the
 * segment caches hold base = selector * 16 and limit 0xFFFF; no type or
 * present checks: seg.c), and the CPU runs at CPL 3, so paging checks are
 * user accesses, privileged instructions raise #GP(0) (their handlers check
 * the CPL) and exceptions are delivered through the protected-mode IDT with
 * their error codes. What is left is here:
 *  - CLI, STI, PUSHF, POPF, INT n and IRET are IOPL-sensitive: #GP(0)
 *    when IOPL < 3 (SDM 20.2.7), unless CR4.VME is set (SDM 20.4): then
 *    CLI clears VIF and STI sets it (#GP(0) if VIP is set), here; the
 *    16-bit PUSHF, POPF and IRET work on VIF (vm86_vif.c), their 32-bit
 *    forms stay #GP(0); INT n goes to the delivery, where the TSS
 *    redirection bitmap decides (deliver_vm86.c, at any IOPL). At IOPL 3
 *    POPF and IRET run and leave IOPL (IRET also VM, VIF, VIP) alone
 *    (exec_popf.c, exec_far.c); INT n enters the protected-mode handler
 *    or, with VME, maybe the 8086 one; CLI, STI and PUSHF behave as
 *    elsewhere (PUSHF clears VM and RF in the image).
 *  - LLDT, SLDT, LTR, STR, VERR, VERW, LAR and LSL are not recognised:
 *    #UD (SDM Vol. 2, their "Virtual-8086 Mode Exceptions").
 *  - Segment loads take base = selector * 16, a 64 KiB DPL-3 data
 *    segment (SDM 20.1.1; desc.c); far JMP, CALL and RETF follow real
 *    mode at CPL 3 (exec_far.c).
 *  - IN, OUT, INS, OUTS always consult the TSS I/O permission bitmap,
 *    whatever the IOPL (SDM 20.2.8.1): exec_io.c.
 * A caller whose state says VM86 at a CPL other than 3 is inconsistent
 * (VMX requires SS.DPL = 3 there): refused.
 */
#include "emul_private.h"

#define CR4_VME (1ull << 0)
#define FL_VIF (1ull << 19)
#define FL_VIP (1ull << 20)

/* CLI and STI with CR4.VME below IOPL 3 (SDM Vol. 2 CLI, STI operation;
 * Vol. 3A 20.3): the virtual interrupt flag instead of IF. STI with VIP
 * set was made #GP(0) by the check. */
static int exec_vif(struct emul_exec *x)
{
	if (x->insn->opcode == 0xFA)
		x->cpu->rflags &= ~FL_VIF;
	else
		x->cpu->rflags |= FL_VIF;
	emul_retire(x);
	return EX_OK;
}

/* CLI, STI below IOPL 3: VIF with VME (STI only while VIP is clear), else
 * #GP(0). The handler is chosen each time: the decoding (and its handler)
 * is reused for the same bytes whatever IOPL and CR4 are. */
static int cli_sti(struct emul_exec *x, unsigned iopl)
{
	const struct emul_cpu *c = x->cpu;

	x->ctx->handler = (void (*)(void))emul_handler_of(x->insn);
	if (iopl == 3)
		return EX_OK;
	if (!(c->cr4 & CR4_VME) ||
	    (x->insn->opcode == 0xFB && (c->rflags & FL_VIP)))
		return emul_gp0(x);
	x->ctx->handler = (void (*)(void))exec_vif;
	return EX_OK;
}

/* PUSHF, POPF and IRET below IOPL 3: with VME the 16-bit forms work on
 * VIF (vm86_vif.c), the 32-bit ones are #GP(0) as without VME (SDM Vol.
 * 2 PUSHF, POPF, IRET). At IOPL 3 the ordinary handlers run. */
static int flags_op(struct emul_exec *x, unsigned iopl)
{
	const struct emul_insn *in = x->insn;

	x->ctx->handler = (void (*)(void))emul_handler_of(in);
	if (iopl == 3)
		return EX_OK;
	if (!(x->cpu->cr4 & CR4_VME) || in->opsize != 2)
		return emul_gp0(x);
	x->ctx->handler = in->opcode == 0x9C ?
			  (void (*)(void))emul_exec_vme_pushf :
			  in->opcode == 0x9D ?
			  (void (*)(void))emul_exec_vme_popf :
			  (void (*)(void))emul_exec_vme_iret;
	return EX_OK;
}

int emul_vm86_check(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	const struct emul_cpu *c = x->cpu;
	unsigned iopl = (unsigned)(c->rflags >> 12) & 3;

	if (c->cpl != 3)
		return emul_unsupported(x, EMUL_R_MODE);
	if (in->vex != EMUL_VEX_NONE)
		return EX_OK;
	if (in->map == EMUL_MAP_0F) {
		if (in->opcode == 0x00 || in->opcode == 0x02 ||
		    in->opcode == 0x03)
			return emul_raise(x, 6, false, 0);
		return EX_OK;
	}
	if (in->map != EMUL_MAP_1B)
		return EX_OK;
	if (in->opcode == 0xFA || in->opcode == 0xFB)
		return cli_sti(x, iopl);
	if (in->opcode == 0x9C || in->opcode == 0x9D || in->opcode == 0xCF)
		return flags_op(x, iopl);
	/* INT n: #GP(0) below IOPL 3 without VME, before any access; the
	 * rest of SDM Table 20-2 (the redirection bitmap) is the delivery's
	 * (deliver_vm86.c) */
	if (in->opcode == 0xCD && iopl < 3 && !(c->cr4 & CR4_VME))
		return emul_gp0(x);
	return EX_OK;
}
