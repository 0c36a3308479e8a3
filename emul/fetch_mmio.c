/*
 * fetch_mmio.c - instruction bytes in a device's memory (a guest running
 * code from a ROM or buffer that is MMIO: every such fetch makes a nested
 * page fault / EPT violation whose address is the code).
 *
 * The fetch callback says EMUL_MEM_MMIO; the bytes are then read through
 * EMUL_MMIO_READ requests, one chunk per round trip, and the instruction is
 * decoded after each chunk until the decoder has enough. The granularity:
 * a chunk starts at the first byte not yet fetched and is the largest
 * naturally aligned piece of 1, 2, 4 or 8 bytes there that stays within
 * the bytes the instruction may have (15, fewer before the CS limit), so it
 * never crosses a page. The device thus sees aligned reads that walk
 * forward from RIP, never a byte before it, never past the 15-byte or CS
 * limit, and past the instruction's end only within the chunk that holds
 * its last byte. Each byte is read once: the fetched bytes stay in
 * ctx->insn_bytes (ctx->fetch_len of them) across the round trips, and the
 * pending chunk in ctx->reads[0], which emul_complete_read() fills.
 *
 * Permissions are the fetch's (EMUL_ACC_FETCH: NX, U/S, SMEP in the
 * callback), asked for each chunk's page. Faults keep the order of RAM
 * fetches: a page fault, or #GP(0) for the CS limit or a non-canonical
 * address, only where the instruction really reaches (SDM Vol. 3A 6.15
 * #PF, 5.3 limit checks, Vol. 1 3.3.7.1 canonical addresses). Bytes from a
 * device are not kept as the decode cache (ctx->insn_bytes_len stays 0):
 * the next instruction there is read from the device again.
 */
#include "emul_private.h"

#define PAGE_SIZE 4096u

/* The chunk at la when left bytes may still be fetched: 1, 2, 4 or 8,
 * aligned to its size, at most left. */
static unsigned chunk_len(uint64_t la, unsigned left)
{
	unsigned n = 8;

	while (n > 1 && ((la & (n - 1)) || n > left))
		n >>= 1;
	return n;
}

static void request_chunk(struct emul_exec *x, uint64_t gpa, unsigned n)
{
	struct emul_ctx *ctx = x->ctx;
	struct emul_read_slot *s = &ctx->reads[0];
	struct emul_result *r = x->res;

	s->addr = gpa;
	s->kind = 1;                    /* MMIO, as mem.c logs it */
	s->len = (uint8_t)n;
	s->done = 0;
	ctx->nreads = 1;
	r->status = EMUL_MMIO_READ;
	r->gpa = gpa;
	r->len = (uint8_t)n;
	r->retired = 0;
}

/* One more piece of the instruction at linear address la (avail bytes at
 * most): RAM bytes land in ctx->insn_bytes at once, a device's become a
 * request. EX_OK: fetch_len grew; EX_STOP: a request or a fault in x->res. */
static int fetch_more(struct emul_exec *x, uint64_t la, unsigned avail)
{
	struct emul_ctx *ctx = x->ctx;
	struct emul_event ev = { 0 };
	unsigned have = ctx->fetch_len, n;
	uint64_t at = la + have, gpa = 0;
	enum emul_mem_status st;

	if (x->cpu->mode != EMUL_MODE_LONG64)
		at &= 0xFFFFFFFFull;
	else if (!emul_canonical(at))   /* past 0x7FFF_FFFF_FFFF: #GP(0) */
		return emul_gp0(x);
	n = PAGE_SIZE - (unsigned)(at & (PAGE_SIZE - 1));
	if (n > avail - have)
		n = avail - have;
	st = ctx->ops->fetch(ctx->opaque, at, ctx->insn_bytes + have, n,
			     EMUL_ACC_FETCH | emul_user_acc(x->cpu), &gpa,
			     &ev);
	if (st == EMUL_MEM_FAULT) {
		x->res->status = EMUL_EXCEPTION;
		x->res->event = ev;
		return EX_STOP;
	}
	if (st == EMUL_MEM_OK) {
		ctx->fetch_len = (uint8_t)(have + n);
		return EX_OK;
	}
	request_chunk(x, gpa, chunk_len(at, n));
	return EX_STOP;
}

/* Decode what has been fetched; fetch more while the decoder needs it. */
int emul_fetch_mmio(struct emul_exec *x, uint64_t la, unsigned avail)
{
	struct emul_ctx *ctx = x->ctx;
	const struct emul_cpu *c = x->cpu;
	int rc = EMUL_E_NEED_MORE;

	ctx->busy = 1;
	ctx->fetching = 1;
	ctx->insn_bytes_len = 0;        /* insn_bytes is the fetch buffer */
	for (;;) {
		if (ctx->fetch_len)
			rc = emul_decode(&ctx->insn, ctx->insn_bytes,
					 ctx->fetch_len, (enum emul_mode)c->mode,
					 (enum emul_vendor)c->vendor);
		if (rc != EMUL_E_NEED_MORE || ctx->fetch_len >= avail)
			break;
		if (fetch_more(x, la, avail))
			return EX_STOP;
	}
	ctx->fetching = 0;
	ctx->nreads = 0;                /* the log is the data reads' again */
	return emul_fetch_decoded(x, rc);
}

/* emul_execute() again after a chunk's request: take its bytes (or ask
 * again if the caller did not give them) and go on. */
int emul_fetch_mmio_resume(struct emul_exec *x)
{
	struct emul_ctx *ctx = x->ctx;
	struct emul_read_slot *s = &ctx->reads[0];
	uint64_t la;
	unsigned avail;

	if (ctx->nreads != 1 || s->kind != 1 ||
	    ctx->fetch_len + s->len > EMUL_MAX_INSN_LEN)
		return emul_unsupported(x, EMUL_R_PROTOCOL);
	if (!s->done) {
		request_chunk(x, s->addr, s->len);
		return EX_STOP;
	}
	memcpy(ctx->insn_bytes + ctx->fetch_len, s->data, s->len);
	ctx->fetch_len = (uint8_t)(ctx->fetch_len + s->len);
	ctx->nreads = 0;
	/* The same window as before: the caller has not changed the state. */
	if (emul_fetch_window(x, &la, &avail))
		return EX_STOP;
	return emul_fetch_mmio(x, la, avail);
}
