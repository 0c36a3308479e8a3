/*
 * exec_sysreg.c - stores of system registers that reach the emulator
 * because their destination is MMIO: SMSW (0F 01 /4).
 *
 * SDM Vol. 2 SMSW. The loads (LMSW, LGDT, ...) and the other stores of
 * group 7 are not emulated: they do not write device memory.
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
