/*
 * deliver.c - emul_deliver_event(): deliver an exception or interrupt as
 * the CPU does, for a caller whose CPU found the delivery touching MMIO
 * (the IDT, a descriptor table, the TSS or the new stack outside RAM).
 *
 * Here: the entry point and its MMIO protocol (the delivery is replayed
 * like an instruction, mem.c), the stack frame, real-address mode (SDM
 * Vol. 3 20.1.4) and the double-fault escalation (SDM Vol. 3 6.15, Table
 * 6-5). The gates of protected and IA-32e mode are in deliver_gate.c.
 */
#include "deliver.h"

#define VEC_DF 8
#define VEC_GP 13
#define VEC_SS 12

int dlv_fault(struct dlv *d, uint8_t vector, uint32_t ec)
{
	return emul_raise(d->x, vector, true, ec);
}

/* System structures are read with supervisor rights whatever the CPL
 * (SDM Vol. 3 4.6: implicit supervisor-mode accesses). */
int dlv_sys_read(struct dlv *d, uint64_t la, unsigned size, uint64_t *val)
{
	return emul_read_linear(d->x, la, size, EMUL_ACC_SYS, val);
}

/* SDM Vol. 3 5.3: expand-up [0, limit]; expand-down (limit, 0xFFFF] or
 * (limit, 0xFFFFFFFF] by the B flag. */
static bool in_limit(const struct emul_seg *s, uint64_t off, unsigned size)
{
	uint64_t last = off + size - 1;

	if (!(s->type & 8) && (s->type & 4))
		return off > s->limit && last <= (s->db ? 0xFFFFFFFFull : 0xFFFFull);
	return last <= s->limit;
}

int dlv_frame_place(struct dlv *d, const struct emul_seg *ss, uint64_t sp,
		    unsigned sp_size, struct dlv_frame *f, uint32_t ss_ec,
		    uint64_t *new_sp)
{
	uint64_t mask = emul_size_mask(sp_size);
	unsigned w = f->width;

	for (unsigned i = 0; i < f->n; i++) {
		uint64_t off = (sp - (uint64_t)(i + 1) * w) & mask;

		if (sp_size == 8) {
			if (!emul_canonical(off) || !emul_canonical(off + w - 1))
				return dlv_fault(d, VEC_SS, ss_ec);
			f->la[i] = off;
		} else {
			if (!in_limit(ss, off, w))
				return dlv_fault(d, VEC_SS, ss_ec);
			f->la[i] = (ss->base + off) & 0xFFFFFFFFull;
		}
	}
	*new_sp = (sp & ~mask) | ((sp - (uint64_t)f->n * w) & mask);
	return EX_OK;
}

int dlv_frame_probe(struct dlv *d, const struct dlv_frame *f)
{
	for (unsigned i = 0; i < f->n; i++) {
		int rc = emul_probe_linear(d->x, f->la[i], f->width);

		if (rc)
			return rc;
	}
	return EX_OK;
}

int dlv_frame_write(struct dlv *d, const struct dlv_frame *f)
{
	for (unsigned i = 0; i < f->n; i++) {
		int rc = emul_write_linear(d->x, f->la[i], f->width, 0,
				       f->val[i] & emul_size_mask(f->width));

		if (rc)
			return rc;
	}
	return EX_OK;
}

uint64_t dlv_handler_flags(uint64_t flags, bool interrupt_gate)
{
	flags &= ~(uint64_t)(EMUL_FL_TF | EMUL_FL_RF | EMUL_FL_VM |
			     (1u << 14) /* NT */);
	if (interrupt_gate)
		flags &= ~(uint64_t)EMUL_FL_IF;
	return flags;
}

/*
 * Real-address mode (SDM Vol. 3 20.1.4, the INT n pseudo-code's
 * REAL-ADDRESS-MODE): a 4-byte IVT entry within the IDTR limit (else
 * #GP), FLAGS, CS and IP pushed (a push outside the SS limit is #SS), IF,
 * TF, AC and RF cleared. CS gets only a new selector and base; its limit
 * and attributes stay, as for any real-mode far transfer.
 */
