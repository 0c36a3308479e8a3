/*
 * desc.c - segment descriptors: finding one in the GDT or LDT, decoding it
 * into a segment register's hidden part, setting its accessed bit, and the
 * checks of a data or stack segment load (MOV Sreg, POP Sreg, LDS/LES/
 * LFS/LGS/LSS). The far transfers (exec_far.c) and LAR/LSL/VERR/VERW
 * (exec_desc.c) build on the same lookup.
 *
 * Intel SDM Vol. 3A 3.4.2 (selectors), 3.4.5 (descriptors), 3.5.1 (system
 * types), 5.6-5.7 (privilege checks for data and stack segments); Vol. 2
 * MOV and POP "Operation". Descriptor-table accesses are implicit
 * supervisor accesses whatever the CPL (SDM 4.6.1). A segment register is
 * changed only by emul_seg_commit(), which a handler calls after its last
 * memory access: a run that stops on a request or a fault has then loaded
 * nothing (execute.c restores only the general registers).
 */
#include "emul_private.h"

#define EFER_LMA (1u << 10)

bool emul_ia32e(const struct emul_cpu *c)
{
	return c->efer & EFER_LMA;
}

/* SDM 3.4.5: the hidden part a descriptor gives a segment register; limit
 * scaled by G as VMX and SVM store it. */
static void seg_of_desc(struct emul_seg *s, uint16_t sel, uint64_t raw)
{
	uint32_t lo = (uint32_t)raw, hi = (uint32_t)(raw >> 32);
	uint32_t limit = (lo & 0xFFFF) | (hi & 0xF0000);

	s->sel = sel;
	s->base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u);
	s->type = (hi >> 8) & 0xF;
	s->s = (hi >> 12) & 1;
	s->dpl = (hi >> 13) & 3;
	s->present = (hi >> 15) & 1;
	s->l = (hi >> 21) & 1;
	s->db = (hi >> 22) & 1;
	s->g = (hi >> 23) & 1;
	s->limit = s->g ? (limit << 12) | 0xFFF : limit;
	s->unusable = 0;
}

/* The table a selector indexes: the LDT (TI = 1) or the GDT. false when
 * TI = 1 and LDTR holds no LDT. */
static bool table_of(struct emul_exec *x, uint16_t sel, uint64_t *base,
		     uint32_t *limit)
{
	const struct emul_ops *ops = x->ctx->ops;
	void *opaque = x->ctx->opaque;

	if (sel & 4) {
		struct emul_seg ldtr;

		ops->get_sysseg(opaque, EMUL_SYSSEG_LDTR, &ldtr);
		if (ldtr.unusable || !(ldtr.sel & 0xFFFC))
			return false;
		*base = ldtr.base;
		*limit = ldtr.limit;
	} else {
		uint16_t l;

		ops->get_dtable(opaque, EMUL_DTABLE_GDT, base, &l);
		*limit = l;
	}
	return true;
}

int emul_desc_lookup(struct emul_exec *x, uint16_t sel, struct emul_desc *d,
		     bool *found)
{
	uint64_t base, off = sel & 0xFFF8u, la;
	uint32_t limit;
	int rc;

	*found = false;
	if (!x->ctx->ops->get_dtable || !x->ctx->ops->get_sysseg)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if (!table_of(x, sel, &base, &limit) || off + 7 > limit)
		return EX_OK;
	la = base + off;
	if (!emul_ia32e(x->cpu))
		la &= 0xFFFFFFFFull;
	else if (!emul_canonical(la) || !emul_canonical(la + 7))
		return emul_gp0(x);
	rc = emul_read_linear(x, la, 8, EMUL_ACC_SYS, &d->raw);
	if (rc)
		return rc;
	d->la = la;
	d->sel = sel;
	seg_of_desc(&d->seg, sel, d->raw);
	*found = true;
	return EX_OK;
}

int emul_desc_fetch(struct emul_exec *x, uint16_t sel, uint8_t vector,
		    struct emul_desc *d)
{
	bool found;
	int rc = emul_desc_lookup(x, sel, d, &found);

	if (rc)
		return rc;
	if (!found)
		return emul_raise(x, vector, true, sel & 0xFFFCu);
	return EX_OK;
}

/* The second half of a 16-byte system descriptor of IA-32e mode (call
 * gates, LDT, TSS; SDM 3.5.2): bytes 8..15, within the same table limit. */
int emul_desc_fetch_upper(struct emul_exec *x, const struct emul_desc *d,
			  uint8_t vector, uint64_t *upper)
{
	uint64_t base;
	uint32_t limit;

	table_of(x, d->sel, &base, &limit);
	if ((d->sel & 0xFFF8u) + 15u > limit)
		return emul_raise(x, vector, true, d->sel & 0xFFFCu);
	if (!emul_canonical(d->la + 15))
		return emul_gp0(x);
	return emul_read_linear(x, d->la + 8, 8, EMUL_ACC_SYS, upper);
}

/* SDM 3.4.5.1: loading a code or data segment sets its accessed bit (a
 * write of the type byte, supervisor access). Called after the last read
 * of the instruction: writes follow reads (mem.c). */
int emul_desc_set_accessed(struct emul_exec *x, const struct emul_desc *d)
{
	uint8_t type_byte = (uint8_t)(d->raw >> 40);
	uint64_t la = d->la + 5;

	if (!d->seg.s || (type_byte & 1))
		return EX_OK;
	if (!emul_ia32e(x->cpu))
		la &= 0xFFFFFFFFull;
	return emul_write_linear(x, la, 1, EMUL_ACC_SYS, type_byte | 1u);
}

