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
 * The new EIP differs by vendor (cpu->vendor; docs/emulator.md "Intel
 * and AMD"):
 *  - Intel: "IF instruction pointer not within code segment limits THEN
 *    #GP(0)", after the check that the 24 bytes below are within SS's
 *    limit (#SS(0)) and before they are popped; the code segment is the
 *    one returned to (IRET's Protected Mode Exceptions: "the return code
 *    segment limit"), whose limit in virtual-8086 mode is 0xFFFF: an EIP
 *    above it is #GP(0) with nothing changed.
 *  - AMD (APM Vol. 3 IRET): no check; the pops, then RIP = the popped
 *    EIP AND 0xFFFF.
 * (Bochs notes that the Intel CPUs it was tried on kept the low 16 bits
 * as AMD documents; the SDM is followed here.)
 */
#include "emul_private.h"

/* The EFLAGS bits an IRET image loads: CF PF AF ZF SF TF IF DF OF IOPL
 * NT RF VM AC VIF VIP ID; bit 1 is always 1, the others 0. */
#define FL_LOADED 0x3F7FD5ull

/* Every virtual-8086 segment's limit (SDM 20.1.1). */
#define VM86_LIMIT 0xFFFFull

static const uint8_t pop_order[] = { EMUL_SEG_ES, EMUL_SEG_DS, EMUL_SEG_FS,
				     EMUL_SEG_GS };

static void vm86_seg(struct emul_seg *s, uint16_t sel)
{
	*s = (struct emul_seg){ .base = (uint64_t)sel << 4, .limit = VM86_LIMIT,
				.sel = sel, .type = 3, .s = 1, .dpl = 3,
				.present = 1 };
}

/* The six dwords below EIP, CS and EFLAGS: ESP, SS, ES, DS, FS, GS. */
#define POPPED 6

/* Intel's order: the limit checks of the whole frame (#SS(0)), the new
 * EIP against the virtual-8086 CS limit (#GP(0)), then the reads. */
static int intel_frame(struct emul_exec *x, uint64_t sp, uint64_t mask,
		       uint64_t eip)
{
	uint64_t la;
	int rc;

	for (unsigned i = 0; i < POPPED; i++) {
		rc = emul_linear(x, EMUL_SEG_SS, (sp + 12 + 4 * i) & mask, 4,
				 false, &la);
		if (rc)
			return rc;
	}
	if (eip > VM86_LIMIT)
		return emul_gp0(x);
	return EX_OK;
}

int emul_iret_to_vm86(struct emul_exec *x, uint64_t eip, uint64_t cs,
		      uint64_t eflags)
{
	struct emul_cpu *c = x->cpu;
	uint64_t mask = emul_addr_mask(emul_stack_size(x));
	uint64_t sp = c->gpr[EMUL_RSP], v[POPPED];
	struct emul_seg seg;
	int rc;

	eip &= 0xFFFFFFFFull;
	if (c->vendor != EMUL_VENDOR_AMD &&
	    (rc = intel_frame(x, sp, mask, eip)))
		return rc;
	for (unsigned i = 0; i < POPPED; i++) {
		rc = emul_read(x, EMUL_SEG_SS, (sp + 12 + 4 * i) & mask, 4, 0,
			       &v[i]);
		if (rc)
			return rc;
	}
	vm86_seg(&seg, (uint16_t)cs);
	emul_seg_commit(x, EMUL_SEG_CS, &seg);
	vm86_seg(&seg, (uint16_t)v[1]);
	emul_seg_commit(x, EMUL_SEG_SS, &seg);
	for (unsigned i = 0; i < 4; i++) {
		vm86_seg(&seg, (uint16_t)v[2 + i]);
		emul_seg_commit(x, pop_order[i], &seg);
	}
	emul_reg_set(x, EMUL_RSP, 8, v[0] & 0xFFFFFFFFull);
	c->rip = eip & VM86_LIMIT;      /* AMD's truncation; Intel's is <= */
	c->rflags = (eflags & FL_LOADED) | 2;
	c->cpl = 3;
	c->mode = EMUL_MODE_VM86;
	x->keep_rf = 1;         /* RF as popped (SDM 18.3.1.1) */
	return EX_OK;
}
