/*
 * deliver_gate.c - event delivery through an IDT gate with CR0.PE = 1:
 * protected mode (16- and 32-bit interrupt and trap gates), from
 * virtual-8086 mode to ring 0, and IA-32e mode (64-bit gates, IST), with
 * the stack switch from the TSS on a privilege change.
 *
 * The checks and their order follow the INT n/INTO/INT3/INT1 pseudo-code
 * (SDM Vol. 2) and SDM Vol. 3 6.12-6.14 and 20.3: the IDT limit and gate
 * type (#GP naming the IDT entry), the gate DPL for software interrupts,
 * the gate present bit (#NP), the handler's code segment (#GP/#NP naming
 * it), the TSS stack (#TS, #SS naming the new SS), the room on the stack
 * (#SS) and the handler's offset (#GP). The frame is probed before any of
 * it is written, so a fault leaves memory as it was. Task gates are left
 * to the caller (EMUL_R_TASK_GATE).
 */
#include "deliver.h"

#define VEC_TS 10
#define VEC_NP 11
#define VEC_SS 12
#define VEC_GP 13

/* A descriptor as read from a table (SDM Vol. 3 3.4.5). */
struct desc {
	uint64_t raw;
	uint64_t la;                /* where it is (for the accessed bit) */
	struct emul_seg seg;        /* its hidden part, with the selector */
};

static void desc_decode(struct desc *dsc, uint16_t sel)
{
	uint64_t r = dsc->raw;
	uint32_t limit = (uint32_t)((r & 0xFFFF) | ((r >> 32) & 0xF0000));
	bool g = (r >> 55) & 1;

	dsc->seg = (struct emul_seg){
		.base = ((r >> 16) & 0xFFFFFF) | ((r >> 32) & 0xFF000000),
		.limit = g ? (limit << 12) | 0xFFF : limit,
		.sel = sel,
		.type = (r >> 40) & 0xF,
		.s = (r >> 44) & 1,
		.dpl = (r >> 45) & 3,
		.present = (r >> 47) & 1,
		.l = (r >> 53) & 1,
		.db = (r >> 54) & 1,
		.g = g,
	};
}

/* Linear addresses wrap at 4 GiB outside IA-32e mode. */
static uint64_t sys_la(const struct dlv *d, uint64_t la)
{
	return (d->x->cpu->efer & (1u << 10)) ? la : la & 0xFFFFFFFFull;
}

/* The descriptor selector sel names in the GDT or LDT; outside the table
 * (or no usable LDT) is fault_vec(sel). Null selectors are the caller's. */
static int read_desc(struct dlv *d, uint16_t sel, uint8_t fault_vec,
		     struct desc *dsc)
{
	const struct emul_ops *ops = d->x->ctx->ops;
	uint64_t base;
	uint32_t limit;
	int rc;

	if (sel & 4) {
		struct emul_seg ldt;

		ops->get_sysseg(d->x->ctx->opaque, EMUL_SYSSEG_LDTR, &ldt);
		if (ldt.unusable || !ldt.present)
			return dlv_fault(d, fault_vec, dlv_sel_ec(d, sel));
		base = ldt.base;
		limit = ldt.limit;
	} else {
		uint16_t l16;

		ops->get_dtable(d->x->ctx->opaque, EMUL_DTABLE_GDT, &base, &l16);
		limit = l16;
	}
	if ((sel & ~7u) + 7u > limit)
		return dlv_fault(d, fault_vec, dlv_sel_ec(d, sel));
	dsc->la = sys_la(d, base + (sel & ~7u));
	rc = dlv_sys_read(d, dsc->la, 8, &dsc->raw);
	if (rc)
		return rc;
	desc_decode(dsc, sel);
	return EX_OK;
}

/* Loading a descriptor sets its accessed bit (SDM Vol. 3 3.4.5.1). */
static int set_accessed(struct dlv *d, const struct desc *dsc)
{
	if (dsc->raw & (1ull << 40))
		return EX_OK;
	/* a supervisor access, like the read */
	return emul_write_linear(d->x, dsc->la + 5, 1, EMUL_ACC_SYS,
				 ((dsc->raw >> 40) & 0xFF) | 1);
}