static int deliver_real(struct dlv *d)
{
	struct emul_exec *x = d->x;
	struct emul_cpu *c = x->cpu;
	const struct emul_seg *ss = emul_seg(x, EMUL_SEG_SS);
	const struct emul_seg *cs = emul_seg(x, EMUL_SEG_CS);
	struct dlv_frame f = { .width = 2 };
	uint64_t base, ent, sp;
	uint16_t limit;
	int rc;

	x->ctx->ops->get_dtable(x->ctx->opaque, EMUL_DTABLE_IDT, &base, &limit);
	if (d->ev->vector * 4u + 3 > limit)
		return dlv_fault(d, VEC_GP, 0);
	rc = dlv_sys_read(d, (base + d->ev->vector * 4u) & 0xFFFFFFFFull, 4, &ent);
	if (rc)
		return rc;
	dlv_frame_add(&f, d->flags);
	dlv_frame_add(&f, cs->sel);
	dlv_frame_add(&f, d->ret_ip);
	rc = dlv_frame_place(d, ss, c->gpr[EMUL_RSP], ss->db ? 4 : 2, &f, 0, &sp);
	if (rc)
		return rc;
	rc = dlv_frame_probe(d, &f);
	if (!rc)
		rc = dlv_frame_write(d, &f);
	if (rc)
		return rc;
	c->gpr[EMUL_RSP] = sp;
	c->seg[EMUL_SEG_CS].sel = (uint16_t)(ent >> 16);
	c->seg[EMUL_SEG_CS].base = (ent >> 16) << 4;
	c->seg_written |= 1u << EMUL_SEG_CS;
	c->rip = ent & 0xFFFF;
	c->rflags &= ~(uint64_t)(EMUL_FL_IF | EMUL_FL_TF | EMUL_FL_AC | EMUL_FL_RF);
	return EX_OK;
}

/* Exception classes of SDM Vol. 3 Table 6-4 (#VE counts with page faults,
 * #CP with the contributory ones). Interrupts and software events are
 * benign: only a hardware exception can make a double fault. */
enum { CLASS_BENIGN, CLASS_CONTRIB, CLASS_PF, CLASS_DF };

static unsigned exc_class(uint8_t vector)
{
	switch (vector) {
	case 0: case 10: case 11: case 12: case 13: case 21:
		return CLASS_CONTRIB;
	case 14: case 20:
		return CLASS_PF;
	case VEC_DF:
		return CLASS_DF;
	default:
		return CLASS_BENIGN;
	}
}

/*
 * The delivery of ev raised res->event: SDM Vol. 3 Table 6-5 (AMD APM
 * Vol. 2 8.2.9 agrees for the faults delivery can raise). A contributory
 * fault while delivering a contributory one, or a contributory fault or
 * page fault while delivering a page fault, is #DF(0); either while
 * delivering #DF is a shutdown. Otherwise the new fault is delivered.
 */
static enum emul_status escalate(const struct emul_deliver *ev,
				 const struct emul_cpu *cpu,
				 struct emul_result *res)
{
	unsigned first, second = exc_class(res->event.vector);

	if (ev->kind != EMUL_EV_HWEXC || second == CLASS_BENIGN)
		return EMUL_EXCEPTION;
	first = exc_class(ev->vector);
	if (first == CLASS_DF) {
		res->status = EMUL_SHUTDOWN;
		return EMUL_SHUTDOWN;
	}
	if ((first == CLASS_CONTRIB && second == CLASS_CONTRIB) ||
	    first == CLASS_PF) {
		res->event = (struct emul_event){
			.vector = VEC_DF,
			.has_error_code = cpu->mode != EMUL_MODE_REAL,
		};
	}
	return EMUL_EXCEPTION;
}

/* Exceptions that are faults: the RFLAGS image they push has RF set, so
 * that returning re-executes the instruction without its instruction
 * breakpoint (SDM Vol. 3 18.3.1.1). #DB is taken as a trap: its fault
 * forms are not told apart from the trap forms in what the exit gives. */
static bool is_fault(const struct emul_deliver *ev)
{
	switch (ev->vector) {
	case 1: case 3: case 4: case VEC_DF: case 18:
		return false;
	default:
		return ev->kind == EMUL_EV_HWEXC && ev->vector < 32;
	}
}

static uint64_t ip_mask(const struct emul_cpu *c)
{
	if (c->mode == EMUL_MODE_LONG64)
		return ~0ull;
	return c->mode == EMUL_MODE_PROT32 ? 0xFFFFFFFFull : 0xFFFFull;
}

