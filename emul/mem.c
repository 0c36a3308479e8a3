/*
 * mem.c - the emulator's only path to guest memory and IO ports, and the
 * bookkeeping that makes MMIO and port IO resumable.
 *
 * An instruction (or one REP iteration) is run as a replayable
 * transaction: every read is logged in ctx->reads[] in program order. A
 * read from RAM is logged with its data; a read from MMIO or a port the
 * callbacks hand back is logged as pending and execution stops with a
 * request. When the caller has supplied the data (emul_complete_read()) the
 * instruction is run again from its start on the registers as they were
 * (execute.c restores them after a stopped run); reads are then answered
 * from the log, so the device is never read twice and the instruction is
 * not decoded twice. Each data access is alignment-checked (align.c)
 * before its first piece goes to a callback. Writes come after all reads in
 * every emulated instruction; ctx->writes_done counts the ones already
 * issued so a replay does not repeat them. Accesses are split at 4 KiB
 * linear boundaries so that callbacks translate one page at a time.
 */
#include "emul_private.h"

#define PAGE_SIZE 4096u

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "register values and memory bytes share x86's byte order");

enum { SLOT_RAM = 0, SLOT_MMIO = 1, SLOT_IO = 2 };

static uint64_t next_la(const struct emul_exec *x, uint64_t la, unsigned n)
{
	uint64_t r = la + n;

	/* Outside 64-bit mode linear addresses wrap at 4 GiB. */
	if (x->cpu->mode != EMUL_MODE_LONG64)
		r &= 0xFFFFFFFFull;
	return r;
}

static unsigned first_piece(uint64_t la, unsigned size)
{
	unsigned room = PAGE_SIZE - (unsigned)(la & (PAGE_SIZE - 1));

	return size < room ? size : room;
}

static int fault_event(struct emul_exec *x, const struct emul_event *ev)
{
	x->res->status = EMUL_EXCEPTION;
	x->res->event = *ev;
	return EX_STOP;
}

static void request_read(struct emul_exec *x, const struct emul_read_slot *s)
{
	struct emul_result *r = x->res;

	if (s->kind == SLOT_IO) {
		r->status = EMUL_IO_IN;
		r->port = (uint16_t)s->addr;
		r->size = s->len;
	} else {
		r->status = EMUL_MMIO_READ;
		r->gpa = s->addr;
		r->len = s->len;
	}
	r->retired = 0;
}

/* The next read slot of this replay: answered from the log, or NULL when
 * the read has not been made yet (*stop set when the log says the caller
 * still owes data). */
static inline __attribute__((always_inline)) struct emul_read_slot *
replay_slot(struct emul_exec *x, unsigned len, int *stop)
{
	struct emul_ctx *ctx = x->ctx;
	struct emul_read_slot *s;
	unsigned i = x->rd_idx++;

	*stop = EX_OK;
	if (i >= EMUL_MAX_READS) {
		*stop = emul_unsupported(x, EMUL_R_OPCODE);
		return NULL;
	}
	if (i >= ctx->nreads)
		return NULL;
	s = &ctx->reads[i];
	if (s->len != len) {
		*stop = emul_unsupported(x, EMUL_R_PROTOCOL);
		return NULL;
	}
	if (!s->done) {
		/* Called again without emul_complete_read(): ask again. */
		request_read(x, s);
		*stop = EX_STOP;
		return NULL;
	}
	return s;
}

static struct emul_read_slot *new_slot(struct emul_exec *x)
{
	struct emul_ctx *ctx = x->ctx;

	return &ctx->reads[ctx->nreads++];
}

/* acc as the callbacks see it: EMUL_ACC_USER at CPL 3, except for the
 * implicit supervisor accesses (EMUL_ACC_SYS). */
static unsigned priv_acc(const struct emul_exec *x, unsigned acc)
{
	if (acc & EMUL_ACC_SYS)
		return acc & ~(unsigned)EMUL_ACC_SYS;
	return acc | emul_user_acc(x->cpu);
}

static int read_piece(struct emul_exec *x, uint64_t la, unsigned n,
		      unsigned acc, uint8_t *buf)
{
	struct emul_read_slot *s;
	struct emul_event ev = { 0 };
	uint64_t gpa = 0;
	int stop;
	enum emul_mem_status st;

	s = replay_slot(x, n, &stop);
	if (s) {
		memcpy(buf, s->data, n);
		return EX_OK;
	}
	if (stop)
		return stop;
	st = x->ctx->ops->read(x->ctx->opaque, la, buf, n, priv_acc(x, acc),
			       &gpa, &ev);
	if (st == EMUL_MEM_FAULT)
		return fault_event(x, &ev);
	s = new_slot(x);
	s->len = (uint8_t)n;
	if (st == EMUL_MEM_OK) {
		s->kind = SLOT_RAM;
		s->done = 1;
		memcpy(s->data, buf, n);
		return EX_OK;
	}
	s->kind = SLOT_MMIO;
	s->addr = gpa;
	s->done = 0;
	request_read(x, s);
	return EX_STOP;
}