/* The gate: IDT limit, type, DPL (software interrupts), present. */
struct gate {
	uint64_t lo, hi;
	uint8_t type;               /* 5, 6, 7, 14, 15 */
	uint16_t sel;
	uint64_t offset;
	uint8_t ist;
};

static int read_gate(struct dlv *d, bool long_mode, struct gate *g)
{
	const struct emul_ops *ops = d->x->ctx->ops;
	const struct emul_cpu *c = d->x->cpu;
	unsigned size = long_mode ? 16 : 8;
	bool soft = d->ev->kind == EMUL_EV_SOFTINT || d->ev->kind == EMUL_EV_SOFTEXC;
	uint64_t base;
	uint16_t limit;
	int rc;

	ops->get_dtable(d->x->ctx->opaque, EMUL_DTABLE_IDT, &base, &limit);
	if (d->ev->vector * size + size - 1 > limit)
		return dlv_fault(d, VEC_GP, dlv_idt_ec(d));
	base = sys_la(d, base + d->ev->vector * size);
	rc = dlv_sys_read(d, base, 8, &g->lo);
	if (!rc && long_mode)
		rc = dlv_sys_read(d, base + 8, 8, &g->hi);
	if (rc)
		return rc;
	g->type = (g->lo >> 40) & 0x1F;         /* with S, which must be 0 */
	if (long_mode ? (g->type != 14 && g->type != 15) :
	    (g->type != 5 && g->type != 6 && g->type != 7 && g->type != 14 &&
	     g->type != 15))
		return dlv_fault(d, VEC_GP, dlv_idt_ec(d));
	/* SDM 6.12.1.1: only INT n, INT3 and INTO check the gate's DPL */
	if (soft && ((g->lo >> 45) & 3) < c->cpl)
		return dlv_fault(d, VEC_GP, dlv_idt_ec(d));
	if (!((g->lo >> 47) & 1))
		return dlv_fault(d, VEC_NP, dlv_idt_ec(d));
	g->sel = (uint16_t)(g->lo >> 16);
	g->offset = (g->lo & 0xFFFF) | ((g->lo >> 32) & 0xFFFF0000);
	if (long_mode)
		g->offset |= g->hi << 32;
	else if (g->type < 8)
		g->offset &= 0xFFFF;            /* 16-bit gate */
	g->ist = long_mode ? (g->lo >> 32) & 7 : 0;
	return EX_OK;
}

/* The handler's code segment: not null, in its table, code with DPL <=
 * CPL (#GP), present (#NP); in IA-32e mode a 64-bit code segment. */
static int read_code_seg(struct dlv *d, uint16_t sel, bool long_mode,
			 struct desc *cs)
{
	const struct emul_seg *s = &cs->seg;
	int rc;

	if (!(sel & 0xFFFC))
		return dlv_fault(d, VEC_GP, d->ext);
	rc = read_desc(d, sel, VEC_GP, cs);
	if (rc)
		return rc;
	if (!s->s || !(s->type & 8) || s->dpl > d->x->cpu->cpl)
		return dlv_fault(d, VEC_GP, dlv_sel_ec(d, sel));
	if (!s->present)
		return dlv_fault(d, VEC_NP, dlv_sel_ec(d, sel));
	if (long_mode && (!s->l || s->db))
		return dlv_fault(d, VEC_GP, dlv_sel_ec(d, sel));
	return EX_OK;
}

/* Bytes at offset 'off' of the current TSS; past its limit is
 * #TS(TSS selector). */
static int read_tss(struct dlv *d, unsigned off, unsigned size, uint64_t *val)
{
	struct emul_seg tr;

	d->x->ctx->ops->get_sysseg(d->x->ctx->opaque, EMUL_SYSSEG_TR, &tr);
	if (tr.unusable || off + size - 1 > tr.limit)
		return dlv_fault(d, VEC_TS, dlv_sel_ec(d, tr.sel));
	return dlv_sys_read(d, sys_la(d, tr.base + off), size, val);
}

