/*
 * execute.c - emul_execute(): fetch and decode at RIP, run the handler on a
 * working copy of the registers, commit, and drive REP iterations and the
 * MMIO/IO completion protocol (see mem.c for the replay log).
 *
 * Called on the hypervisor's exit path (one context per vCPU, no locks, no
 * allocation) and from host tests.
 */
#include "emul_private.h"

#define DEFAULT_REP_LIMIT 4096u

void emul_init(struct emul_ctx *ctx, const struct emul_ops *ops, void *opaque)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->ops = ops;
	ctx->opaque = opaque;
}

static void reset_log(struct emul_ctx *ctx)
{
	ctx->nreads = 0;
	ctx->writes_done = 0;
	ctx->x87_done = 0;
}

void emul_abort(struct emul_ctx *ctx)
{
	ctx->busy = 0;
	ctx->fetching = 0;
	reset_log(ctx);
}

bool emul_busy(const struct emul_ctx *ctx)
{
	return ctx->busy;
}

int emul_complete_read(struct emul_ctx *ctx, const void *data, unsigned len)
{
	struct emul_read_slot *s;

	/* The pending read is always the last one logged: the run stopped
	 * right after logging it. */
	if (!ctx->busy || ctx->nreads == 0)
		return -1;
	s = &ctx->reads[ctx->nreads - 1];
	if (s->done || s->kind == 0 || len != s->len)
		return -1;
	memcpy(s->data, data, len);
	s->done = 1;
	return 0;
}

/* Real-mode exceptions push no error code (SDM Vol. 3A 20.1.4). */
int emul_raise(struct emul_exec *x, uint8_t vector, bool has_ec, uint32_t ec)
{
	struct emul_result *r = x->res;

	r->status = EMUL_EXCEPTION;
	r->event.vector = vector;
	r->event.has_error_code = has_ec && x->cpu->mode != EMUL_MODE_REAL;
	r->event.error_code = r->event.has_error_code ? ec : 0;
	r->event.cr2 = 0;
	return EX_STOP;
}

int emul_gp0(struct emul_exec *x)
{
	return emul_raise(x, 13, true, 0);
}

int emul_unsupported(struct emul_exec *x, uint8_t reason)
{
	x->res->status = EMUL_UNSUPPORTED;
	x->res->reason = reason;
	return EX_STOP;
}

void emul_retire(struct emul_exec *x)
{
	x->cpu->rip = x->next_rip;
}

static uint64_t ip_mask(const struct emul_cpu *c)
{
	if (c->mode == EMUL_MODE_LONG64)
		return ~0ull;
	return c->mode == EMUL_MODE_PROT32 ? 0xFFFFFFFFull : 0xFFFFull;
}

/* fetch(): the bytes are in a device's memory (fetch_mmio.c reads them). */
#define FETCH_IN_MMIO 2

static inline __attribute__((always_inline)) int
fetch(struct emul_exec *x, uint64_t la, uint8_t *buf, unsigned n)
{
	struct emul_event ev = { 0 };
	uint64_t gpa = 0;
	enum emul_mem_status st;

	st = x->ctx->ops->fetch(x->ctx->opaque, la, buf, n,
				EMUL_ACC_FETCH | emul_user_acc(x->cpu), &gpa,
				&ev);
	if (st == EMUL_MEM_FAULT) {
		x->res->status = EMUL_EXCEPTION;
		x->res->event = ev;
		return EX_STOP;
	}
	if (st == EMUL_MEM_MMIO)
		return FETCH_IN_MMIO;
	return EX_OK;
}

/* Does ctx->insn hold the decoding of these bytes in this mode for this
 * vendor? Compared eight bytes at a time: both buffers have room for 16. */
static bool decoded_already(const struct emul_ctx *ctx, const uint8_t *buf,
			    unsigned n, const struct emul_cpu *c)
{
	unsigned len = ctx->insn_bytes_len;
	uint64_t a[2], b[2], mask_hi;

	if (!len || len > n || ctx->insn.mode != c->mode ||
	    ctx->insn.vendor != c->vendor)
		return false;
	__builtin_memcpy(a, buf, sizeof(a));
	__builtin_memcpy(b, ctx->insn_bytes, sizeof(b));
	if (len < 8)
		return !((a[0] ^ b[0]) & ((1ull << (8 * len)) - 1));
	mask_hi = len == 8 ? 0 : (1ull << (8 * (len - 8))) - 1;
	return a[0] == b[0] && !((a[1] ^ b[1]) & mask_hi);
}

