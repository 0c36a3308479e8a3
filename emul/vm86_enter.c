/*
 * vm86_enter.c - IRET into virtual-8086 mode: a 32-bit IRET at CPL 0 in
 * protected mode (not IA-32e mode, which has no virtual-8086 mode) whose
 * EFLAGS image has VM set (SDM Vol. 2 IRET, "RETURN-TO-VIRTUAL-8086-
 * MODE"; Vol. 3A 20.2.5 "Entering Virtual-8086 Mode").
 *
 * Below EIP, CS and EFLAGS (read by exec_far.c) the stack holds ESP, SS,
 * ES, DS, FS and GS, a dword each (the selectors in the low words): a slot
 * outside SS's limit is #SS(0), nothing is changed before all are read.
 * Then every segment register gets its selector, base = selector * 16,
 * limit 0xFFFF and the virtual-8086 attributes (a present, accessed,
 * read/write DPL-3 data segment: what VMX requires there, SDM 26.3.1.2),
 * ESP all 32 bits of the popped value, EFLAGS the popped image (RF, VIF,
 * VIP, IOPL included), CPL 3.
 *
 * The new EIP: Intel's pseudo-code raises #GP(0) when "the instruction
 * pointer" is outside "the code segment limits" (before CS is loaded:
 * which limit is not said), AMD's (APM Vol. 3 IRET) keeps its low 16
 * bits, and Bochs reports that Intel CPUs it was tried on did so too.
 * Those cases are refused rather than guessed (EMUL_R_MODE): an EIP
 * within 0xFFFF and within the old CS limit means the same everywhere.
 */
#include "emul_private.h"

/* The EFLAGS bits an IRET image loads: CF PF AF ZF SF TF IF DF OF IOPL
 * NT RF VM AC VIF VIP ID; bit 1 is always 1, the others 0. */
#define FL_LOADED 0x3F7FD5ull

static const uint8_t pop_order[] = { EMUL_SEG_ES, EMUL_SEG_DS, EMUL_SEG_FS,
				     EMUL_SEG_GS };

static void vm86_seg(struct emul_seg *s, uint16_t sel)
{
	*s = (struct emul_seg){ .base = (uint64_t)sel << 4, .limit = 0xFFFF,
				.sel = sel, .type = 3, .s = 1, .dpl = 3,
				.present = 1 };
}

int emul_iret_to_vm86(struct emul_exec *x, uint64_t eip, uint64_t cs,
		      uint64_t eflags)
{
	struct emul_cpu *c = x->cpu;
	uint64_t mask = emul_addr_mask(emul_stack_size(x));
	uint64_t sp = c->gpr[EMUL_RSP], v[6];
	struct emul_seg seg;
	int rc;

	for (unsigned i = 0; i < 6; i++) {
		rc = emul_read(x, EMUL_SEG_SS, (sp + 12 + 4 * i) & mask, 4, 0,
			       &v[i]);
		if (rc)
			return rc;
	}
	eip &= 0xFFFFFFFFull;
	if (eip > 0xFFFF || eip > emul_seg(x, EMUL_SEG_CS)->limit)
		return emul_unsupported(x, EMUL_R_MODE);
	vm86_seg(&seg, (uint16_t)cs);
	emul_seg_commit(x, EMUL_SEG_CS, &seg);
	vm86_seg(&seg, (uint16_t)v[1]);
	emul_seg_commit(x, EMUL_SEG_SS, &seg);
	for (unsigned i = 0; i < 4; i++) {
		vm86_seg(&seg, (uint16_t)v[2 + i]);
		emul_seg_commit(x, pop_order[i], &seg);
	}
	emul_reg_set(x, EMUL_RSP, 8, v[0] & 0xFFFFFFFFull);
	c->rip = eip;
	c->rflags = (eflags & FL_LOADED) | 2;
	c->cpl = 3;
	c->mode = EMUL_MODE_VM86;
	x->keep_rf = 1;         /* RF as popped (SDM 18.3.1.1) */
	return EX_OK;
}
