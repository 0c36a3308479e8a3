/*
 * exec_misc.c - register-only instructions that real-mode and MMIO code
 * paths run between memory accesses: NOP forms, CLC/STC/CMC/CLD/STD,
 * SAHF/LAHF, CBW/CWDE/CDQE and CWD/CDQ/CQO.
 *
 * SDM Vol. 2 per instruction. CLI/STI/HLT are left to the caller: they
 * interact with interrupt delivery, which the emulator does not model.
 */
#include "emul_private.h"

/* 0F 18-1F (hint NOPs, prefetches): no architectural effect. */
int emul_exec_nop(struct emul_exec *x)
{
	emul_retire(x);
	return EX_OK;
}

/* F5 CMC, F8 CLC, F9 STC, FC CLD, FD STD. */
int emul_exec_flagop(struct emul_exec *x)
{
	struct emul_cpu *c = x->cpu;

	switch (x->insn->opcode) {
	case 0xF5: c->rflags ^= EMUL_FL_CF; break;
	case 0xF8: c->rflags &= ~(uint64_t)EMUL_FL_CF; break;
	case 0xF9: c->rflags |= EMUL_FL_CF; break;
	case 0xFC: c->rflags &= ~(uint64_t)EMUL_FL_DF; break;
	default:   c->rflags |= EMUL_FL_DF; break;
	}
	emul_retire(x);
	return EX_OK;
}

/* 9E SAHF: SF ZF AF PF CF <- AH. 9F LAHF: AH <- SF:ZF:0:AF:0:PF:1:CF. */
int emul_exec_sahf_lahf(struct emul_exec *x)
{
	const uint32_t m = EMUL_FL_SF | EMUL_FL_ZF | EMUL_FL_AF | EMUL_FL_PF |
			   EMUL_FL_CF;
	struct emul_cpu *c = x->cpu;
	uint64_t ah = (c->gpr[EMUL_RAX] >> 8) & 0xFF;

	if (x->insn->opcode == 0x9E)
		emul_flags_set(c, m, (uint32_t)ah);
	else {
		c->gpr[EMUL_RAX] = (c->gpr[EMUL_RAX] & ~0xFF00ull) |
				   (((c->rflags & m) | 2) << 8);
		c->gpr_written |= 1u << EMUL_RAX;
	}
	emul_retire(x);
	return EX_OK;
}

/* 98: sign-extend the low half of rAX into rAX; 99: into rDX. */
int emul_exec_cbw_cwd(struct emul_exec *x)
{
	unsigned size = x->insn->opsize, half = size / 2;
	uint64_t a = emul_reg_get(x, EMUL_RAX, size);

	if (x->insn->opcode == 0x98)
		emul_reg_set(x, EMUL_RAX, size, emul_sx(a & emul_size_mask(half),
						       half));
	else
		emul_reg_set(x, EMUL_RDX, size,
			     emul_msb(a, size) ? ~0ull : 0);
	emul_retire(x);
	return EX_OK;
}