/* The body of emul_read_linear(), inlined into emul_read(): an MMIO load
 * pays no extra call. */
static inline __attribute__((always_inline)) int
read_linear(struct emul_exec *x, uint64_t la, unsigned size, unsigned acc,
	    uint64_t *val)
{
	uint8_t buf[8] = { 0 };
	uint64_t v;
	unsigned n1;
	int rc;

	rc = emul_ac_check(x, la, size, acc);
	if (rc)
		return rc;
	n1 = first_piece(la, size);
	rc = read_piece(x, la, n1, acc, buf);
	if (rc)
		return rc;
	if (n1 < size) {
		rc = read_piece(x, next_la(x, la, n1), size - n1, acc,
				buf + n1);
		if (rc)
			return rc;
	}
	__builtin_memcpy(&v, buf, sizeof(v)); /* little endian, like x86 */
	*val = v;
	return EX_OK;
}

/* Read size (1..8) bytes at seg:off. acc may carry EMUL_ACC_RMW. */
int emul_read(struct emul_exec *x, unsigned seg, uint64_t off, unsigned size,
	      unsigned acc, uint64_t *val)
{
	uint64_t la;
	int rc;

	rc = emul_linear(x, seg, off, size, acc & EMUL_ACC_RMW, &la);
	if (rc)
		return rc;
	return read_linear(x, la, size, acc, val);
}

/* Read size (1..8) bytes at a linear address (already checked). */
int emul_read_linear(struct emul_exec *x, uint64_t la, unsigned size,
		     unsigned acc, uint64_t *val)
{
	return read_linear(x, la, size, acc, val);
}

/* Issue write number x->wr_idx unless a previous run already did. Only one
 * request leaves per call: a second one stops the run (not committed) and
 * the caller's next emul_execute() replays up to here and goes on. */
static int write_piece(struct emul_exec *x, uint64_t la, unsigned n,
		       const uint8_t *buf, unsigned acc)
{
	struct emul_ctx *ctx = x->ctx;
	struct emul_event ev = { 0 };
	uint64_t gpa = 0;
	unsigned i = x->wr_idx++;
	enum emul_mem_status st;

	if (i < ctx->writes_done)
		return EX_OK;
	if (x->out_pending)
		return EX_STOP;
	st = ctx->ops->write(ctx->opaque, la, buf, n,
			     priv_acc(x, EMUL_ACC_WRITE | acc), &gpa, &ev);
	if (st == EMUL_MEM_FAULT)
		return fault_event(x, &ev);
	ctx->writes_done = (uint8_t)(i + 1);
	if (st == EMUL_MEM_MMIO) {
		x->res->status = EMUL_MMIO_WRITE;
		x->res->gpa = gpa;
		x->res->len = (uint8_t)n;
		__builtin_memset(x->res->data, 0, sizeof(x->res->data));
		memcpy(x->res->data, buf, n);
		x->out_pending = 1;
	}
	return EX_OK;
}

/* A split write checks its second page before writing the first, so a
 * fault there leaves memory untouched, as the CPU does. */
static int probe_piece(struct emul_exec *x, uint64_t la, unsigned n,
		       unsigned acc)
{
	struct emul_event ev = { 0 };
	uint64_t gpa = 0;
	enum emul_mem_status st;

	st = x->ctx->ops->write(x->ctx->opaque, la, NULL, n,
				priv_acc(x, EMUL_ACC_WRITE | EMUL_ACC_PROBE |
					 acc), &gpa, &ev);
	if (st == EMUL_MEM_FAULT)
		return fault_event(x, &ev);
	return EX_OK;
}

