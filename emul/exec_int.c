/*
 * exec_int.c - INT n (CD ib), INT3 (CC), INTO (CE) and INT1 (F1) when
 * the emulator runs them (their bytes are in MMIO): the software
 * interrupt is delivered by the event-delivery code (deliver.c), with
 * the kind that decides its checks: the gate's DPL for INT n, INT3 and
 * INTO, not for INT1, which is delivered like a hardware event (SDM Vol. 3
 * 6.12.1.1, 6.13; Vol. 2 INT n/INTO/INT3/INT1). Virtual-8086 mode's IOPL
 * check came first (vm86.c).
 */
#include "emul_private.h"

int emul_exec_int(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_deliver ev = { .insn_len = in->len };

	switch (in->opcode) {
	case 0xCC:
		ev.vector = 3;
		ev.kind = EMUL_EV_SOFTEXC;
		break;
	case 0xCD:
		ev.vector = (uint8_t)in->imm;
		ev.kind = EMUL_EV_SOFTINT;
		break;
	case 0xCE:
		if (!(x->cpu->rflags & EMUL_FL_OF)) {   /* no overflow: a NOP */
			emul_retire(x);
			return EX_OK;
		}
		ev.vector = 4;
		ev.kind = EMUL_EV_SOFTEXC;
		break;
	default:                                        /* F1 */
		ev.vector = 1;
		ev.kind = EMUL_EV_ICEBP;
		break;
	}
	return emul_deliver_insn(x, &ev);
}
