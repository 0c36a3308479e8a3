/*
 * exec_rtm.c - group 11's /7 with mod = 3: XABORT (C6 F8 ib) and XBEGIN
 * (C7 F8 rel16/32), the RTM instructions, reaching the emulator because
 * their bytes came from MMIO. SDM Vol. 1 16.3, Vol. 2 XBEGIN/XABORT.
 *
 * #UD where the guest's CPUID does not announce RTM (CPUID.(7,0):EBX[11])
 * and for the other ModRM bytes of the cell. With RTM: the emulator
 * cannot execute a transaction, and need not: a processor may abort one
 * at any time, for reasons it does not report (SDM Vol. 1 16.3.8), and
 * one begun in uncacheable memory is one it aborts. XBEGIN is therefore
 * a transaction aborted at once: EAX holds the abort status 0 (no reason
 * given; the retry bit clear, as a retry would abort again) and execution
 * goes on at the fallback address, which must be a valid target
 * (#GP(0)). XABORT outside a transaction does nothing.
 */
#include "emul_private.h"

#define MODRM_RTM 0xF8u         /* mod 3, reg 7, r/m 0 */

int emul_exec_rtm(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;

	if (in->modrm != MODRM_RTM || !(x->cpu->features & EMUL_FEAT_RTM))
		return emul_raise(x, 6, false, 0);
	if (in->opcode == 0xC6) {
		emul_retire(x);
		return EX_OK;
	}
	int rc = emul_branch_to(x, x->next_rip + emul_imm_sx(in));
	if (rc)
		return rc;
	emul_reg_set(x, EMUL_RAX, 4, 0);
	return EX_OK;
}
