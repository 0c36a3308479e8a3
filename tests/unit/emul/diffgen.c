/*
 * diffgen.c - see diffgen.h. Encodings follow SDM Vol. 2A 2.1-2.2.
 */
#include <string.h>

#include "diffgen.h"

bool gen_mode32;

void gen_begin(struct gen *g, struct rng *r, struct dcase *c)
{
	unsigned i;

	memset(g, 0, sizeof(*g));
	g->r = r;
	g->c = c;
	g->m32 = gen_mode32;
	memset(c, 0, sizeof(*c));
	for (i = 0; i < 16; i++)
		c->in.gpr[i] = rng_value(r);
	/* RSP always points into scratch (8-aligned, room both ways). */
	c->in.gpr[4] = SB_SCRATCH + 1024 + 8 * rng_below(r, 768);
	c->in.rflags = 0x202 | (rng_next(r) & 0x8D5); /* arith + DF */
	if (rng_chance(r, 70))
		c->in.rflags &= ~0x400ull;
	for (i = 0; i < SB_SCRATCH_SIZE; i += 8) {
		uint64_t v = rng_next(r);

		memcpy(c->scratch + i, &v, 8);
	}
	g->used_regs = 1u << 4;
}

void gen_prefix(struct gen *g, uint8_t p)
{
	if (g->npfx < sizeof(g->pfx))
		g->pfx[g->npfx++] = p;
}

void gen_opsize(struct gen *g, unsigned size)
{
	if (size == 2)
		gen_prefix(g, 0x66);
	else if (size == 8)
		g->rex |= 8;
}

void gen_opcode(struct gen *g, const uint8_t *op, unsigned n)
{
	memcpy(g->op, op, n);
	g->nop = n;
}

void gen_modrm_reg(struct gen *g, unsigned reg, unsigned rm)
{
	g->has_modrm = true;
	g->modrm = (uint8_t)(0xC0 | ((reg & 7) << 3) | (rm & 7));
	if (reg & 8)
		g->rex |= 4;
	if (rm & 8)
		g->rex |= 1;
	if (!g->m32 && rng_chance(g->r, 30))
		g->force_rex = true;
}

unsigned gen_reg(struct gen *g, uint16_t avoid)
{
	unsigned r;

	do
		r = rng_below(g->r, g->m32 ? 8 : 16);
	while ((avoid >> r) & 1);
	return r;
}

uint64_t gen_target(struct gen *g, unsigned size)
{
	if (rng_chance(g->r, 10)) /* straddle the page boundary */
		return SB_SCRATCH + 4096 - rng_below(g->r, size ? size : 1);
	return SB_SCRATCH + 64 + rng_below(g->r, SB_SCRATCH_SIZE - 128);
}

static bool fits8(int64_t v)
{
	return v >= -128 && v <= 127;
}

