/*
 * vm86_vif.c - PUSHF, POPF and IRET in virtual-8086 mode with CR4.VME
 * set and IOPL < 3: the 16-bit forms work on the virtual interrupt flag
 * VIF where the others use IF (SDM Vol. 2 PUSHF, POPF, IRET "Operation",
 * their virtual-8086 branches; Vol. 3A 20.3.2 and 20.4 "Virtual-8086 mode
 * extensions", Table 20-2; AMD APM Vol. 2 8.10.2 "Virtual Interrupts").
 *  - PUSHF pushes FLAGS with VIF in the IF position and IOPL read as 3;
 *  - POPF and IRET pop FLAGS into everything but IF and IOPL, and the
 *    popped IF into VIF; a popped TF, or a popped IF while VIP is set, is
 *    #GP(0) after the pop's reads and before anything is written;
 *  - the 32-bit forms (66h) are #GP(0) as without VME.
 * vm86.c picks these handlers; CLI and STI are there too.
 */
#include "emul_private.h"

#define FL_NT (1u << 14)
#define FL_VIF (1ull << 19)
#define FL_VIP (1ull << 20)

/* What a VME POPF or IRET takes from the popped FLAGS (IF goes to VIF;
 * TF is known to be 0 then). */
#define VME_POPPED (EMUL_FL_ARITH | EMUL_FL_TF | EMUL_FL_DF | FL_NT)

/* Bits 15:0 of RFLAGS as PUSHF shows them to the program. */
static uint64_t vme_flags_image(uint64_t rflags)
{
	uint64_t img = (rflags & 0xFFFF & ~(uint64_t)EMUL_FL_IF) | EMUL_FL_IOPL;

	return (rflags & FL_VIF) ? img | EMUL_FL_IF : img;
}

/* The popped image is refused (#GP(0)) or merged into RFLAGS. */
static int vme_merge(struct emul_exec *x, uint64_t popped, uint64_t *rflags)
{
	uint64_t old = x->cpu->rflags;

	if ((popped & EMUL_FL_TF) ||
	    ((popped & EMUL_FL_IF) && (old & FL_VIP)))
		return emul_gp0(x);
	*rflags = (old & ~(VME_POPPED | FL_VIF)) | (popped & VME_POPPED) |
		  ((popped & EMUL_FL_IF) ? FL_VIF : 0);
	return EX_OK;
}

int emul_exec_vme_pushf(struct emul_exec *x)
{
	uint64_t sp;
	int rc;

	rc = emul_push(x, 2, vme_flags_image(x->cpu->rflags), &sp);
	if (rc)
		return rc;
	emul_set_sp(x, sp);
	emul_retire(x);
	return EX_OK;
}

int emul_exec_vme_popf(struct emul_exec *x)
{
	uint64_t v, sp, fl;
	int rc;

	rc = emul_pop(x, 2, &v, &sp);
	if (!rc)
		rc = vme_merge(x, v, &fl);
	if (rc)
		return rc;
	emul_set_sp(x, sp);
	x->cpu->rflags = fl;
	emul_retire(x);
	return EX_OK;
}

/* IP, CS and FLAGS, as a real-mode IRET reads them; CS gets selector *
 * 16 and keeps its virtual-8086 attributes (64 KiB: a 16-bit IP is
 * always inside). */
int emul_exec_vme_iret(struct emul_exec *x)
{
	struct emul_cpu *c = x->cpu;
	uint64_t mask = emul_addr_mask(emul_stack_size(x));
	uint64_t sp = c->gpr[EMUL_RSP], ip, cs, fl, newfl;
	struct emul_seg seg = *emul_seg(x, EMUL_SEG_CS);
	int rc;

	rc = emul_read(x, EMUL_SEG_SS, sp & mask, 2, 0, &ip);
	if (!rc)
		rc = emul_read(x, EMUL_SEG_SS, (sp + 2) & mask, 2, 0, &cs);
	if (!rc)
		rc = emul_read(x, EMUL_SEG_SS, (sp + 4) & mask, 2, 0, &fl);
	if (!rc)
		rc = vme_merge(x, fl, &newfl);
	if (rc)
		return rc;
	seg.sel = (uint16_t)cs;
	seg.base = (uint64_t)(uint16_t)cs << 4;
	emul_set_sp(x, sp + 6);
	emul_seg_commit(x, EMUL_SEG_CS, &seg);
	c->rip = ip;
	c->rflags = newfl;
	x->keep_rf = 1;         /* as the other IRETs (exec_far.c) */
	return EX_OK;
}