/* Where the instruction at RIP starts (*la) and how many bytes it may
 * have (*avail): 15 (SDM 2.3.11), fewer where the CS limit comes first
 * (SDM 5.3: fetching past it is #GP(0)). 0, or EX_STOP with #GP(0). */
int emul_fetch_window(struct emul_exec *x, uint64_t *la, unsigned *avail)
{
	const struct emul_cpu *c = x->cpu;
	uint64_t ip = c->rip;

	*avail = EMUL_MAX_INSN_LEN;
	if (c->mode == EMUL_MODE_LONG64) {
		*la = ip;
		return emul_canonical(ip) ? 0 : emul_gp0(x);
	}
	const struct emul_seg *cs = emul_seg(x, EMUL_SEG_CS);

	ip &= 0xFFFFFFFFull;
	if (ip > cs->limit)
		return emul_gp0(x);
	if (cs->limit - ip + 1 < *avail)
		*avail = (unsigned)(cs->limit - ip + 1);
	*la = (cs->base + ip) & 0xFFFFFFFFull;
	return 0;
}

/* The end of a fetch: emul_decode()'s answer rc for all the bytes the
 * instruction may have, or for enough of them. 0 with ctx->insn and its
 * handler set, or EX_STOP with the fault. */
int emul_fetch_decoded(struct emul_exec *x, int rc)
{
	switch (rc) {
	case EMUL_E_NEED_MORE: /* ran into the CS limit */
	case EMUL_E_TOO_LONG:  /* SDM 2.3.11: > 15 bytes is #GP(0) */
		return emul_gp0(x);
	case EMUL_E_UD:
		return emul_raise(x, 6, false, 0);
	default:
		x->ctx->handler = (void (*)(void))emul_handler_of(&x->ctx->insn);
		return EX_OK;
	}
}

/* Fetch only the bytes the decoder needs: a fault on the next page, or the
 * CS limit, matters only if the instruction really extends there. The
 * decoding lands in ctx->insn. Code in MMIO goes on in fetch_mmio.c. */
static int fetch_decode(struct emul_exec *x)
{
	struct emul_ctx *ctx = x->ctx;
	struct emul_insn *insn = &ctx->insn;
	const struct emul_cpu *c = x->cpu;
	uint8_t buf[16];                /* EMUL_MAX_INSN_LEN, and room for
					 * decoded_already()'s 8-byte loads */
	uint64_t la;
	unsigned avail, n1;
	int rc;

	rc = emul_fetch_window(x, &la, &avail);
	if (rc)
		return rc;
	n1 = 4096u - (unsigned)(la & 4095);
	if (n1 > avail)
		n1 = avail;
	rc = fetch(x, la, buf, n1);
	if (rc == FETCH_IN_MMIO) {
		ctx->fetch_len = 0;
		return emul_fetch_mmio(x, la, avail);
	}
	if (rc)
		return rc;
	if (decoded_already(ctx, buf, n1, c))
		return EX_OK;
	ctx->insn_bytes_len = 0;        /* insn is about to change */
	rc = emul_decode(insn, buf, n1, (enum emul_mode)c->mode,
			 (enum emul_vendor)c->vendor);
	if (rc == EMUL_E_NEED_MORE && n1 < avail) {
		uint64_t la2 = la + n1;

		if (c->mode != EMUL_MODE_LONG64)
			la2 &= 0xFFFFFFFFull;
		else if (!emul_canonical(la2))  /* SDM 3.3.7.1: #GP(0) */
			return emul_gp0(x);
		rc = fetch(x, la2, buf + n1, avail - n1);
		if (rc == FETCH_IN_MMIO) {      /* RAM, then a device's page */
			memcpy(ctx->insn_bytes, buf, n1);
			ctx->fetch_len = (uint8_t)n1;
			return emul_fetch_mmio(x, la, avail);
		}
		if (rc)
			return rc;
		rc = emul_decode(insn, buf, avail, (enum emul_mode)c->mode,
				 (enum emul_vendor)c->vendor);
	}
	if (emul_fetch_decoded(x, rc))
		return EX_STOP;
	memcpy(ctx->insn_bytes, buf, insn->len);
	ctx->insn_bytes_len = insn->len;
	return EX_OK;
}

