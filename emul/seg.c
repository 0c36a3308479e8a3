/*
 * seg.c - logical (segment:offset) to linear address: segment base, limit
 * and type checks outside 64-bit mode, canonical checks in 64-bit mode.
 *
 * Intel SDM Vol. 3A 3.4 (segments), 5.3 (limit checking), 5.4 (type
 * checking), 3.3.7.1 (canonical addressing); Vol. 1 3.3.7. A failed check
 * is #SS(0) for stack-segment references and #GP(0) otherwise. Paging is
 * not done here: the linear address goes to the memory callbacks.
 */
#include "emul_private.h"

static int seg_fault(struct emul_exec *x, unsigned seg)
{
	return emul_raise(x, seg == EMUL_SEG_SS ? 12 : 13, true, 0);
}

/* What a reference needs of the segment's type. */
enum seg_use { USE_READ, USE_WRITE, USE_ANY };

/* SDM 5.4.1: writes need a writable data segment, reads fail only on an
 * execute-only code segment; CLFLUSH takes any (SDM Vol. 2 CLFLUSH: "allowed
 * to flush a linear address in an execute-only segment"). */
static bool type_ok(const struct emul_seg *s, enum seg_use use)
{
	bool code = s->type & 8;

	if (use == USE_ANY)
		return true;
	if (use == USE_WRITE)
		return !code && (s->type & 2);
	return !code || (s->type & 2);
}

/* SDM 5.3: expand-up segments allow [0, limit]; expand-down data segments
 * allow (limit, 0xFFFF] or (limit, 0xFFFFFFFF] by the B flag. */
static bool limit_ok(const struct emul_seg *s, uint64_t off, unsigned size)
{
	uint64_t last = off + size - 1;

	if (!(s->type & 8) && (s->type & 4)) {
		uint64_t upper = s->db ? 0xFFFFFFFFull : 0xFFFFull;

		return off > s->limit && last <= upper;
	}
	return last <= s->limit;
}

/* Segment 'sreg', asking the caller for it the first time this
 * instruction needs it (emul_ops.get_seg). */
const struct emul_seg *emul_seg(const struct emul_exec *x, unsigned sreg)
{
	struct emul_cpu *c = x->cpu;
	const struct emul_ops *ops = x->ctx->ops;

	if (ops->get_seg && !(c->seg_loaded & (1u << sreg))) {
		ops->get_seg(x->ctx->opaque, sreg, &c->seg[sreg]);
		c->seg_loaded |= (uint8_t)(1u << sreg);
	}
	return &c->seg[sreg];
}

static int linear(struct emul_exec *x, unsigned seg, uint64_t off,
		  unsigned size, enum seg_use use, uint64_t *la)
{
	const struct emul_cpu *c = x->cpu;
	const struct emul_seg *s;

	if (c->mode == EMUL_MODE_LONG64) {
		/* Only FS and GS have a base in 64-bit mode (SDM 3.4.4). */
		uint64_t base = (seg == EMUL_SEG_FS || seg == EMUL_SEG_GS) ?
				emul_seg(x, seg)->base : 0;

		*la = base + off;
		if (!emul_canonical(*la) || !emul_canonical(*la + size - 1))
			return seg_fault(x, seg);
		return 0;
	}
	s = emul_seg(x, seg);
	/* Real and virtual-8086 mode: base and limit only (SDM 20.1.1). */
	if (c->mode != EMUL_MODE_REAL && c->mode != EMUL_MODE_VM86) {
		if (s->unusable || !s->present)
			return seg_fault(x, seg);
		if (!type_ok(s, use))
			return seg_fault(x, seg);
	}
	if (!limit_ok(s, off, size))
		return seg_fault(x, seg);
	*la = (s->base + off) & 0xFFFFFFFFull;
	return 0;
}

/* emul_linear() (emul_private.h) beyond its inline 64-bit case. */
int emul_linear_seg(struct emul_exec *x, unsigned seg, uint64_t off,
		    unsigned size, bool write, uint64_t *la)
{
	return linear(x, seg, off, size, write ? USE_WRITE : USE_READ, la);
}

/* seg:off as a reference that any segment type allows (the cache-line
 * flushes): base, limit, presence and the canonical checks only. */
int emul_linear_any(struct emul_exec *x, unsigned seg, uint64_t off,
		    unsigned size, uint64_t *la)
{
	return linear(x, seg, off, size, USE_ANY, la);
}
