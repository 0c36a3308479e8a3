/*
 * decode.c - instruction decoder: prefixes, opcode maps, ModRM/SIB,
 * displacement and immediates into struct emul_insn.
 *
 * Pure function of the bytes and the mode: no callbacks, no state, so the
 * SVM backend can call it on any exit and the host tests can compare it with
 * binutils. Follows Intel SDM Vol. 2A chapter 2 (instruction format, 2.1;
 * REX 2.2.1; VEX 2.3; EVEX 2.7) and Vol. 2D Appendix A (opcode maps), AMD
 * APM Vol. 3 chapter 1 (XOP 1.8).
 */
#include "emul_private.h"

struct dstate {
	const uint8_t *bytes;
	size_t avail;
	unsigned pos;
};

/* Are n more bytes available? A length over 15 is decided before a lack
 * of bytes, so with avail >= 15 the answer is always exact. */
static int need(const struct dstate *d, unsigned n)
{
	if (d->pos + n > EMUL_MAX_INSN_LEN)
		return EMUL_E_TOO_LONG;
	if (d->pos + n > d->avail)
		return EMUL_E_NEED_MORE;
	return 0;
}

static uint64_t take(struct dstate *d, unsigned n)
{
	const uint8_t *p = d->bytes + d->pos;
	uint64_t v = 0;
	unsigned i;

	d->pos += n;
	/* ModRM bytes, displacements and most immediates: one load each */
	switch (n) {
	case 1:
		return p[0];
	case 2:
		return p[0] | (uint32_t)p[1] << 8;
	case 4:
		return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		       (uint32_t)p[3] << 24;
	}
	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int take_checked(struct dstate *d, unsigned n, uint64_t *v)
{
	int rc = need(d, n);

	if (rc)
		return rc;
	*v = take(d, n);
	return 0;
}

static bool mode_is16(enum emul_mode mode)
{
	return mode == EMUL_MODE_REAL || mode == EMUL_MODE_PROT16 ||
	       mode == EMUL_MODE_VM86;
}

/* Legacy prefixes and REX (SDM 2.1.1, 2.2.1). A REX not immediately before
 * the opcode is ignored; in 64-bit mode CS/DS/ES/SS overrides are null
 * prefixes (SDM 3.3.7.1). */
static int decode_prefixes(struct dstate *d, struct emul_insn *insn,
			   uint8_t *seg_ovr)
{
	bool is64 = insn->mode == EMUL_MODE_LONG64;
	int rc;

	for (;;) {
		uint8_t b;

		rc = need(d, 1);
		if (rc)
			return rc;
		b = d->bytes[d->pos];
		switch (b) {
		case 0xF0:
			insn->pfx |= EMUL_PFX_LOCK;
			break;
		case 0xF2:
			insn->pfx = (insn->pfx & ~EMUL_PFX_REP) | EMUL_PFX_REPNE;
			break;
		case 0xF3:
			insn->pfx = (insn->pfx & ~EMUL_PFX_REPNE) | EMUL_PFX_REP;
			break;
		case 0x26: case 0x2E: case 0x36: case 0x3E:
			if (!is64)
				*seg_ovr = (b >> 3) & 3;
			break;
		case 0x64:
			*seg_ovr = EMUL_SEG_FS;
			break;
		case 0x65:
			*seg_ovr = EMUL_SEG_GS;
			break;
		case 0x66:
			insn->pfx |= EMUL_PFX_OPSZ;
			break;
		case 0x67:
			insn->pfx |= EMUL_PFX_ADSZ;
			break;
		default:
			if (is64 && (b & 0xF0) == 0x40) {
				insn->rex = b;
				d->pos++;
				continue;
			}
			return 0;
		}
		insn->rex = 0;
		d->pos++;
	}
}

/* ModRM, SIB and displacement (SDM Tables 2-1, 2-2, 2-3). */
static int decode_modrm_mem(struct dstate *d, struct emul_insn *insn)
{
	static const int8_t base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
	static const int8_t index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
	unsigned rm = insn->modrm & 7;
	uint64_t v;
	int rc;

	insn->mem = 1;
	insn->scale = 1;
	insn->base = -1;
	insn->index = -1;
	if (insn->addrsize == 2) {
		if (insn->mod == 0 && rm == 6) {
			insn->disp_len = 2;
		} else {
			insn->base = base16[rm];   /* [SI], [DI] as bases */
			insn->index = index16[rm];
			insn->disp_len = insn->mod == 1 ? 1 :
					 insn->mod == 2 ? 2 : 0;
		}
	} else {
		unsigned rex_b = (insn->rex & 1) << 3;

		if (rm == 4) {
			unsigned idx, base;

			rc = take_checked(d, 1, &v);
			if (rc)
				return rc;
			insn->has_sib = 1;
			insn->sib = (uint8_t)v;
			insn->scale = 1u << (insn->sib >> 6);
			idx = ((insn->sib >> 3) & 7) | ((insn->rex & 2) << 2);
			base = insn->sib & 7;
			insn->index = idx == 4 ? -1 : (int8_t)idx;
			if (base == 5 && insn->mod == 0)
				insn->disp_len = 4;
			else
				insn->base = (int8_t)(base | rex_b);
		} else if (rm == 5 && insn->mod == 0) {
			insn->disp_len = 4;
			insn->rip_rel = insn->mode == EMUL_MODE_LONG64;
		} else {
			insn->base = (int8_t)(rm | rex_b);
		}
		if (insn->mod == 1)
			insn->disp_len = 1;
		else if (insn->mod == 2)
			insn->disp_len = 4;
	}
	if (insn->disp_len) {
		rc = take_checked(d, insn->disp_len, &v);
		if (rc)
			return rc;
		insn->disp = insn->disp_len == 1 ? (int8_t)v :
			     insn->disp_len == 2 ? (int16_t)v : (int32_t)v;
	}
	return 0;
}

/* Default segment: SS for rBP/rSP-based addressing, else DS (SDM 3.7.4). */
static uint8_t default_seg(const struct emul_insn *insn)
{
	if (insn->mem && (insn->base == EMUL_RSP || insn->base == EMUL_RBP))
		return EMUL_SEG_SS;
	return EMUL_SEG_DS;
}

static void set_sizes(struct emul_insn *insn)
{
	bool is64 = insn->mode == EMUL_MODE_LONG64;
	bool def16 = mode_is16(insn->mode);
	bool opsz = insn->pfx & EMUL_PFX_OPSZ;
	bool adsz = insn->pfx & EMUL_PFX_ADSZ;

	if (is64)
		insn->addrsize = adsz ? 4 : 8;
	else
		insn->addrsize = (def16 != adsz) ? 2 : 4;

	if (insn->attr & A_BYTE) {
		insn->opsize = 1;
	} else if (is64) {
		if (insn->rex & 8)
			insn->opsize = 8;
		else if (insn->attr & A_F64)
			/* Near branches: Intel ignores 66h (SDM Vol. 1
			 * 3.6.1, Vol. 2A 2.2.1.7); AMD makes the operand size
			 * 16 bits, so rel16, a 16-bit push or pop and a
			 * target truncated to 16 bits (APM Vol. 3 1.2.5). */
			insn->opsize = opsz && insn->vendor == EMUL_VENDOR_AMD
				       ? 2 : 8;
		else if (insn->attr & A_DEF64)
			insn->opsize = opsz ? 2 : 8;
		else
			insn->opsize = opsz ? 2 : 4;
	} else {
		insn->opsize = (def16 != opsz) ? 2 : 4;
	}
}

/* Immediate sizes (SDM A.2.2 operand type codes). */
static int decode_imm(struct dstate *d, struct emul_insn *insn)
{
	unsigned v16or32 = insn->opsize == 2 ? 2 : 4;
	unsigned n = 0, n2 = 0;
	int rc;

	switch ((insn->attr & A_IMM_MASK) >> A_IMM_SHIFT) {
	case IMM_NONE: break;
	case IMM_8: case IMM_REL8: n = 1; break;
	case IMM_16: n = 2; break;
	case IMM_Z: n = insn->opsize == 1 ? 1 : v16or32; break;
	case IMM_V: n = insn->opsize; break;
	case IMM_MOFFS: n = insn->addrsize; break;
	case IMM_FAR: n = v16or32; n2 = 2; break;
	case IMM_ENTER: n = 2; n2 = 1; break;
	case IMM_RELZ: n = v16or32; break;     /* 64-bit: opsize 8 or 2 */
	case IMM_8X2: n = 1; n2 = 1; break;
	case IMM_32: n = 4; break;
	}
	if (n) {
		rc = take_checked(d, n, &insn->imm);
		if (rc)
			return rc;
		insn->imm_len = (uint8_t)n;
	}
	if (n2) {
		rc = take_checked(d, n2, &insn->imm2);
		if (rc)
			return rc;
		insn->imm2_len = (uint8_t)n2;
	}
	return 0;
}

static int decode_modrm(struct dstate *d, struct emul_insn *insn)
{
	uint64_t v;
	int rc;

	rc = take_checked(d, 1, &v);
	if (rc)
		return rc;
	insn->has_modrm = 1;
	insn->modrm = (uint8_t)v;
	insn->mod = insn->modrm >> 6;
	insn->reg = ((insn->modrm >> 3) & 7) | ((insn->rex & 4) << 1);
	insn->rm = (insn->modrm & 7) | ((insn->rex & 1) << 3);
	return 0;
}

/* Operand part shared by legacy and VEX-style encodings: ModRM memory
 * operand, immediate, segment. */
static int decode_operands(struct dstate *d, struct emul_insn *insn,
			   uint8_t seg_ovr)
{
	int rc;

	if (insn->has_modrm && insn->mod != 3 && !(insn->attr & A_CRDR)) {
		rc = decode_modrm_mem(d, insn);
		if (rc)
			return rc;
	}
	rc = decode_imm(d, insn);
	if (rc)
		return rc;
	if (seg_ovr != EMUL_SEG_NONE) {
		insn->seg = seg_ovr;
		insn->pfx |= EMUL_PFX_SEG;
	} else {
		insn->seg = default_seg(insn);
	}
	insn->len = (uint8_t)d->pos;
	return insn->len;
}

/*
 * VEX (C4/C5), EVEX (62) and XOP (8F): SIMD encodings. Decoded far enough
 * for the length; emul_execute() refuses them. SDM 2.3.5, 2.3.6, 2.7; APM
 * Vol. 3 1.8. Legacy 66/F2/F3/LOCK or REX before them is #UD (SDM 2.3.2).
 */
static int decode_vex(struct dstate *d, struct emul_insn *insn,
		      uint8_t kind, uint8_t seg_ovr)
{
	uint8_t b1, b2;
	unsigned map, pfx_len;
	uint64_t v;
	int rc;

	if ((insn->pfx & (EMUL_PFX_LOCK | EMUL_PFX_REP | EMUL_PFX_REPNE |
			  EMUL_PFX_OPSZ)) || insn->rex)
		return EMUL_E_UD;
	pfx_len = kind == EMUL_VEX_VEX2 ? 2 : kind == EMUL_VEX_EVEX ? 4 : 3;
	rc = need(d, pfx_len);
	if (rc)
		return rc;
	b1 = d->bytes[d->pos + 1];
	b2 = pfx_len > 2 ? d->bytes[d->pos + 2] : 0;
	switch (kind) {
	case EMUL_VEX_VEX2:
		map = 1;
		if (insn->mode == EMUL_MODE_LONG64 && !(b1 & 0x80))
			insn->rex = 0x44; /* ~VEX.R */
		break;
	case EMUL_VEX_VEX3:
		map = b1 & 0x1F;
		if (map < 1 || map > 3)
			return EMUL_E_UD;
		/* W, and R, X, B stored inverted: as a REX prefix would give
		 * them, in 64-bit mode only (elsewhere R, X, B are 1s: the
		 * bits that tell VEX from LES/LDS) */
		if (insn->mode == EMUL_MODE_LONG64) {
			uint8_t rxb = (uint8_t)(~b1 >> 5) & 7;
			if (rxb || (b2 & 0x80))
				insn->rex = (uint8_t)(0x40 | (b2 & 0x80) >> 4 |
						      (rxb & 4) | (rxb & 2) | (rxb & 1));
		}
		break;
	case EMUL_VEX_EVEX:
		map = b1 & 7;
		/* P0 bit 3 must be 0, P1 bit 2 must be 1 (SDM 2.7.1). */
		if ((b1 & 0x08) || !(b2 & 0x04) || map == 0 || map == 4 ||
		    map == 7)
			return EMUL_E_UD;
		break;
	default: /* XOP */
		map = b1 & 0x1F;
		if (map < 8 || map > 10)
			return EMUL_E_UD;
		break;
	}
	/* pp and L: VEX2 byte 1, VEX3/XOP byte 2, EVEX P1 (pp) and P2 (L'L) */
	insn->vex_pp = (kind == EMUL_VEX_VEX2 ? b1 : b2) & 3;
	insn->vex_vvvv = (uint8_t)((~(kind == EMUL_VEX_VEX2 ? b1 : b2) >> 3) & 0xF);
	insn->vex_l = kind == EMUL_VEX_VEX2 ? (b1 >> 2) & 1 :
		      kind == EMUL_VEX_EVEX ? (d->bytes[d->pos + 3] >> 5) & 3 :
		      (b2 >> 2) & 1;
	d->pos += pfx_len;
	rc = take_checked(d, 1, &v);
	if (rc)
		return rc;
	insn->vex = kind;
	insn->map = kind == EMUL_VEX_XOP ? (uint8_t)map : (uint8_t)(map & 3);
	insn->opcode = (uint8_t)v;
	insn->opsize = 4;
	insn->addrsize = insn->mode == EMUL_MODE_LONG64 ?
		(insn->pfx & EMUL_PFX_ADSZ ? 4 : 8) :
		((mode_is16(insn->mode) != !!(insn->pfx & EMUL_PFX_ADSZ)) ?
		 2 : 4);
	/* VZEROUPPER/VZEROALL (VEX 0F 77) are the only ones without ModRM. */
	if (!(kind != EMUL_VEX_EVEX && kind != EMUL_VEX_XOP && map == 1 &&
	      insn->opcode == 0x77)) {
		rc = decode_modrm(d, insn);
		if (rc)
			return rc;
		if (insn->mode != EMUL_MODE_LONG64)
			insn->reg &= 7;
	}
	if (kind == EMUL_VEX_XOP) {
		if (map == 8)
			insn->attr |= A_IMM(IMM_8);
		else if (map == 10)
			insn->attr |= A_IMM(IMM_32);
	} else if (map == 3) {
		insn->attr |= A_IMM(IMM_8);
	} else if (map == 1 && ((insn->opcode >= 0x70 && insn->opcode <= 0x73) ||
				insn->opcode == 0xC2 ||
				(insn->opcode >= 0xC4 && insn->opcode <= 0xC6))) {
		insn->attr |= A_IMM(IMM_8);
	}
	return decode_operands(d, insn, seg_ovr);
}

/* Is the one-byte opcode at d->pos a VEX/EVEX/XOP escape here? C4/C5/62
 * are LES/LDS/BOUND outside 64-bit mode unless the next byte has
 * mod = 11b, and never VEX in real/virtual-8086 mode (SDM 2.3.5). */
static int vex_kind(struct dstate *d, struct emul_insn *insn, uint8_t op,
		    uint8_t *kind)
{
	bool is64 = insn->mode == EMUL_MODE_LONG64;
	bool legacy16 = insn->mode == EMUL_MODE_REAL ||
			insn->mode == EMUL_MODE_VM86;
	uint8_t next;
	int rc;

	*kind = EMUL_VEX_NONE;
	if (op != 0xC4 && op != 0xC5 && op != 0x62 && op != 0x8F)
		return 0;
	rc = need(d, 2);
	if (rc)
		return rc;
	next = d->bytes[d->pos + 1];
	if (op == 0x8F) {
		/* XOP iff the mmmmm field is >= 8; POP Ev has reg = 0. */
		if ((next & 0x1F) >= 8 && !legacy16)
			*kind = EMUL_VEX_XOP;
		return 0;
	}
	if (legacy16 || (!is64 && next < 0xC0))
		return 0;
	*kind = op == 0xC4 ? EMUL_VEX_VEX3 :
		op == 0xC5 ? EMUL_VEX_VEX2 : EMUL_VEX_EVEX;
	return 0;
}

/* Per-opcode checks the CPU makes once ModRM is known (SDM Vol. 2 "Invalid
 * opcode" exception lists). */
static int check_ud(struct emul_insn *insn)
{
	uint32_t a = insn->attr;
	bool mem = insn->has_modrm && insn->mod != 3 && !(a & A_CRDR);

	if ((a & A_MEMONLY) && insn->mod == 3)
		return EMUL_E_UD;
	if ((a & A_REGONLY) && insn->mod != 3)
		return EMUL_E_UD;
	/* AMD SSE4a EXTRQ/INSERTQ (66/F2 0F 78, 79) name registers only,
	 * and EXTRQ's imm form is /0 (APM Vol. 4, each instruction). */
	if (emul_sse4a_form(insn) &&
	    (insn->mod != 3 ||
	     (insn->opcode == 0x78 && emul_simd_prefix(insn) == SIMD_66 &&
	      ((insn->modrm >> 3) & 7))))
		return EMUL_E_UD;
	/* MOVNTI is "NP 0F C3": 66/F2/F3 make it #UD (SDM MOVNTI). */
	if (insn->map == EMUL_MAP_0F && insn->opcode == 0xC3 &&
	    (insn->pfx & (EMUL_PFX_OPSZ | EMUL_PFX_REP | EMUL_PFX_REPNE)))
		return EMUL_E_UD;
	if (insn->map == EMUL_MAP_1B) {
		/* MOV Sw: sreg 6/7 undefined; MOV CS, Ew is #UD. */
		if ((insn->opcode == 0x8C || insn->opcode == 0x8E) &&
		    ((insn->modrm >> 3) & 7) > 5)
			return EMUL_E_UD;
		if (insn->opcode == 0x8E && ((insn->modrm >> 3) & 7) == 1)
			return EMUL_E_UD;
		/* XABORT is C6 F8, XBEGIN C7 F8: group 11 /7 needs rm = 0. */
		if ((insn->opcode == 0xC6 || insn->opcode == 0xC7) &&
		    ((insn->modrm >> 3) & 7) == 7 && (insn->modrm & 7) != 0)
			return EMUL_E_UD;
		/* ARPL is not recognised in real/virtual-8086 mode. */
		if (insn->opcode == 0x63 && (insn->mode == EMUL_MODE_REAL ||
					     insn->mode == EMUL_MODE_VM86))
			return EMUL_E_UD;
	}
	if (insn->pfx & EMUL_PFX_LOCK) {
		/* SDM Vol. 2 "LOCK": only the listed RMW forms with a memory
		 * destination. F0 0F 20/22 is AMD's CR8 alias: let it pass
		 * (valid on some CPUs, never emulated). */
		bool crdr = insn->map == EMUL_MAP_0F &&
			    (insn->opcode == 0x20 || insn->opcode == 0x22);
		if (!crdr && (!(a & A_LOCK) || !mem))
			return EMUL_E_UD;
	}
	return 0;
}

static int decode_legacy(struct dstate *d, struct emul_insn *insn,
			 uint8_t seg_ovr)
{
	const struct emul_opdesc *desc;
	uint32_t attr;
	int rc;

	if (insn->map == EMUL_MAP_0F38)
		attr = A_MODRM;
	else if (insn->map == EMUL_MAP_0F3A)
		attr = A_MODRM | A_IMM(IMM_8);
	else {
		desc = insn->map == EMUL_MAP_0F ? &emul_map_0f[insn->opcode] :
						  &emul_map_1b[insn->opcode];
		attr = desc->attr;
	}
	if (attr & A_UD)
		return EMUL_E_UD;
	if ((attr & A_INV64) && insn->mode == EMUL_MODE_LONG64)
		return EMUL_E_UD;
	if (insn->map == EMUL_MAP_0F) {
		/* 0F B8 is POPCNT only with F3 (JMPE otherwise: IA-64). */
		if (insn->opcode == 0xB8 && !(insn->pfx & EMUL_PFX_REP))
			return EMUL_E_UD;
		/* AMD SSE4a EXTRQ/INSERTQ: 66/F2 0F 78 take ib, ib. */
		if (insn->opcode == 0x78 &&
		    (insn->pfx & (EMUL_PFX_OPSZ | EMUL_PFX_REPNE)))
			attr |= A_IMM(IMM_8X2);
	}
	if (attr & A_MODRM) {
		rc = decode_modrm(d, insn);
		if (rc)
			return rc;
	}
	if (attr & A_GRP) {
		const struct emul_opdesc *g =
			&emul_groups[A_GRPNUM(attr)][(insn->modrm >> 3) & 7];

		if (g->attr & A_UD)
			return EMUL_E_UD;
		attr = (attr & ~A_LOCK) | g->attr;
		/* XBEGIN (C7 F8) takes rel16/rel32. */
		if (insn->opcode == 0xC7 && (g->attr & A_REGONLY))
			attr = (attr & ~A_IMM_MASK) | A_IMM(IMM_Z);
	}
	insn->attr = attr;
	set_sizes(insn);
	rc = check_ud(insn);
	if (rc)
		return rc;
	return decode_operands(d, insn, seg_ovr);
}

/* The short decoder's MOV forms decode alike for both vendors. */
int emul_decode(struct emul_insn *insn, const uint8_t *bytes, size_t avail,
		enum emul_mode mode, enum emul_vendor vendor)
{
	int len = emul_decode_short(insn, bytes, avail, mode);

	if (!len)
		return emul_decode_full(insn, bytes, avail, mode, vendor);
	insn->vendor = (uint8_t)vendor;
	return len;
}

int emul_decode_full(struct emul_insn *insn, const uint8_t *bytes,
		     size_t avail, enum emul_mode mode, enum emul_vendor vendor)
{
	struct dstate d = { bytes, avail, 0 };
	uint8_t seg_ovr = EMUL_SEG_NONE, kind;
	uint64_t v;
	int rc;

	*insn = (struct emul_insn){ 0 };
	insn->mode = (uint8_t)mode;
	insn->vendor = (uint8_t)vendor;
	insn->base = -1;
	insn->index = -1;
	insn->scale = 1;
	rc = decode_prefixes(&d, insn, &seg_ovr);
	if (rc)
		return rc;
	rc = vex_kind(&d, insn, bytes[d.pos], &kind);
	if (rc)
		return rc;
	if (kind != EMUL_VEX_NONE)
		return decode_vex(&d, insn, kind, seg_ovr);
	insn->opcode = (uint8_t)take(&d, 1);
	insn->map = EMUL_MAP_1B;
	if (insn->opcode == 0x0F) {
		rc = take_checked(&d, 1, &v);
		if (rc)
			return rc;
		insn->map = EMUL_MAP_0F;
		insn->opcode = (uint8_t)v;
		if (v == 0x38 || v == 0x3A) {
			insn->map = v == 0x38 ? EMUL_MAP_0F38 : EMUL_MAP_0F3A;
			rc = take_checked(&d, 1, &v);
			if (rc)
				return rc;
			insn->opcode = (uint8_t)v;
		}
	}
	return decode_legacy(&d, insn, seg_ovr);
}

int emul_insn_len(const uint8_t *bytes, size_t avail, enum emul_mode mode,
		  enum emul_vendor vendor)
{
	struct emul_insn insn;

	return emul_decode(&insn, bytes, avail, mode, vendor);
}

bool emul_insn_is(const struct emul_insn *insn, unsigned map, uint8_t opcode,
		  int modrm)
{
	if (insn->vex != EMUL_VEX_NONE || insn->map != map ||
	    insn->opcode != opcode)
		return false;
	if (modrm < 0)
		return true;
	return insn->has_modrm && insn->modrm == (uint8_t)modrm;
}

enum emul_mode emul_mode_of(uint64_t cr0, uint64_t efer, uint64_t rflags,
			    bool cs_l, bool cs_d)
{
	if (!(cr0 & 1))                         /* CR0.PE */
		return EMUL_MODE_REAL;
	if (efer & (1u << 10)) {                /* EFER.LMA */
		if (cs_l)
			return EMUL_MODE_LONG64;
	} else if (rflags & EMUL_FL_VM) {
		return EMUL_MODE_VM86;
	}
	return cs_d ? EMUL_MODE_PROT32 : EMUL_MODE_PROT16;
}

/* Hygon's processors are AMD's design and behave as AMD's do. */
enum emul_vendor emul_vendor_of(const char vendor_id[12])
{
	if (!memcmp(vendor_id, "AuthenticAMD", 12) ||
	    !memcmp(vendor_id, "HygonGenuine", 12))
		return EMUL_VENDOR_AMD;
	return EMUL_VENDOR_INTEL;
}
