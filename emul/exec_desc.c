/*
 * exec_desc.c - the instructions that examine a descriptor without loading
 * it: LAR (0F 02), LSL (0F 03), VERR and VERW (0F 00 /4, /5).
 *
 * SDM Vol. 2 LAR, LSL, VERR/VERW. None faults on a bad selector: ZF says
 * whether the descriptor passed the checks (a null selector, one beyond
 * the table limit, a type the instruction does not accept, or one the
 * CPL and RPL may not see give ZF = 0 and leave the destination alone).
 * Protected and IA-32e mode only (#UD in real mode); no accessed bit is
 * set. The selector operand is always a word.
 */
#include "emul_private.h"

static int ud(struct emul_exec *x)
{
	return emul_raise(x, 6, false, 0);
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

/* The descriptor of a non-null selector within its table, or *found
 * false. */
static int examine(struct emul_exec *x, uint16_t sel, struct emul_desc *d,
		   bool *found)
{
	*found = false;
	if (!(sel & 0xFFFC))
		return EX_OK;
	return emul_desc_lookup(x, sel, d, found);
}

/* SDM LAR/LSL/VERR: "IF SegmentDescriptor(Type) ≠ conforming code segment
 * and (CPL > DPL) or (RPL > DPL) THEN ZF := 0". */
static bool visible(const struct emul_exec *x, const struct emul_desc *d)
{
	const struct emul_seg *s = &d->seg;
	bool conforming = s->s && (s->type & 0xC) == 0xC;

	return conforming ||
	       (x->cpu->cpl <= s->dpl && (d->sel & 3u) <= s->dpl);
}

/* System types LAR (lar = true) or LSL accepts (SDM Vol. 2 LAR Table
 * 3-55, LSL Table 3-61): in IA-32e mode only LDT, 64-bit TSS and (LAR)
 * call gate. */
static bool system_type_ok(const struct emul_exec *x, unsigned type, bool lar)
{
	if (emul_ia32e(x->cpu))
		return type == 0x2 || type == 0x9 || type == 0xB ||
		       (lar && type == 0xC);
	switch (type) {
	case 0x1: case 0x2: case 0x3: case 0x9: case 0xB:
		return true;
	case 0x4: case 0x5: case 0xC:
		return lar;
	default:
		return false;
	}
}

static void set_zf(struct emul_exec *x, bool zf)
{
	emul_flags_set(x->cpu, EMUL_FL_ZF, zf ? EMUL_FL_ZF : 0);
}

/* 0F 02 LAR Gv, Ew; 0F 03 LSL Gv, Ew. LAR gives the access rights (the
 * descriptor's second doubleword masked by 00F0FF00h, FF00h for 16 bits),
 * LSL the byte-granular limit. */
int emul_exec_lar_lsl(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	bool lar = in->opcode == 0x02, found;
	struct emul_desc d;
	uint16_t sel;
	uint64_t v;
	int rc;

	if (x->cpu->mode == EMUL_MODE_REAL)
		return ud(x);
	rc = read_selector(x, &sel);
	if (!rc)
		rc = examine(x, sel, &d, &found);
	if (rc)
		return rc;
	if (found && visible(x, &d) &&
	    (d.seg.s || system_type_ok(x, d.seg.type, lar))) {
		if (lar)
			v = (d.raw >> 32) & (in->opsize == 2 ? 0xFF00u :
					     0x00F0FF00u);
		else
			v = d.seg.limit;
		emul_reg_set(x, in->reg, in->opsize, v);
		set_zf(x, true);
	} else {
		set_zf(x, false);
	}
	emul_retire(x);
	return EX_OK;
}

/* 0F 00 /4 VERR, /5 VERW: readable (data, or code with R) / writable
 * (data with W) at the CPL and RPL. */
int emul_exec_verr_verw(struct emul_exec *x)
{
	bool verw = ((x->insn->modrm >> 3) & 7) == 5, found, ok = false;
	struct emul_desc d;
	uint16_t sel;
	int rc;

	if (x->cpu->mode == EMUL_MODE_REAL)
		return ud(x);
	rc = read_selector(x, &sel);
	if (!rc)
		rc = examine(x, sel, &d, &found);
	if (rc)
		return rc;
	if (found && d.seg.s && visible(x, &d)) {
		bool code = d.seg.type & 8;

		ok = verw ? !code && (d.seg.type & 2) :
			    !code || (d.seg.type & 2);
	}
	set_zf(x, ok);
	emul_retire(x);
	return EX_OK;
}
