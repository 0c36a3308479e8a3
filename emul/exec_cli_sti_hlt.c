/*
 * exec_cli_sti_hlt.c - CLI, STI and HLT when the emulator runs them
 * (their bytes are in MMIO). SDM Vol. 2 CLI, STI, HLT:
 *  - real mode, or CPL <= IOPL: IF itself;
 *  - CPL 3 above IOPL with CR4.PVI: the virtual interrupt flag VIF
 *    (STI #GP(0) while VIP is set);
 *  - otherwise #GP(0). Virtual-8086 mode below IOPL 3 is vm86.c's; at
 *    IOPL 3 it changes IF here.
 * STI that sets IF holds interrupts off for one more instruction
 * (res->shadow, which the caller gives the vCPU); HLT needs CPL 0 and
 * ends with res->halted, the caller's to wait.
 */
#include "emul_private.h"

#define CR4_PVI (1ull << 1)
#define FL_VIF (1ull << 19)
#define FL_VIP (1ull << 20)

int emul_exec_cli_sti(struct emul_exec *x)
{
	struct emul_cpu *c = x->cpu;
	bool sti = x->insn->opcode == 0xFB;
	unsigned iopl = (unsigned)(c->rflags >> 12) & 3;

	if (c->mode == EMUL_MODE_REAL || c->cpl <= iopl ||
	    c->mode == EMUL_MODE_VM86) {        /* VM86: IOPL 3 (vm86.c) */
		if (sti && !(c->rflags & EMUL_FL_IF))
			x->sti_shadow = 1;
		c->rflags = sti ? c->rflags | EMUL_FL_IF : c->rflags & ~(uint64_t)EMUL_FL_IF;
	} else if (c->cpl == 3 && (c->cr4 & CR4_PVI) && !(sti && (c->rflags & FL_VIP))) {
		c->rflags = sti ? c->rflags | FL_VIF : c->rflags & ~FL_VIF;
	} else {
		return emul_gp0(x);
	}
	emul_retire(x);
	return EX_OK;
}

int emul_exec_hlt(struct emul_exec *x)
{
	if (x->cpu->mode != EMUL_MODE_REAL && x->cpu->cpl != 0)
		return emul_gp0(x);
	x->halt = 1;
	emul_retire(x);
	return EX_OK;
}
