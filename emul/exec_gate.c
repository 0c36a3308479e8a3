/*
 * exec_gate.c - far JMP and CALL through a call gate: to a code segment
 * at the same privilege level, and CALL to a more privileged one with the
 * stack switch from the TSS (SS:rSP of the new CPL, the caller's SS:rSP,
 * copied parameters and CS:rIP pushed on the new stack).
 *
 * SDM Vol. 2 JMP and CALL "CALL-GATE", "MORE-PRIVILEGE" and
 * "SAME-PRIVILEGE"; Vol. 3A 5.8.3-5.8.6 (gates, stack switching), 5.8.3.1
 * (IA-32e mode: 16-byte gates, 64-bit targets only, a null SS). The gate
 * gives the size of everything pushed (16-, 32- or 64-bit gate), not the
 * instruction's operand size. Reads (gate, code and stack descriptors,
 * TSS, parameters) come first, then the writes, then the registers. The
 * replay log holds EMUL_MAX_READS (32) reads per instruction, the
 * descriptors and the TSS's stack pointer among them: a parameter copy
 * that does not fit (close to the 31 a gate can ask for) is refused
 * (EMUL_UNSUPPORTED) rather than done in part.
 */
#include "emul_private.h"

struct gate {
	uint16_t sel;      /* the gate's selector */
	uint16_t cs_sel;   /* target code segment */
	uint64_t offset;   /* target rIP */
	unsigned size;     /* 2, 4 or 8: size of each push */
	unsigned params;   /* parameters to copy (5 bits, 0 for 64-bit) */
};

/* A transfer through a gate, checked. */
struct gate_dest {
	struct emul_desc cs_desc;
	struct emul_seg cs;
	uint8_t cpl;
	uint8_t inner; /* CALL to a more privileged non-conforming segment */
};

static int raise_sel(struct emul_exec *x, uint8_t vector, uint16_t sel)
{
	return emul_raise(x, vector, true, sel & 0xFFFCu);
}

/* SDM 5.8.3, Figure 5-8 / 5-9: the gate's fields; in IA-32e mode the
 * second 8 bytes hold offset 63:32 and a type field that must be 0. */
static int decode_gate(struct emul_exec *x, const struct emul_desc *d,
		       struct gate *g)
{
	uint64_t raw = d->raw, upper;
	int rc;

	g->sel = d->sel;
	g->cs_sel = (uint16_t)(raw >> 16);
	g->offset = (raw & 0xFFFF) | ((raw >> 32) & 0xFFFF0000u);
	g->params = (unsigned)(raw >> 32) & 0x1F;
	if (d->seg.type == 0x4) {
		g->size = 2;
		g->offset &= 0xFFFF;
		return EX_OK;
	}
	if (!emul_ia32e(x->cpu)) {
		g->size = 4;
		return EX_OK;
	}
	rc = emul_desc_fetch_upper(x, d, 13, &upper);
	if (rc)
		return rc;
	if ((upper >> 40) & 0x1F)
		return raise_sel(x, 13, g->sel);
	g->offset |= (upper & 0xFFFFFFFFull) << 32;
	g->size = 8;
	g->params = 0;
	return EX_OK;
}

/* The gate's and its code segment's checks (SDM JMP/CALL "CALL-GATE"). */
static int gate_dest(struct emul_exec *x, const struct emul_desc *gd,
		     const struct gate *g, bool call, struct gate_dest *d)
{
	const struct emul_seg *s = &d->cs_desc.seg;
	unsigned cpl = x->cpu->cpl;
	bool conforming;
	int rc;

	if (gd->seg.dpl < cpl || (g->sel & 3u) > gd->seg.dpl)
		return raise_sel(x, 13, g->sel);
	if (!gd->seg.present)
		return raise_sel(x, 11, g->sel);
	if (!(g->cs_sel & 0xFFFC))
		return emul_gp0(x);
	rc = emul_desc_fetch(x, g->cs_sel, 13, &d->cs_desc);
	if (rc)
		return rc;
	conforming = (s->type & 4) != 0;
	if (!s->s || !(s->type & 8))
		return raise_sel(x, 13, g->cs_sel);
	if (call ? s->dpl > cpl : (conforming ? s->dpl > cpl : s->dpl != cpl))
		return raise_sel(x, 13, g->cs_sel);
	if (emul_ia32e(x->cpu) && (!s->l || s->db))
		return raise_sel(x, 13, g->cs_sel);
	if (!s->present)
		return raise_sel(x, 11, g->cs_sel);
	d->inner = call && !conforming && s->dpl < cpl;
	d->cpl = (uint8_t)(d->inner ? s->dpl : cpl);
	d->cs = *s;
	d->cs.sel = (uint16_t)((g->cs_sel & ~3u) | d->cpl);
	d->cs.type |= 1;
	return EX_OK;
}

