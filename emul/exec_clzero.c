/*
 * exec_clzero.c - group 7's /7 with mod = 3, of which the emulator runs
 * CLZERO (0F 01 FC, AMD APM Vol. 3): it zeroes the 64-byte cache line
 * holding DS:rAX (rAX by the address size, a segment override applies),
 * eight 8-byte writes, all checked before the first. #UD where the
 * guest's CPUID does not announce it. The others (SWAPGS, RDTSCP,
 * MONITORX, MWAITX, RDPRU) are the hypervisor's intercepts, and INVLPG
 * (mod != 3) needs the guest's TLB: not emulated.
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

	if (in->mod != 3 || (in->modrm & 7) != 4)
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