/* Legacy TSS stack for ring 'cpl' (SDM Vol. 3 7.2.1, 7.6): SS:ESP at
 * 4 + 8 * cpl in a 32-bit TSS, SS:SP at 2 + 4 * cpl in a 16-bit one;
 * then the checks of the new SS (#TS, #SS naming it). */
static int tss_stack(struct dlv *d, uint8_t cpl, struct desc *ss, uint64_t *sp)
{
	struct emul_seg tr;
	uint64_t ptr = 0, sel = 0;
	const struct emul_seg *s = &ss->seg;
	int rc;

	d->x->ctx->ops->get_sysseg(d->x->ctx->opaque, EMUL_SYSSEG_TR, &tr);
	if (tr.type & 8) {                      /* 32-bit TSS */
		rc = read_tss(d, 4 + 8u * cpl, 4, &ptr);
		if (!rc)
			rc = read_tss(d, 8 + 8u * cpl, 2, &sel);
	} else {
		rc = read_tss(d, 2 + 4u * cpl, 2, &ptr);
		if (!rc)
			rc = read_tss(d, 4 + 4u * cpl, 2, &sel);
	}
	if (rc)
		return rc;
	if (!(sel & 0xFFFC))
		return dlv_fault(d, VEC_TS, d->ext);
	if ((sel & 3) != cpl)
		return dlv_fault(d, VEC_TS, dlv_sel_ec(d, (uint16_t)sel));
	rc = read_desc(d, (uint16_t)sel, VEC_TS, ss);
	if (rc)
		return rc;
	if (s->dpl != cpl || !s->s || (s->type & 8) || !(s->type & 2))
		return dlv_fault(d, VEC_TS, dlv_sel_ec(d, (uint16_t)sel));
	if (!s->present)
		return dlv_fault(d, VEC_SS, dlv_sel_ec(d, (uint16_t)sel));
	*sp = ptr;
	return EX_OK;
}

/* Write the frame, set the accessed bits, enter the handler at CPL
 * new_cpl. ss: the new stack's descriptor on a switch, else NULL. */
static int enter_handler(struct dlv *d, const struct dlv_frame *f,
			 const struct desc *cs, const struct desc *ss,
			 const struct gate *g, uint64_t new_sp, uint8_t new_cpl)
{
	struct emul_cpu *c = d->x->cpu;
	int rc;

	c->cpl = new_cpl;       /* the pushes are the handler's accesses */
	rc = dlv_frame_probe(d, f);
	if (!rc)
		rc = set_accessed(d, cs);
	if (!rc && ss)
		rc = set_accessed(d, ss);
	if (!rc)
		rc = dlv_frame_write(d, f);
	if (rc)
		return rc;
	if (ss) {
		c->seg[EMUL_SEG_SS] = ss->seg;
		c->seg[EMUL_SEG_SS].type |= 1;
		c->seg_written |= 1u << EMUL_SEG_SS;
	}
	c->seg[EMUL_SEG_CS] = cs->seg;
	c->seg[EMUL_SEG_CS].type |= 1;
	c->seg[EMUL_SEG_CS].sel = (uint16_t)((cs->seg.sel & ~3u) | new_cpl);
	c->seg_written |= 1u << EMUL_SEG_CS;
	c->gpr[EMUL_RSP] = new_sp;
	c->rip = g->offset;
	c->rflags = dlv_handler_flags(c->rflags, !(g->type & 1));
	c->mode = cs->seg.l ? EMUL_MODE_LONG64 :
		  cs->seg.db ? EMUL_MODE_PROT32 : EMUL_MODE_PROT16;
	return EX_OK;
}

/* The data segments are null in the handler after virtual-8086 mode
 * (SDM Vol. 3 20.3.1.1). */