void gen_modrm_mem(struct gen *g, unsigned reg, unsigned size,
		   bool allow_fault)
{
	struct dcase *c = g->c;
	uint64_t target = gen_target(g, size);
	unsigned form = rng_below(g->r, 6), base, index, scale;
	uint64_t amask, idxval = 0, baseval;
	int64_t disp;

	if (allow_fault && rng_chance(g->r, 3)) {
		/* Off the end of scratch: a #PF natively and emulated. */
		target = SB_SCRATCH + SB_SCRATCH_SIZE - rng_below(g->r, 4) +
			 rng_below(g->r, 64);
		c->may_fault = true;
	}
	g->ea = target;
	if (!g->m32 && rng_chance(g->r, 10)) {
		gen_prefix(g, 0x65);            /* gs: */
		target -= GEN_GS_BASE;
	}
	/* 67h: 32-bit addressing in 64-bit mode. (In 32-bit mode it would
	 * select 16-bit addressing, which cannot reach the scratch pages.) */
	g->addr32 = !g->m32 && rng_chance(g->r, 20);
	if (g->addr32)
		gen_prefix(g, 0x67);
	amask = g->addr32 ? 0xFFFFFFFFull : ~0ull;
	g->has_modrm = true;
	if (reg & 8)
		g->rex |= 4;
	reg &= 7;
	if (form == 0 && g->m32) { /* [disp32] without SIB */
		g->modrm = (uint8_t)((reg << 3) | 5);
		g->disp_len = 4;
		g->disp = (int64_t)target;
		return;
	}
	if (form == 0) { /* RIP-relative */
		g->modrm = (uint8_t)((reg << 3) | 5);
		g->riprel = true;
		g->target = target;
		g->disp_len = 4;
		return;
	}
	if (form == 1) { /* [disp32] through SIB, no base, no index */
		g->modrm = (uint8_t)((reg << 3) | 4);
		g->has_sib = true;
		g->sib = 0x25;
		g->disp_len = 4;
		g->disp = (int64_t)target;
		return;
	}
	base = gen_reg(g, g->used_regs & ~(1u << 4));
	index = 4;
	scale = 0;
	if (form >= 4) { /* base + index*scale */
		index = gen_reg(g, (uint16_t)(g->used_regs | (1u << base)));
		scale = rng_below(g->r, 4);
		idxval = (uint64_t)((int64_t)rng_below(g->r, 64) - 32);
		if (g->addr32)
			idxval = (idxval & 0xFFFFFFFF) | (rng_next(g->r) << 32);
	}
	/* Displacement: none, disp8 or disp32; RBP/R13 bases need one. */
	disp = 0;
	switch (rng_below(g->r, 3)) {
	case 0: g->disp_len = 0; break;
	case 1: g->disp_len = 1; disp = (int64_t)rng_below(g->r, 256) - 128;
		break;
	default: g->disp_len = 4;
		disp = (int64_t)rng_below(g->r, 1u << 20) - (1 << 19); break;
	}
	if (g->disp_len == 0 && (base & 7) == 5)
		g->disp_len = 1;
	if (base == 4) {
		/* RSP keeps its scratch value: solve for the displacement. */
		baseval = c->in.gpr[4];
		disp = (int64_t)(target - baseval - (idxval << scale));
		g->disp_len = fits8(disp) ? 1 : 4;
	} else {
		baseval = (target - (uint64_t)disp - (idxval << scale)) & amask;
		if (g->addr32)
			baseval |= rng_next(g->r) << 32;
	}
	g->disp = disp;
	c->in.gpr[base] = baseval;
	g->used_regs |= (uint16_t)(1u << base);
	if (index != 4) {
		c->in.gpr[index] = idxval;
		g->used_regs |= (uint16_t)(1u << index);
	}
	if (base & 8)
		g->rex |= 1;
	if (index & 8)
		g->rex |= 2;
	g->modrm = (uint8_t)(((g->disp_len == 0 ? 0 : g->disp_len == 1 ? 1 : 2)
			      << 6) | (reg << 3));
	if ((base & 7) == 4 || index != 4 || rng_chance(g->r, 20)) {
		g->modrm |= 4;
		g->has_sib = true;
		g->sib = (uint8_t)((scale << 6) | ((index & 7) << 3) |
				   (base & 7));
	} else {
		g->modrm |= base & 7;
	}
}

void gen_imm(struct gen *g, uint64_t v, unsigned n)
{
	memcpy(g->imm, &v, n);
	g->nimm = n;
}

void gen_vex(struct gen *g, unsigned map, unsigned pp, unsigned vvvv)
{
	g->vex = true;
	g->vex_map = (uint8_t)map;
	g->vex_pp = (uint8_t)pp;
	g->vex_vvvv = (uint8_t)vvvv;
}

/* C4 [~R ~X ~B mmmmm] [W ~vvvv L=0 pp] (SDM Vol. 2 2.3.5). */
static unsigned put_vex(const struct gen *g, uint8_t *code)
{
	code[0] = 0xC4;
	code[1] = (uint8_t)((~g->rex & 7) << 5 | g->vex_map);
	code[2] = (uint8_t)((g->rex & 8) << 4 | (~g->vex_vvvv & 0xF) << 3 | g->vex_pp);
	return 3;
}

void gen_end(struct gen *g)
{
	struct dcase *c = g->c;
	unsigned n = 0, disp_at = 0;

	memcpy(c->code, g->pfx, g->npfx);
	n = g->npfx;
	if (g->vex)
		n += put_vex(g, c->code + n);
	else if (g->rex || g->force_rex)
		c->code[n++] = 0x40 | g->rex;
	memcpy(c->code + n, g->op, g->nop);
	n += g->nop;
	if (g->has_modrm)
		c->code[n++] = g->modrm;
	if (g->has_sib)
		c->code[n++] = g->sib;
	disp_at = n;
	n += g->disp_len;
	memcpy(c->code + n, g->imm, g->nimm);
	n += g->nimm;
	c->len = n;
	if (g->riprel) {
		uint64_t next = sb_insn_addr() + n;

		g->disp = (int64_t)(g->target - next);
		if (g->addr32)
			g->disp = (int64_t)(int32_t)(uint32_t)(g->target - next);
	}
	memcpy(c->code + disp_at, &g->disp, g->disp_len);
}