static void commit_cs(struct emul_exec *x, const struct gate_dest *d,
		      uint64_t rip)
{
	struct emul_cpu *c = x->cpu;

	emul_seg_commit(x, EMUL_SEG_CS, &d->cs);
	c->rip = rip;
	c->cpl = d->cpl;
	c->mode = (uint8_t)emul_far_mode(x, &d->cs);
}

/* JMP, or CALL at the same level: pushes (CALL) on the current stack. */
static int same_level(struct emul_exec *x, const struct gate *g,
		      const struct gate_dest *d, bool call)
{
	uint64_t mask = emul_addr_mask(emul_stack_size(x));
	uint64_t sp = x->cpu->gpr[EMUL_RSP], new_sp = (sp - 2 * g->size) & mask;
	uint16_t old_cs = emul_seg(x, EMUL_SEG_CS)->sel;
	int rc = EX_OK;

	if (call)
		rc = emul_probe_write(x, EMUL_SEG_SS, new_sp, 2 * g->size);
	if (!rc)
		rc = emul_far_check_rip(x, &d->cs, g->offset);
	if (!rc && call)
		rc = emul_write(x, EMUL_SEG_SS, (sp - g->size) & mask, g->size,
				old_cs);
	if (!rc && call)
		rc = emul_write(x, EMUL_SEG_SS, new_sp, g->size, x->next_rip);
	if (!rc)
		rc = emul_desc_set_accessed(x, &d->cs_desc);
	if (rc)
		return rc;
	if (call)
		emul_set_sp(x, new_sp);
	commit_cs(x, d, g->offset);
	return EX_OK;
}

/* SDM CALL "MORE-PRIVILEGE": the new stack pointer (and, outside IA-32e
 * mode, SS) for CPL dpl from the current TSS; #TS(TR) if the TSS is too
 * short. */
static int tss_stack(struct emul_exec *x, unsigned dpl, uint64_t *rsp,
		     uint16_t *ss)
{
	struct emul_seg tr;
	uint64_t v, la;
	unsigned at, len;
	int rc;

	x->ctx->ops->get_sysseg(x->ctx->opaque, EMUL_SYSSEG_TR, &tr);
	if (emul_ia32e(x->cpu)) {
		at = (dpl << 3) + 4;    /* RSPn of the 64-bit TSS */
		len = 8;
	} else if (tr.type & 8) {
		at = (dpl << 3) + 4;    /* ESPn, SSn of the 32-bit TSS */
		len = 4;
	} else {
		at = (dpl << 2) + 2;    /* SPn, SSn of the 16-bit TSS */
		len = 2;
	}
	if (at + (len == 8 ? 7 : len + 1) > tr.limit)
		return raise_sel(x, 10, tr.sel);
	la = tr.base + at;
	if (!emul_ia32e(x->cpu))
		la &= 0xFFFFFFFFull;
	/* one read of stack pointer and selector: the read log is short */
	rc = emul_read_linear(x, la, len == 8 ? 8 : len + 2, EMUL_ACC_SYS, &v);
	if (rc)
		return rc;
	if (len == 8) {
		*rsp = v;
		*ss = (uint16_t)dpl;    /* null, RPL = new CPL */
	} else {
		*rsp = v & emul_size_mask(len);
		*ss = (uint16_t)(v >> (8 * len));
	}
	return EX_OK;
}

/* The new SS: checked as SDM CALL says (#TS/#SS with its selector); a
 * null SS at the new CPL in IA-32e mode. */
static int inner_ss(struct emul_exec *x, uint16_t sel, unsigned dpl,
		    struct emul_seg_load *ss)
{
	const struct emul_seg *s = &ss->desc.seg;
	int rc;

	ss->sreg = EMUL_SEG_SS;
	ss->has_desc = 0;
	if (emul_ia32e(x->cpu)) {
		emul_seg_null(&ss->seg, sel, (uint8_t)dpl);
		return EX_OK;
	}
	if (!(sel & 0xFFFC))
		return raise_sel(x, 10, sel);
	rc = emul_desc_fetch(x, sel, 10, &ss->desc);
	if (rc)
		return rc;
	if ((sel & 3u) != dpl || s->dpl != dpl || !s->s || (s->type & 8) ||
	    !(s->type & 2))
		return raise_sel(x, 10, sel);
	if (!s->present)
		return raise_sel(x, 12, sel);
	ss->has_desc = 1;
	ss->seg = *s;
	ss->seg.type |= 1;
	return EX_OK;
}

/* The caller's state, saved while the pushes go to the new stack. */
struct outer_state {
	struct emul_seg ss;
	uint8_t cpl, mode;
};

static void enter_new_stack(struct emul_exec *x, const struct gate_dest *d,
			    const struct emul_seg *ss, struct outer_state *o)
{
	struct emul_cpu *c = x->cpu;

	o->ss = *emul_seg(x, EMUL_SEG_SS);
	o->cpl = c->cpl;
	o->mode = c->mode;
	c->seg[EMUL_SEG_SS] = *ss;
	c->cpl = d->cpl;
	c->mode = (uint8_t)emul_far_mode(x, &d->cs);
}