static void null_data_segs(struct emul_cpu *c)
{
	static const uint8_t segs[4] = { EMUL_SEG_ES, EMUL_SEG_DS,
					 EMUL_SEG_FS, EMUL_SEG_GS };

	for (unsigned i = 0; i < 4; i++) {
		c->seg[segs[i]] = (struct emul_seg){ .unusable = 1 };
		c->seg_written |= 1u << segs[i];
		c->seg_loaded |= 1u << segs[i];
	}
}

/* Legacy inner privilege, or from virtual-8086 mode to ring 0: the TSS
 * stack, then SS, ESP (and from virtual-8086 mode GS, FS, DS, ES before
 * them), EFLAGS, CS, EIP, error code. */
static int to_inner(struct dlv *d, const struct gate *g, const struct desc *cs,
		    bool vm86)
{
	struct emul_exec *x = d->x;
	struct emul_cpu *c = x->cpu;
	struct dlv_frame f = { .width = g->type & 8 ? 4 : 2 };
	struct desc ss;
	uint64_t sp = 0, new_sp;
	int rc;

	rc = tss_stack(d, cs->seg.dpl, &ss, &sp);
	if (rc)
		return rc;
	if (vm86) {
		dlv_frame_add(&f, emul_seg(x, EMUL_SEG_GS)->sel);
		dlv_frame_add(&f, emul_seg(x, EMUL_SEG_FS)->sel);
		dlv_frame_add(&f, emul_seg(x, EMUL_SEG_DS)->sel);
		dlv_frame_add(&f, emul_seg(x, EMUL_SEG_ES)->sel);
	}
	dlv_frame_add(&f, emul_seg(x, EMUL_SEG_SS)->sel);
	dlv_frame_add(&f, c->gpr[EMUL_RSP]);
	dlv_frame_add(&f, d->flags);
	dlv_frame_add(&f, emul_seg(x, EMUL_SEG_CS)->sel);
	dlv_frame_add(&f, d->ret_ip);
	if (d->ev->has_error_code)
		dlv_frame_add(&f, d->ev->error_code);
	rc = dlv_frame_place(d, &ss.seg, sp, ss.seg.db ? 4 : 2, &f,
			     dlv_sel_ec(d, ss.seg.sel), &new_sp);
	if (rc)
		return rc;
	if (g->offset > cs->seg.limit)
		return dlv_fault(d, VEC_GP, d->ext);
	rc = enter_handler(d, &f, cs, &ss, g, new_sp, cs->seg.dpl);
	if (rc)
		return rc;
	if (vm86)
		null_data_segs(c);
	return EX_OK;
}

/* Legacy same privilege: EFLAGS, CS, EIP, error code on the current
 * stack; no room is #SS(EXT). */
static int same_level(struct dlv *d, const struct gate *g, const struct desc *cs)
{
	struct emul_exec *x = d->x;
	struct emul_cpu *c = x->cpu;
	const struct emul_seg *ss = emul_seg(x, EMUL_SEG_SS);
	struct dlv_frame f = { .width = g->type & 8 ? 4 : 2 };
	uint64_t new_sp;
	int rc;

	dlv_frame_add(&f, d->flags);
	dlv_frame_add(&f, emul_seg(x, EMUL_SEG_CS)->sel);
	dlv_frame_add(&f, d->ret_ip);
	if (d->ev->has_error_code)
		dlv_frame_add(&f, d->ev->error_code);
	rc = dlv_frame_place(d, ss, c->gpr[EMUL_RSP], ss->db ? 4 : 2, &f,
			     d->ext, &new_sp);
	if (rc)
		return rc;
	if (g->offset > cs->seg.limit)
		return dlv_fault(d, VEC_GP, d->ext);
	return enter_handler(d, &f, cs, NULL, g, new_sp, c->cpl);
}

