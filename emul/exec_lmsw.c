/*
 * exec_lmsw.c - LMSW (0F 01 /6): loads the machine status word, CR0 bits
 * 3:0 (PE, MP, EM, TS), from a 16-bit register or memory operand. Reaches
 * the emulator when the operand is MMIO.
 *
 * Intel SDM Vol. 2 LMSW, AMD APM Vol. 3 LMSW: CPL 0 only (#GP(0) above;
 * real mode is CPL 0); only bits 3:0 are loaded; PE can be set but not
 * cleared. The new CR0 goes to emul_cpu.cr0 with cr0_written set, for the
 * caller to store when the instruction commits.
 */
#include "emul_private.h"

#define MSW_BITS 0xFull
#define CR0_PE 0x1ull

int emul_exec_lmsw(struct emul_exec *x)
{
	struct emul_cpu *c = x->cpu;
	struct emul_opnd src;
	uint64_t v;
	int rc;

	if (c->cpl > 0)
		return emul_gp0(x);
	emul_opnd_rm(x, &src, 2);
	rc = emul_opnd_read(x, &src, 0, &v);
	if (rc)
		return rc;
	/* PE stays set: or-ing the old PE in keeps it, and lets a 1 set it */
	c->cr0 = (c->cr0 & ~MSW_BITS) | (v & MSW_BITS) | (c->cr0 & CR0_PE);
	c->cr0_written = 1;
	emul_retire(x);
	return EX_OK;
}
