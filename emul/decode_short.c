/*
 * decode_short.c - the short decoder emul_decode() tries first: the
 * instructions guests point at MMIO (device registers are loaded and
 * stored with plain MOVs) decoded in one straight pass, without the
 * prefix loop, the opcode maps and the general ModRM machinery of
 * decode.c. Anything else returns 0 and goes to the full decoder.
 *
 * Taken: an optional 66h, then in 64-bit mode an optional REX, then
 * 88/89/8A/8B or C6/C7 /0 with a memory operand, or A0-A3 (moffs, what
 * 32-bit compilers use for an absolute address); 32- and 64-bit addressing
 * only (no 67h, no 16-bit mode). The result must be exactly the full
 * decoder's, field by field: test_decode_short compares the two over every
 * ModRM and SIB byte in every mode. None of the full decoder's #UD
 * conditions (check_ud) can hold for these forms, and none needs more than
 * SHORT_MAX_LEN bytes, so with that many available no length check is due.
 */
#include "emul_private.h"

#define SHORT_MAX_LEN 13 /* 66 REX opcode ModRM SIB disp32 imm32; moffs:
			  * 66 REX opcode offset64 */

/* Little-endian 1/2/4/8 bytes; each case compiles to one load. */
static uint64_t le(const uint8_t *p, unsigned n)
{
	uint32_t lo = p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		      (uint32_t)p[3] << 24;

	switch (n) {
	case 1: return p[0];
	case 2: return p[0] | (uint32_t)p[1] << 8;
	case 4: return lo;
	default: return lo | (uint64_t)(p[4] | (uint32_t)p[5] << 8 |
					(uint32_t)p[6] << 16 |
					(uint32_t)p[7] << 24) << 32;
	}
}

/* ModRM memory operand with 32/64-bit addressing (SDM Tables 2-2, 2-3);
 * returns the bytes after the ModRM byte it consumed (SIB, disp). */
static unsigned modrm_mem(struct emul_insn *in, const uint8_t *p)
{
	unsigned rex_b = (in->rex & 1) << 3, n = 0;

	in->mem = 1;
	if ((in->modrm & 7) == 4) {
		uint8_t sib = p[n++];
		unsigned idx = ((sib >> 3) & 7) | ((in->rex & 2) << 2);

		in->has_sib = 1;
		in->sib = sib;
		in->scale = (uint8_t)(1u << (sib >> 6));
		in->index = idx == 4 ? -1 : (int8_t)idx;
		if ((sib & 7) == 5 && in->mod == 0)
			in->disp_len = 4;
		else
			in->base = (int8_t)((sib & 7) | rex_b);
	} else if ((in->modrm & 7) == 5 && in->mod == 0) {
		in->disp_len = 4;
		in->rip_rel = in->mode == EMUL_MODE_LONG64;
	} else {
		in->base = (int8_t)in->rm;
	}
	if (in->mod == 1)
		in->disp_len = 1;
	else if (in->mod == 2)
		in->disp_len = 4;
	if (in->disp_len == 1)
		in->disp = (int8_t)p[n];
	else if (in->disp_len == 4)
		in->disp = (int32_t)le(p + n, 4);
	return n + in->disp_len;
}

int emul_decode_short(struct emul_insn *insn, const uint8_t *bytes,
		      size_t avail, enum emul_mode mode)
{
	const uint8_t *p = bytes;
	struct emul_insn *in = insn;    /* left undefined when refusing */
	uint8_t op;

	if (avail < SHORT_MAX_LEN ||
	    (mode != EMUL_MODE_LONG64 && mode != EMUL_MODE_PROT32))
		return 0;
	*in = (struct emul_insn){ .mode = (uint8_t)mode, .base = -1,
				  .index = -1, .scale = 1, .seg = EMUL_SEG_DS };
	if (*p == 0x66) {
		in->pfx = EMUL_PFX_OPSZ;
		p++;
	}
	if (mode == EMUL_MODE_LONG64 && (*p & 0xF0) == 0x40)
		in->rex = *p++;
	op = *p++;
	in->opcode = op;
	in->addrsize = mode == EMUL_MODE_LONG64 ? 8 : 4;
	in->opsize = !(op & 1) ? 1 : (in->rex & 8) ? 8 : in->pfx ? 2 : 4;
	if ((op & 0xFC) == 0xA0) {              /* moffs: no ModRM */
		in->attr = emul_map_1b[op].attr;
		in->imm_len = in->addrsize;
		in->imm = le(p, in->addrsize);
		p += in->addrsize;
	} else {
		in->modrm = *p;
		in->mod = in->modrm >> 6;
		if (in->mod == 3)                /* register operands: never MMIO */
			return 0;
		if ((op & 0xFC) == 0x88)
			in->attr = emul_map_1b[op].attr;
		else if ((op & 0xFE) == 0xC6 && !(in->modrm & 0x38))
			in->attr = (emul_map_1b[op].attr & ~A_LOCK) |
				  emul_groups[GRP_11][0].attr;
		else
			return 0;
		in->has_modrm = 1;
		in->reg = ((in->modrm >> 3) & 7) | ((in->rex & 4) << 1);
		in->rm = (in->modrm & 7) | ((in->rex & 1) << 3);
		p += 1 + modrm_mem(in, p + 1);
		if (in->base == EMUL_RSP || in->base == EMUL_RBP)
			in->seg = EMUL_SEG_SS;   /* SDM 3.7.4 */
		if (op >= 0xC6) {               /* Ib, Iz */
			in->imm_len = in->opsize == 1 ? 1 : in->opsize == 2 ? 2 : 4;
			in->imm = le(p, in->imm_len);
			p += in->imm_len;
		}
	}
	in->len = (uint8_t)(p - bytes);
	return in->len;
}