/* The body of emul_write_linear(), inlined into emul_write(). */
static inline __attribute__((always_inline)) int
write_linear(struct emul_exec *x, uint64_t la, unsigned size, unsigned acc,
	     uint64_t val)
{
	uint8_t buf[8];
	uint64_t la2;
	unsigned n1;
	int rc;

	rc = emul_ac_check(x, la, size, acc);
	if (rc)
		return rc;
	__builtin_memcpy(buf, &val, sizeof(val)); /* little endian */
	n1 = first_piece(la, size);
	if (n1 == size)
		return write_piece(x, la, size, buf, acc);
	la2 = next_la(x, la, n1);
	if (x->wr_idx >= x->ctx->writes_done) { /* first piece not yet out */
		rc = probe_piece(x, la2, size - n1, acc);
		if (rc)
			return rc;
	}
	rc = write_piece(x, la, n1, buf, acc);
	if (rc)
		return rc;
	return write_piece(x, la2, size - n1, buf + n1, acc);
}

int emul_write(struct emul_exec *x, unsigned seg, uint64_t off,
	       unsigned size, uint64_t val)
{
	uint64_t la;
	int rc;

	rc = emul_linear(x, seg, off, size, true, &la);
	if (rc)
		return rc;
	return write_linear(x, la, size, 0, val);
}

/* Write size (1..8) bytes at a linear address (already checked); acc may
 * carry EMUL_ACC_SYS. */
int emul_write_linear(struct emul_exec *x, uint64_t la, unsigned size,
		      unsigned acc, uint64_t val)
{
	return write_linear(x, la, size, acc, val);
}

int emul_io_in(struct emul_exec *x, uint16_t port, unsigned size,
	       uint32_t *val)
{
	const struct emul_ops *ops = x->ctx->ops;
	struct emul_read_slot *s;
	uint32_t v = 0;
	int stop;

	s = replay_slot(x, size, &stop);
	if (s) {
		memcpy(&v, s->data, size);
		*val = v;
		return EX_OK;
	}
	if (stop)
		return stop;
	s = new_slot(x);
	s->kind = SLOT_IO;
	s->addr = port;
	s->len = (uint8_t)size;
	if (ops->io_in && ops->io_in(x->ctx->opaque, port, size, &v) ==
			  EMUL_IO_OK) {
		s->done = 1;
		memcpy(s->data, &v, size);
		*val = v & (uint32_t)emul_size_mask(size);
		return EX_OK;
	}
	s->done = 0;
	request_read(x, s);
	return EX_STOP;
}

int emul_io_out(struct emul_exec *x, uint16_t port, unsigned size,
		uint32_t val)
{
	const struct emul_ops *ops = x->ctx->ops;
	struct emul_ctx *ctx = x->ctx;
	unsigned i = x->wr_idx++;

	if (i < ctx->writes_done)
		return EX_OK;
	if (x->out_pending)
		return EX_STOP;
	ctx->writes_done = (uint8_t)(i + 1);
	if (ops->io_out && ops->io_out(ctx->opaque, port, size, val) ==
			   EMUL_IO_OK)
		return EX_OK;
	x->res->status = EMUL_IO_OUT;
	x->res->port = port;
	x->res->size = (uint8_t)size;
	memset(x->res->data, 0, sizeof(x->res->data));
	memcpy(x->res->data, &val, size);
	x->out_pending = 1;
	return EX_OK;
}

/* Check that size bytes at seg:off could be written, without writing: INS
 * must not consume a port read whose store would fault. */
int emul_probe_write(struct emul_exec *x, unsigned seg, uint64_t off,
		     unsigned size)
{
	uint64_t la;
	int rc;

	rc = emul_linear(x, seg, off, size, true, &la);
	if (rc)
		return rc;
	return emul_probe_linear(x, la, size);
}

/* A read's translation and permission checks at la, without the read
 * (the read callback with buf NULL and EMUL_ACC_PROBE): the cache-line
 * flushes, which the SDM checks as a byte load but which read nothing. */
int emul_probe_read_linear(struct emul_exec *x, uint64_t la, unsigned size)
{
	struct emul_event ev = { 0 };
	uint64_t gpa = 0;

	if (x->ctx->ops->read(x->ctx->opaque, la, NULL, size,
			      priv_acc(x, EMUL_ACC_PROBE), &gpa, &ev) ==
	    EMUL_MEM_FAULT)
		return fault_event(x, &ev);
	return EX_OK;
}

/* emul_probe_write() at a linear address (already checked). */
int emul_probe_linear(struct emul_exec *x, uint64_t la, unsigned size)
{
	unsigned n1;
	int rc;

	rc = emul_ac_check(x, la, size, 0);
	if (rc)
		return rc;
	n1 = first_piece(la, size);
	rc = probe_piece(x, la, n1, 0);
	if (rc || n1 == size)
		return rc;
	return probe_piece(x, next_la(x, la, n1), size - n1, 0);
}