int dlv_protected(struct dlv *d)
{
	struct emul_cpu *c = d->x->cpu;
	bool vm86 = c->rflags & EMUL_FL_VM;
	struct gate g;
	struct desc cs;
	int rc;

	if (vm86) {
		bool done;

		c->cpl = 3;
		/* SDM Vol. 3 20.4: INT n is IOPL-sensitive there, and with
		 * CR4.VME the redirection bitmap decides */
		rc = dlv_vm86_softint(d, &done);
		if (rc || done)
			return rc;
	}
	rc = read_gate(d, false, &g);
	if (rc)
		return rc;
	if (g.type == 5) {
		d->x->res->task_gate = (struct emul_task_gate){
			.tss_sel = g.sel, .vector = d->ev->vector,
			.kind = d->ev->kind, .insn_len = d->ev->insn_len,
			.has_error_code = d->ev->has_error_code,
			.error_code = d->ev->error_code,
		};
		return emul_unsupported(d->x, EMUL_R_TASK_GATE);
	}
	rc = read_code_seg(d, g.sel, false, &cs);
	if (rc)
		return rc;
	if (!(cs.seg.type & 4) && cs.seg.dpl < c->cpl) {
		if (vm86 && cs.seg.dpl != 0)
			return dlv_fault(d, VEC_GP, dlv_sel_ec(d, g.sel));
		return to_inner(d, &g, &cs, vm86);
	}
	if (vm86)       /* a conforming or ring-3 handler */
		return dlv_fault(d, VEC_GP, dlv_sel_ec(d, g.sel));
	return same_level(d, &g, &cs);
}

/*
 * IA-32e mode (SDM Vol. 3 6.14): a 16-byte gate to a 64-bit code
 * segment. The stack is the TSS's RSP for the new ring on a privilege
 * change, the IST entry if the gate names one (always), else the current
 * one; aligned down to 16 bytes; SS, RSP, RFLAGS, CS, RIP and the error
 * code pushed, 8 bytes each. A privilege change loads SS with the null
 * selector whose RPL is the new CPL.
 */
int dlv_long(struct dlv *d)
{
	struct emul_exec *x = d->x;
	struct emul_cpu *c = x->cpu;
	struct dlv_frame f = { .width = 8 };
	struct desc cs, nullss;
	struct gate g;
	uint64_t sp = c->gpr[EMUL_RSP], new_sp;
	bool inner;
	int rc;

	/* compatibility mode too: linear addresses are 64-bit */
	c->mode = EMUL_MODE_LONG64;
	rc = read_gate(d, true, &g);
	if (rc)
		return rc;
	rc = read_code_seg(d, g.sel, true, &cs);
	if (rc)
		return rc;
	inner = !(cs.seg.type & 4) && cs.seg.dpl < c->cpl;
	if (g.ist || inner) {
		rc = read_tss(d, g.ist ? 28 + 8u * g.ist : 4 + 8u * cs.seg.dpl,
			      8, &sp);
		if (rc)
			return rc;
	}
	sp &= ~0xFull;
	dlv_frame_add(&f, emul_seg(x, EMUL_SEG_SS)->sel);
	dlv_frame_add(&f, c->gpr[EMUL_RSP]);
	dlv_frame_add(&f, d->flags);
	dlv_frame_add(&f, emul_seg(x, EMUL_SEG_CS)->sel);
	dlv_frame_add(&f, d->ret_ip);
	if (d->ev->has_error_code)
		dlv_frame_add(&f, d->ev->error_code);
	rc = dlv_frame_place(d, NULL, sp, 8, &f, d->ext, &new_sp);
	if (rc)
		return rc;
	if (!emul_canonical(g.offset))
		return dlv_fault(d, VEC_GP, d->ext);
	if (!inner)
		return enter_handler(d, &f, &cs, NULL, &g, new_sp, c->cpl);
	/* the null SS: usable by 64-bit code, DPL the new CPL; it has no
	 * descriptor (raw says "accessed": nothing to write) */
	nullss = (struct desc){ .raw = 1ull << 40 };
	nullss.seg = (struct emul_seg){ .sel = cs.seg.dpl, .dpl = cs.seg.dpl,
					.type = 3, .s = 1, .unusable = 1 };
	return enter_handler(d, &f, &cs, &nullss, &g, new_sp, cs.seg.dpl);
}