/* A null selector in a data segment register (SDM 3.4.2: "the segment
 * register is marked invalid"); SS only in 64-bit mode, at the CPL. */
void emul_seg_null(struct emul_seg *s, uint16_t sel, uint8_t dpl)
{
	*s = (struct emul_seg){ .sel = sel, .dpl = dpl, .unusable = 1 };
}

/* Real mode: selector * 16, the limit and attributes stay (SDM 20.1.1). */
static void load_real(struct emul_exec *x, unsigned sreg, uint16_t sel,
		      struct emul_seg_load *ld)
{
	ld->seg = *emul_seg(x, sreg);
	ld->seg.sel = sel;
	ld->seg.base = (uint64_t)sel << 4;
	ld->has_desc = 0;
}

/* Virtual-8086 mode: selector * 16, a 64 KiB read/write data segment at
 * DPL 3 whatever the register (SDM Vol. 3 20.1.1; the attributes VM entry
 * requires in that mode, 26.3.1.2). */
static void load_vm86(uint16_t sel, struct emul_seg_load *ld)
{
	ld->seg = (struct emul_seg){ .base = (uint64_t)sel << 4, .limit = 0xFFFF,
				     .sel = sel, .type = 3, .s = 1, .dpl = 3,
				     .present = 1 };
	ld->has_desc = 0;
}

static int gp_sel(struct emul_exec *x, uint16_t sel)
{
	return emul_raise(x, 13, true, sel & 0xFFFCu);
}

/* SDM Vol. 2 MOV "IF SS is loaded". */
static int check_ss(struct emul_exec *x, uint16_t sel, struct emul_seg_load *ld)
{
	const struct emul_cpu *c = x->cpu;
	const struct emul_seg *s = &ld->desc.seg;
	int rc;

	if (!(sel & 0xFFFC)) {
		if (c->mode != EMUL_MODE_LONG64 || c->cpl == 3 ||
		    (sel & 3) != c->cpl)
			return emul_gp0(x);
		emul_seg_null(&ld->seg, sel, c->cpl);
		return EX_OK;
	}
	rc = emul_desc_fetch(x, sel, 13, &ld->desc);
	if (rc)
		return rc;
	if ((sel & 3) != c->cpl || !s->s || (s->type & 8) || !(s->type & 2) ||
	    s->dpl != c->cpl)
		return gp_sel(x, sel);
	if (!s->present)
		return emul_raise(x, 12, true, sel & 0xFFFCu);
	ld->has_desc = 1;
	return EX_OK;
}

/* A null selector into FS or GS: Intel processors clear the hidden base,
 * AMD processors without CPUID Fn8000_0021 EAX[6] (NullSelectorClearsBase)
 * keep it; which AMD model this is the emulator cannot tell, so a load
 * whose outcome depends on it (AMD, a non-zero base) is refused. */
static bool null_base_unknown(struct emul_exec *x, unsigned sreg)
{
	return x->cpu->vendor == EMUL_VENDOR_AMD &&
	       (sreg == EMUL_SEG_FS || sreg == EMUL_SEG_GS) &&
	       emul_seg(x, sreg)->base != 0;
}

/* SDM Vol. 2 MOV "ELSE IF DS, ES, FS, or GS is loaded with non-NULL
 * selector". */
static int check_data(struct emul_exec *x, unsigned sreg, uint16_t sel,
		      struct emul_seg_load *ld)
{
	const struct emul_seg *s = &ld->desc.seg;
	bool code, conforming;
	int rc;

	if (!(sel & 0xFFFC)) {
		if (null_base_unknown(x, sreg))
			return emul_unsupported(x, EMUL_R_OPCODE);
		emul_seg_null(&ld->seg, sel, 0);
		return EX_OK;
	}
	rc = emul_desc_fetch(x, sel, 13, &ld->desc);
	if (rc)
		return rc;
	code = s->type & 8;
	conforming = code && (s->type & 4);
	if (!s->s || (code && !(s->type & 2)))
		return gp_sel(x, sel);
	if (!conforming && ((sel & 3) > s->dpl || x->cpu->cpl > s->dpl))
		return gp_sel(x, sel);
	if (!s->present)
		return emul_raise(x, 11, true, sel & 0xFFFCu);
	ld->has_desc = 1;
	return EX_OK;
}

int emul_seg_load_check(struct emul_exec *x, unsigned sreg, uint16_t sel,
			struct emul_seg_load *ld)
{
	int rc;

	ld->sreg = (uint8_t)sreg;
	ld->has_desc = 0;
	if (x->cpu->mode == EMUL_MODE_REAL) {
		load_real(x, sreg, sel, ld);
		return EX_OK;
	}
	if (x->cpu->mode == EMUL_MODE_VM86) {
		load_vm86(sel, ld);
		return EX_OK;
	}
	rc = sreg == EMUL_SEG_SS ? check_ss(x, sel, ld) :
				   check_data(x, sreg, sel, ld);
	if (rc || !ld->has_desc)
		return rc;
	ld->seg = ld->desc.seg;
	ld->seg.type |= 1;              /* accessed, as emul_seg_load_write
					 * leaves the descriptor */
	return EX_OK;
}

int emul_seg_load_write(struct emul_exec *x, const struct emul_seg_load *ld)
{
	return ld->has_desc ? emul_desc_set_accessed(x, &ld->desc) : EX_OK;
}

void emul_seg_commit(struct emul_exec *x, unsigned sreg,
		     const struct emul_seg *s)
{
	struct emul_cpu *c = x->cpu;

	c->seg[sreg] = *s;
	c->seg_loaded |= (uint8_t)(1u << sreg);
	c->seg_written |= (uint8_t)(1u << sreg);
}
