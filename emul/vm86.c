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
 *  - CLI, STI, PUSHF, POPF, INT n and IRET are IOPL-sensitive: #GP(0) when
 *    IOPL < 3 (SDM 20.2.7). With CR4.VME and IOPL < 3, CLI clears VIF and
 *    STI sets it (#GP(0) if VIP is set); PUSHF and POPF work on VIF too
 *    and INT n consults the TSS redirection bitmap at any IOPL (SDM 20.3):
 *    those are not modelled, refused (EMUL_R_MODE). At IOPL 3 POPF and
 *    IRET run and leave IOPL (IRET also VM, VIF, VIP) alone (exec_popf.c,
 *    exec_far.c); INT n, which enters a protected-mode handler (or, with
 *    VME, maybe a real-mode one), is refused; CLI, STI and PUSHF behave
 *    as elsewhere (PUSHF clears VM and RF in the image).
 *  - LLDT, SLDT, LTR, STR, VERR, VERW, LAR and LSL are not recognised:
 *    #UD (SDM Vol. 2, their "Virtual-8086 Mode Exceptions").
 *  - Segment loads take base = selector * 16, a 64 KiB DPL-3 data
 *    segment (SDM 20.1.1; desc.c). Far transfers are refused
 *    (EMUL_R_MODE): their handlers follow real and protected mode.
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

/* CD INT n at IOPL 3: see above (IRET and POPF keep IOPL there:
 * exec_far.c, exec_popf.c). */
static bool refused_at_iopl3(uint8_t opcode)
{
	return opcode == 0xCD;
}

static bool iopl3_runs(uint8_t opcode)
{
	return opcode == 0xCF || opcode == 0x9D;
}

static bool iopl_sensitive(uint8_t opcode)
{
	return opcode == 0xFA || opcode == 0xFB || opcode == 0x9C ||
	       refused_at_iopl3(opcode) || iopl3_runs(opcode);
}

/* Far JMP/CALL/RET (one-byte map): not emulated in virtual-8086 mode.
 * The data segment loads (MOV Sreg, POP Sreg, LxS) are: desc.c loads
 * selector * 16 there. */
static bool loads_segment_1b(const struct emul_insn *in)
{
	switch (in->opcode) {
	case 0xEA: case 0x9A: case 0xCA: case 0xCB:
		return true;
	case 0xFF:                      /* FF /3 CALL m16:16, FF /5 JMP */
		return ((in->modrm >> 3) & 7) == 3 || ((in->modrm >> 3) & 7) == 5;
	default:
		return false;
	}
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
	if (iopl_sensitive(in->opcode)) {
		if (iopl < 3)
			return (c->cr4 & CR4_VME) ?
			       emul_unsupported(x, EMUL_R_MODE) : emul_gp0(x);
		if (refused_at_iopl3(in->opcode))
			return emul_unsupported(x, EMUL_R_MODE);
		return EX_OK;
	}
	if (loads_segment_1b(in))
		return emul_unsupported(x, EMUL_R_MODE);
	return EX_OK;
}