static void dlv_init(struct dlv *d, struct emul_exec *x,
		     const struct emul_deliver *ev)
{
	const struct emul_cpu *c = x->cpu;
	bool soft = ev->kind == EMUL_EV_SOFTINT || ev->kind == EMUL_EV_SOFTEXC;

	d->x = x;
	d->ev = ev;
	/* SDM Vol. 3 6.13: EXT is clear only for INT n, INT3 and INTO;
	 * INT1 is delivered as a hardware event */
	d->ext = soft ? 0 : 1;
	x->ext = (uint8_t)d->ext;       /* an #AC on the frame's pushes */
	d->ret_ip = c->rip;
	if (soft || ev->kind == EMUL_EV_ICEBP)
		d->ret_ip = (c->rip + ev->insn_len) & ip_mask(c);
	d->flags = c->rflags | (is_fault(ev) ? EMUL_FL_RF : 0);
}

static int deliver(struct dlv *d)
{
	const struct emul_cpu *c = d->x->cpu;

	if (!(c->cr0 & 1))
		return deliver_real(d);
	if (c->efer & (1u << 10))       /* EFER.LMA: IA-32e mode */
		return dlv_long(d);
	return dlv_protected(d);
}

/* INT n, INT3, INTO and INT1 run by the emulator (their bytes came from
 * MMIO): the same delivery, inside the instruction's run, so its reads
 * and writes follow the instruction protocol. TF is cleared on the way
 * into the handler: no single-step trap follows (SDM Vol. 3 17.3.1.4). */
int emul_deliver_insn(struct emul_exec *x, const struct emul_deliver *ev)
{
	struct emul_cpu *cpu = x->cpu, work = *cpu;
	struct dlv d;
	int rc;

	if (!x->ctx->ops->get_dtable || !x->ctx->ops->get_sysseg)
		return emul_unsupported(x, EMUL_R_EVENT);
	/* on a copy, as emul_deliver_event(): a fault or a request part way
	 * must leave the segments, CPL and mode as they were, which the
	 * instruction's undo (registers only) would not */
	x->cpu = &work;
	dlv_init(&d, x, ev);
	rc = deliver(&d);
	x->cpu = cpu;
	x->ext = 0;
	if (rc)
		return rc;
	*cpu = work;
	cpu->gpr_written |= 1u << EMUL_RSP;
	x->into_handler = 1;
	return EX_OK;
}

/* A run stopped: a request goes out (the delivery stays in progress), or
 * it faulted or cannot be done (forgotten). */
static enum emul_status stopped(struct emul_ctx *ctx, const struct emul_cpu *cpu,
				const struct emul_deliver *ev,
				struct emul_result *res)
{
	switch (res->status) {
	case EMUL_MMIO_READ:
		return EMUL_MMIO_READ;
	case EMUL_MMIO_WRITE:
		res->retired = 0;       /* a second write: the next call goes on */
		return EMUL_MMIO_WRITE;
	case EMUL_EXCEPTION:
		emul_abort(ctx);
		return escalate(ev, cpu, res);
	default:
		emul_abort(ctx);
		return (enum emul_status)res->status;
	}
}

enum emul_status emul_deliver_event(struct emul_ctx *ctx, struct emul_cpu *cpu,
				    const struct emul_deliver *ev,
				    struct emul_result *res)
{
	struct emul_cpu work = *cpu;
	struct emul_exec x = { .ctx = ctx, .insn = &ctx->insn, .cpu = &work,
				.res = res };
	struct dlv d;

	*res = (struct emul_result){ 0 };
	/* an NMI goes as an external interrupt through vector 2; that it
	 * blocks NMIs until IRET is the caller's */
	if (!ctx->ops->get_dtable || !ctx->ops->get_sysseg) {
		emul_abort(ctx);
		emul_unsupported(&x, EMUL_R_EVENT);
		return EMUL_UNSUPPORTED;
	}
	if (!ctx->busy)
		emul_abort(ctx);        /* a fresh log */
	ctx->busy = 1;
	dlv_init(&d, &x, ev);
	if (deliver(&d) != EX_OK)
		return stopped(ctx, cpu, ev, res);
	work.gpr_written |= 1u << EMUL_RSP;
	*cpu = work;
	emul_abort(ctx);
	res->retired = 1;
	res->status = x.out_pending ? EMUL_MMIO_WRITE : EMUL_DONE;
	return (enum emul_status)res->status;
}