_Static_assert(offsetof(struct emul_cpu, rflags) ==
	       offsetof(struct emul_cpu, regs.rflags), "regs aliases the registers");

/* Finish a run that returned EX_OK (its changes are already in *cpu):
 * decide what to report. */
static bool commit(struct emul_ctx *ctx, struct emul_cpu *cpu,
		   struct emul_exec *x, bool tf, unsigned *iter)
{
	struct emul_result *res = x->res;

	if (!x->rep_more && !x->keep_rf)
		cpu->rflags &= ~(uint64_t)EMUL_FL_RF;
	reset_log(ctx);
	res->shadow = x->ss_shadow ? EMUL_SHADOW_MOV_SS :
		      x->sti_shadow ? EMUL_SHADOW_STI : EMUL_SHADOW_NONE;
	res->halted = x->halt;
	if (x->out_pending) {
		res->retired = !x->rep_more;
		res->tf_trap = res->retired && tf;
		ctx->busy = 0;
		return true;
	}
	if (!x->rep_more) {
		res->status = EMUL_DONE;
		res->retired = 1;
		res->tf_trap = tf;
		ctx->busy = 0;
		return true;
	}
	if (++*iter >= (ctx->rep_limit ? ctx->rep_limit : DEFAULT_REP_LIMIT)) {
		/* RIP still on the instruction: the guest resumes it. */
		res->status = EMUL_DONE;
		res->retired = 0;
		ctx->busy = 0;
		return true;
	}
	return false;
}

/* A run stopped (EX_STOP): undo its register changes, say what happened. */
static enum emul_status stopped(struct emul_ctx *ctx, struct emul_cpu *cpu,
				const struct emul_regs *snap, uint16_t written,
				struct emul_result *res)
{
	if (snap)
		cpu->regs = *snap;
	cpu->gpr_written = written;     /* nothing of the run remains */
	switch (res->status) {
	case EMUL_MMIO_READ:
	case EMUL_IO_IN:
		break;
	case EMUL_MMIO_WRITE:
	case EMUL_IO_OUT:
		/* A second write in one run: this one is out, nothing
		 * committed, the next call resumes. */
		res->retired = 0;
		break;
	default:
		emul_abort(ctx);
		break;
	}
	return (enum emul_status)res->status;
}

/*
 * The usual end of an MMIO round trip: a MOV load (8A/8B with a memory
 * operand, A0/A1) whose single read the caller has just answered.
 * Replaying the handler would repeat checks that passed on the first run
 * (on the same state: the caller may not change it in between) only to
 * put the data in a register, so do just that and what commit() does.
 * false: anything else, which is replayed.
 */
static bool finish_load(struct emul_ctx *ctx, struct emul_cpu *cpu,
			struct emul_result *res, bool tf)
{
	const struct emul_insn *in = &ctx->insn;
	const struct emul_read_slot *s = &ctx->reads[0];
	struct emul_exec x = { .ctx = ctx, .insn = in, .cpu = cpu, .res = res };
	uint64_t v;
	unsigned reg;

	if (in->map != EMUL_MAP_1B || in->vex != EMUL_VEX_NONE ||
	    ctx->nreads != 1 || !s->done || s->len != in->opsize)
		return false;           /* also a read split across pages */
	if ((in->opcode == 0x8A || in->opcode == 0x8B) && in->mem)
		reg = in->reg;
	else if (in->opcode == 0xA0 || in->opcode == 0xA1)
		reg = EMUL_RAX;
	else
		return false;
	__builtin_memcpy(&v, s->data, sizeof(v));      /* data[] is 8 bytes */
	emul_reg_set(&x, reg, in->opsize, v & emul_size_mask(s->len));
	cpu->rip = (cpu->rip + in->len) & ip_mask(cpu);
	cpu->rflags &= ~(uint64_t)EMUL_FL_RF;
	reset_log(ctx);
	ctx->busy = 0;
	res->status = EMUL_DONE;
	res->retired = 1;
	res->tf_trap = tf;
	return true;
}

