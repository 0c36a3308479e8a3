/*
 * deliver_vm86.c - INT n in virtual-8086 mode: which of the six methods of
 * SDM Vol. 3A 20.4 (Table 20-2, "Software Interrupt Handling Methods")
 * applies, and method 5/6's redirection to the 8086 program's own
 * handler. AMD APM Vol. 2 8.10.3 ("Interrupt Redirection of Software
 * Interrupts") has the same table.
 *
 *   VME IOPL bitmap bit  method
 *    0   3    -          1: protected-mode handler through the IDT
 *    0   <3   -          2: #GP(0)
 *    1   <3   1          3: #GP(0)
 *    1   3    1          4: protected-mode handler through the IDT
 *    1   3    0          5: the 8086 handler, IF and TF cleared
 *    1   <3   0          6: the 8086 handler, VIF and TF cleared; the
 *                           FLAGS image has IOPL 3 and VIF as IF
 *
 * Only INT n (CD) is redirected: INT3, INTO, INT1, exceptions and external
 * interrupts always go through the IDT (SDM 20.4 note). The redirection
 * bitmap is the 32 bytes below the I/O permission bitmap of the TSS: bit n
 * at TSS + (I/O map base - 32) + n / 8. Where the manuals leave it open,
 * as Bochs does (bochs cpu/vm8086.cc): a TSS limit below 0x67 (no I/O map
 * base) or a bitmap byte outside the limit is #GP(0); the TSS and the
 * interrupt vector table at linear 0 are read as supervisor (system)
 * accesses, the vector table before the frame is pushed.
 */
#include "deliver.h"

#define VEC_GP 13
#define CR4_VME 1u
#define FL_VIF (1ull << 19)
#define TSS_IOMAP_BASE 0x66u

/* Bit 'vector' of the redirection bitmap (1: through the IDT). */
static int redirect_bit(struct dlv *d, bool *via_idt)
{
	struct emul_seg tr;
	uint64_t base, byte;
	uint32_t at;
	uint8_t v = d->ev->vector;
	int rc;

	d->x->ctx->ops->get_sysseg(d->x->ctx->opaque, EMUL_SYSSEG_TR, &tr);
	if (tr.unusable || tr.limit < TSS_IOMAP_BASE + 1)
		return dlv_fault(d, VEC_GP, 0);
	rc = dlv_sys_read(d, (tr.base + TSS_IOMAP_BASE) & 0xFFFFFFFFull, 2, &base);
	if (rc)
		return rc;
	if (base < 32 || (at = (uint32_t)base - 32 + v / 8u) > tr.limit)
		return dlv_fault(d, VEC_GP, 0);
	rc = dlv_sys_read(d, (tr.base + at) & 0xFFFFFFFFull, 1, &byte);
	if (rc)
		return rc;
	*via_idt = (byte >> (v & 7)) & 1;
	return EX_OK;
}

/* FLAGS as the 8086 handler finds them pushed: below IOPL 3 the program
 * sees IOPL 3 and VIF as IF (it runs with VIF as its IF). */
static uint64_t flags_image(uint64_t rflags)
{
	uint64_t img = rflags & 0xFFFF;

	if (((rflags & EMUL_FL_IOPL) >> 12) == 3)
		return img;
	img = (img & ~(uint64_t)EMUL_FL_IF) | EMUL_FL_IOPL;
	return (rflags & FL_VIF) ? img | EMUL_FL_IF : img;
}

/* Methods 5 and 6: FLAGS, CS, IP pushed on SS:SP (a slot outside the
 * 64 KiB is #SS(0)), CS:IP from the vector table at linear vector * 4. */
static int redirect(struct dlv *d)
{
	struct emul_cpu *c = d->x->cpu;
	const struct emul_seg *ss = emul_seg(d->x, EMUL_SEG_SS);
	struct emul_seg cs = *emul_seg(d->x, EMUL_SEG_CS);
	struct dlv_frame f = { .width = 2 };
	uint64_t ent, sp;
	int rc;

	rc = dlv_sys_read(d, d->ev->vector * 4u, 4, &ent);
	if (rc)
		return rc;
	dlv_frame_add(&f, flags_image(c->rflags));
	dlv_frame_add(&f, cs.sel);
	dlv_frame_add(&f, d->ret_ip);
	rc = dlv_frame_place(d, ss, c->gpr[EMUL_RSP], ss->db ? 4 : 2, &f, 0, &sp);
	if (!rc)
		rc = dlv_frame_probe(d, &f);
	if (!rc)
		rc = dlv_frame_write(d, &f);
	if (rc)
		return rc;
	c->gpr[EMUL_RSP] = sp;
	cs.sel = (uint16_t)(ent >> 16);
	cs.base = (ent >> 16) << 4;
	c->seg[EMUL_SEG_CS] = cs;
	c->seg_written |= 1u << EMUL_SEG_CS;
	c->rip = ent & 0xFFFF;
	c->rflags &= ~(uint64_t)(EMUL_FL_TF | EMUL_FL_RF);
	c->rflags &= ((c->rflags & EMUL_FL_IOPL) == EMUL_FL_IOPL) ?
		     ~(uint64_t)EMUL_FL_IF : ~FL_VIF;
	return EX_OK;
}

int dlv_vm86_softint(struct dlv *d, bool *done)
{
	const struct emul_cpu *c = d->x->cpu;
	bool iopl3 = (c->rflags & EMUL_FL_IOPL) == EMUL_FL_IOPL;
	bool via_idt = true;
	int rc;

	*done = false;
	if (d->ev->kind != EMUL_EV_SOFTINT)
		return EX_OK;
	if (c->cr4 & CR4_VME) {
		rc = redirect_bit(d, &via_idt);
		if (rc)
			return rc;
	}
	if (!via_idt) {
		*done = true;
		return redirect(d);
	}
	return iopl3 ? EX_OK : dlv_fault(d, VEC_GP, 0);
}