static void leave_new_stack(struct emul_exec *x, const struct outer_state *o)
{
	struct emul_cpu *c = x->cpu;

	c->seg[EMUL_SEG_SS] = o->ss;
	c->cpl = o->cpl;
	c->mode = o->mode;
}

/* "IF new stack does not have room for parameters plus 16 bytes THEN
 * #SS(NewSS)": the limit (or canonical) check of the whole frame with the
 * new SS's selector as error code; then every page of it (#PF). */
static int check_frame(struct emul_exec *x, uint64_t sp, unsigned bytes,
		       uint16_t ss_sel)
{
	uint64_t la;
	unsigned off;
	int rc;

	rc = emul_linear(x, EMUL_SEG_SS, sp, bytes, true, &la);
	if (rc) {
		x->res->event.error_code = ss_sel & 0xFFFCu;
		x->res->event.has_error_code = 1;
		return rc;
	}
	for (off = 0; off < bytes; off += 8) {
		rc = emul_probe_write(x, EMUL_SEG_SS, sp + off,
				      bytes - off < 8 ? bytes - off : 8);
		if (rc)
			return rc;
	}
	return EX_OK;
}

/* The pushes on the new stack, from the top: caller's SS, rSP, the
 * parameters (their order kept), caller's CS, return rIP. */
static int push_frame(struct emul_exec *x, const struct gate *g,
		      uint64_t top, const uint64_t *params,
		      const uint64_t *caller)
{
	uint64_t mask = emul_addr_mask(emul_stack_size(x)), sp = top;
	unsigned i;
	int rc;

	for (i = 0; i < 4 + g->params; i++) {
		uint64_t v = i < 2 ? caller[i] :
			     i < 2 + g->params ? params[g->params - 1 - (i - 2)] :
			     caller[i - g->params];

		sp = (sp - g->size) & mask;
		rc = emul_write(x, EMUL_SEG_SS, sp, g->size, v);
		if (rc)
			return rc;
	}
	return EX_OK;
}

/* The new rSP after the frame, sized by the new stack. */
static uint64_t new_rsp(const struct emul_exec *x, uint64_t sp)
{
	unsigned w = emul_stack_size(x);

	if (w == 2)
		return (x->cpu->gpr[EMUL_RSP] & ~0xFFFFull) | (sp & 0xFFFF);
	return sp & emul_addr_mask(w);
}

/* SDM CALL "MORE-PRIVILEGE". */
static int inner_call(struct emul_exec *x, const struct gate *g,
		      const struct gate_dest *d)
{
	struct emul_cpu *c = x->cpu;
	uint64_t params[31], caller[4], rsp = 0, top, sp, smask;
	unsigned frame = (4 + g->params) * g->size, i;
	struct emul_seg_load ss;
	struct outer_state o;
	uint16_t ss_sel = 0;
	int rc;

	rc = tss_stack(x, d->cpl, &rsp, &ss_sel);
	if (!rc)
		rc = inner_ss(x, ss_sel, d->cpl, &ss);
	smask = emul_addr_mask(emul_stack_size(x));
	for (i = 0; !rc && i < g->params; i++)
		rc = emul_read(x, EMUL_SEG_SS, (c->gpr[EMUL_RSP] +
				i * g->size) & smask, g->size, 0, &params[i]);
	if (rc)
		return rc;
	caller[0] = emul_seg(x, EMUL_SEG_SS)->sel;
	caller[1] = c->gpr[EMUL_RSP];
	caller[2] = emul_seg(x, EMUL_SEG_CS)->sel;
	caller[3] = x->next_rip;
	enter_new_stack(x, d, &ss.seg, &o);
	top = rsp & emul_addr_mask(emul_stack_size(x));
	sp = (top - frame) & emul_addr_mask(emul_stack_size(x));
	rc = check_frame(x, sp, frame, ss_sel);
	if (!rc)
		rc = emul_far_check_rip(x, &d->cs, g->offset);
	if (!rc)
		rc = push_frame(x, g, top, params, caller);
	if (!rc)
		rc = emul_desc_set_accessed(x, &d->cs_desc);
	if (!rc)
		rc = emul_seg_load_write(x, &ss);
	if (rc) {
		leave_new_stack(x, &o);
		return rc;
	}
	emul_reg_set(x, EMUL_RSP, 8, new_rsp(x, sp));
	emul_seg_commit(x, EMUL_SEG_SS, &ss.seg);
	commit_cs(x, d, g->offset);
	return EX_OK;
}

int emul_far_gate(struct emul_exec *x, const struct emul_desc *gd, bool call)
{
	struct gate_dest d;
	struct gate g = { 0 };
	int rc;

	rc = decode_gate(x, gd, &g);
	if (!rc)
		rc = gate_dest(x, gd, &g, call, &d);
	if (rc)
		return rc;
	if (d.inner)
		return inner_call(x, &g, &d);
	return same_level(x, &g, &d, call);
}