/* A freshly decoded instruction in virtual-8086 mode: what the mode
 * forbids or the emulator does not model there (vm86.c). */
static int vm86_refuses(struct emul_exec *x)
{
	if (x->cpu->mode != EMUL_MODE_VM86)
		return EX_OK;
	return emul_vm86_check(x);
}

/* The fetch stopped: a fault ends the instruction, a read of its bytes
 * from a device keeps it in progress (fetch_mmio.c). */
static enum emul_status fetch_stopped(struct emul_ctx *ctx,
				      struct emul_result *res)
{
	if (res->status != EMUL_MMIO_READ)
		emul_abort(ctx);
	return (enum emul_status)res->status;
}

/* The MOV handlers change registers only after their last access, so a
 * stopped run has changed nothing and needs no copy to undo. */
static bool changes_regs_before_stop(emul_handler_fn fn)
{
	return fn != emul_exec_mov && fn != emul_exec_mov_imm &&
	       fn != emul_exec_mov_moffs;
}

/* Handlers work on *cpu directly; each run is a transaction whose register
 * changes stopped() takes back. Saving only struct emul_regs (144 bytes,
 * the only part handlers change) instead of copying the whole state in and
 * out keeps an MMIO exit short. */
enum emul_status emul_execute(struct emul_ctx *ctx, struct emul_cpu *cpu,
			      struct emul_result *res)
{
	struct emul_exec x = { .ctx = ctx, .insn = &ctx->insn, .cpu = cpu,
			       .res = res };
	struct emul_regs snap, *undo;
	uint16_t written;
	bool tf = cpu->rflags & EMUL_FL_TF;
	emul_handler_fn fn;
	unsigned iter = 0;

	*res = (struct emul_result){ 0 };
	if (!ctx->busy) {
		reset_log(ctx);
		if (fetch_decode(&x) || vm86_refuses(&x))
			return fetch_stopped(ctx, res);
	} else if (ctx->fetching) {
		if (emul_fetch_mmio_resume(&x) || vm86_refuses(&x))
			return fetch_stopped(ctx, res);
	} else if (finish_load(ctx, cpu, res, tf)) {
		return EMUL_DONE;
	}
	fn = (emul_handler_fn)ctx->handler;     /* set with ctx->insn */
	if (!fn) {
		ctx->busy = 0;
		emul_unsupported(&x, ctx->insn.vex ? EMUL_R_VEX : EMUL_R_OPCODE);
		return EMUL_UNSUPPORTED;
	}
	ctx->busy = 1;
	for (;;) {
		undo = NULL;
		written = cpu->gpr_written;
		if (changes_regs_before_stop(fn)) {
			snap = cpu->regs;
			undo = &snap;
		}
		x.next_rip = (cpu->rip + ctx->insn.len) & ip_mask(cpu);
		x.rd_idx = x.wr_idx = 0;
		x.out_pending = x.rep_more = x.ss_shadow = x.keep_rf = 0;
		x.into_handler = x.sti_shadow = x.halt = 0;
		if (fn(&x) != EX_OK)
			return stopped(ctx, cpu, undo, written, res);
		if (commit(ctx, cpu, &x, tf && !x.ss_shadow && !x.into_handler, &iter))
			return (enum emul_status)res->status;
	}
}

const char *emul_reason_str(unsigned reason)
{
	switch (reason) {
	case EMUL_R_NONE: return "none";
	case EMUL_R_OPCODE: return "instruction not emulated";
	case EMUL_R_VEX: return "VEX/EVEX/XOP instruction";
	case EMUL_R_FETCH_MMIO: return "instruction fetch from MMIO";
	case EMUL_R_MODE: return "virtual-8086 mode";
	case EMUL_R_IO_PERM: return "IO permission bitmap needed";
	case EMUL_R_PROTOCOL: return "completion protocol violated";
	case EMUL_R_TASK_GATE: return "event delivery through a task gate";
	case EMUL_R_TASK_SWITCH: return "task switch (far JMP/CALL to a TSS or task gate, IRET with NT)";
	case EMUL_R_EVENT: return "event delivery not emulated";
	default: return "unknown";
	}
}
