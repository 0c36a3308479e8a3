/*
 * exec_sysseg.c - LLDT and LTR (0F 00 /2, /3): load LDTR or TR from a
 * GDT descriptor, committed through emul_ops.set_sysseg.
 *
 * SDM Vol. 2 LLDT, LTR; Vol. 3A 3.5.2 (16-byte LDT and TSS descriptors in
 * IA-32e mode), 7.2.4 (TR). CPL 0 only (#GP(0)), #UD in real mode. The
 * selector must name the GDT (TI = 0) within its limit, else #GP(sel).
 * LTR marks the TSS busy in its descriptor (a write, after every read);
 * the register is committed last, so a fault leaves it as it was. In
 * IA-32e mode a non-canonical 64-bit base is #GP(selector).
 */
#include "emul_private.h"

static int raise_sel(struct emul_exec *x, uint8_t vector, uint16_t sel)
{
	return emul_raise(x, vector, true, sel & 0xFFFCu);
}

/* The descriptor of a GDT selector, 16 bytes in IA-32e mode (base 63:32
 * from the second half). */
static int system_desc(struct emul_exec *x, uint16_t sel, struct emul_desc *d)
{
	uint64_t upper;
	int rc;

	if (sel & 4)
		return raise_sel(x, 13, sel);
	rc = emul_desc_fetch(x, sel, 13, d);
	if (rc || !emul_ia32e(x->cpu))
		return rc;
	rc = emul_desc_fetch_upper(x, d, 13, &upper);
	if (rc)
		return rc;
	d->seg.base |= (upper & 0xFFFFFFFFull) << 32;
	return EX_OK;
}

/* IA-32e mode: the 64-bit base of an LDT or TSS must be canonical, else
 * #GP(selector) (SDM Vol. 2 LLDT, LTR; APM Vol. 3 LLDT, LTR). Checked
 * after type and presence, as Bochs orders them. */
static int check_base(struct emul_exec *x, const struct emul_desc *d, uint16_t sel)
{
	if (emul_ia32e(x->cpu) && !emul_canonical(d->seg.base))
		return raise_sel(x, 13, sel);
	return EX_OK;
}

static int read_selector(struct emul_exec *x, uint16_t *sel)
{
	struct emul_opnd src;
	uint64_t v;
	int rc;

	emul_opnd_rm(x, &src, 2);
	rc = emul_opnd_read(x, &src, 0, &v);
	*sel = (uint16_t)v;
	return rc;
}

/* Common entry checks; EX_OK with the selector read. */
static int enter(struct emul_exec *x, uint16_t *sel)
{
	if (!x->ctx->ops->set_sysseg)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if (x->cpu->mode == EMUL_MODE_REAL)
		return emul_raise(x, 6, false, 0);
	if (x->cpu->cpl != 0)
		return emul_gp0(x);
	return read_selector(x, sel);
}

/* 0F 00 /2: a null selector leaves LDTR unusable. */
int emul_exec_lldt(struct emul_exec *x)
{
	struct emul_desc d;
	struct emul_seg ldtr;
	uint16_t sel;
	int rc;

	rc = enter(x, &sel);
	if (rc)
		return rc;
	if (!(sel & 0xFFFC)) {
		emul_seg_null(&ldtr, sel, 0);
	} else {
		rc = system_desc(x, sel, &d);
		if (rc)
			return rc;
		if (d.seg.s || d.seg.type != 0x2)
			return raise_sel(x, 13, sel);
		if (!d.seg.present)
			return raise_sel(x, 11, sel);
		rc = check_base(x, &d, sel);
		if (rc)
			return rc;
		ldtr = d.seg;
	}
	x->ctx->ops->set_sysseg(x->ctx->opaque, EMUL_SYSSEG_LDTR, &ldtr);
	emul_retire(x);
	return EX_OK;
}

/* 0F 00 /3: an available TSS (16- or 32-bit; only the 64-bit one in
 * IA-32e mode), which becomes busy. */
int emul_exec_ltr(struct emul_exec *x)
{
	struct emul_desc d;
	uint64_t la;
	uint16_t sel;
	int rc;

	rc = enter(x, &sel);
	if (rc)
		return rc;
	if (!(sel & 0xFFFC))
		return emul_gp0(x);
	rc = system_desc(x, sel, &d);
	if (rc)
		return rc;
	if (d.seg.s || (d.seg.type != 0x9 &&
			(d.seg.type != 0x1 || emul_ia32e(x->cpu))))
		return raise_sel(x, 13, sel);
	if (!d.seg.present)
		return raise_sel(x, 11, sel);
	rc = check_base(x, &d, sel);
	if (rc)
		return rc;
	la = d.la + 5;
	if (!emul_ia32e(x->cpu))
		la &= 0xFFFFFFFFull;
	rc = emul_write_linear(x, la, 1, EMUL_ACC_SYS,
			       (uint8_t)(d.raw >> 40) | 2u);
	if (rc)
		return rc;
	d.seg.type |= 2;
	x->ctx->ops->set_sysseg(x->ctx->opaque, EMUL_SYSSEG_TR, &d.seg);
	emul_retire(x);
	return EX_OK;
}
