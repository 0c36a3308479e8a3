/*
 * fakemem.c - see fakemem.h. Page faults follow the #PF error code layout
 * of SDM Vol. 3A 4.7: P (bit 0), W/R (bit 1), U/S (bit 2), I/D (bit 4).
 */
#include <stdlib.h>
#include <string.h>

#include "fakemem.h"

void fake_init(struct fake_mem *m)
{
	memset(m, 0, sizeof(*m));
	m->port_in_base = 0x5a5a0000;
}

void fake_add(struct fake_mem *m, uint64_t base, uint8_t *data, size_t size,
	      bool readonly, uint64_t mmio_pages)
{
	struct fake_region *r = &m->r[m->nr++];

	r->base = base;
	r->data = data;
	r->size = size;
	r->readonly = readonly;
	r->mmio_pages = mmio_pages;
}

static struct fake_region *find(struct fake_mem *m, uint64_t la, unsigned len)
{
	int i;

	for (i = 0; i < m->nr; i++) {
		struct fake_region *r = &m->r[i];

		if (la >= r->base && la - r->base + len <= r->size)
			return &m->r[i];
	}
	return NULL;
}

static bool is_mmio(const struct fake_region *r, uint64_t la)
{
	uint64_t page = (la - r->base) >> 12;

	return page < 64 && ((r->mmio_pages >> page) & 1);
}

static enum emul_mem_status pf(struct emul_event *f, uint64_t la,
			       unsigned acc, bool present)
{
	f->vector = 14;
	f->has_error_code = 1;
	f->error_code = (present ? 1 : 0) |
			((acc & (EMUL_ACC_WRITE | EMUL_ACC_RMW)) ? 2 : 0) |
			((acc & EMUL_ACC_USER) ? 4 : 0) |
			((acc & EMUL_ACC_FETCH) ? 16 : 0);
	f->cr2 = la;
	return EMUL_MEM_FAULT;
}

static enum emul_mem_status fake_access(void *opaque, uint64_t la, void *buf,
					const void *wbuf, unsigned len,
					unsigned acc, uint64_t *gpa,
					struct emul_event *fault)
{
	struct fake_mem *m = opaque;
	struct fake_region *r = find(m, la, len);
	bool write = acc & (EMUL_ACC_WRITE | EMUL_ACC_RMW);

	if (!r)
		return pf(fault, la, acc, false);
	if (write && r->readonly)
		return pf(fault, la, acc, true);
	if (is_mmio(r, la)) {
		*gpa = la;
		return EMUL_MEM_MMIO;
	}
	if (acc & EMUL_ACC_PROBE)
		return EMUL_MEM_OK;
	if (acc & EMUL_ACC_WRITE)
		memcpy(r->data + (la - r->base), wbuf, len);
	else
		memcpy(buf, r->data + (la - r->base), len);
	return EMUL_MEM_OK;
}

static enum emul_mem_status fake_fetch(void *opaque, uint64_t la, void *buf,
				       unsigned len, unsigned acc,
				       uint64_t *gpa, struct emul_event *fault)
{
	struct fake_mem *m = opaque;
	struct fake_region *r = find(m, la, len);

	if (!r)
		return pf(fault, la, acc, false);
	if (is_mmio(r, la)) {
		*gpa = la;
		return EMUL_MEM_MMIO;
	}
	memcpy(buf, r->data + (la - r->base), len);
	return EMUL_MEM_OK;
}

static enum emul_mem_status fake_read(void *opaque, uint64_t la, void *buf,
				      unsigned len, unsigned acc,
				      uint64_t *gpa, struct emul_event *fault)
{
	return fake_access(opaque, la, buf, NULL, len, acc & ~EMUL_ACC_WRITE,
			   gpa, fault);
}

static enum emul_mem_status fake_write(void *opaque, uint64_t la,
				       const void *buf, unsigned len,
				       unsigned acc, uint64_t *gpa,
				       struct emul_event *fault)
{
	return fake_access(opaque, la, NULL, buf, len, acc | EMUL_ACC_WRITE,
			   gpa, fault);
}

static uint32_t port_value(struct fake_mem *m, uint16_t port)
{
	return m->port_in_base + port * 7u + m->io_count++;
}

static enum emul_io_status fake_in(void *opaque, uint16_t port, unsigned size,
				   uint32_t *val)
{
	struct fake_mem *m = opaque;

	(void)size;
	if (m->io_exit)
		return EMUL_IO_EXIT;
	*val = port_value(m, port);
	return EMUL_IO_OK;
}

static enum emul_io_status fake_out(void *opaque, uint16_t port,
				    unsigned size, uint32_t val)
{
	struct fake_mem *m = opaque;

	(void)port; (void)size; (void)val;
	return m->io_exit ? EMUL_IO_EXIT : EMUL_IO_OK;
}

#define FAKE_OPS_MEM_IO \
	.fetch = fake_fetch, .read = fake_read, .write = fake_write, \
	.io_in = fake_in, .io_out = fake_out, .io_permitted = NULL

const struct emul_ops fake_ops = { FAKE_OPS_MEM_IO };

static void fake_get_seg(void *opaque, unsigned sreg, struct emul_seg *seg)
{
	struct fake_mem *m = opaque;

	/* a valid register, asked for once per instruction at most */
	if (sreg >= 6 || (m->lazy_loaded & (1u << sreg)))
		abort();
	m->lazy_loaded |= 1u << sreg;
	*seg = m->lazy_seg[sreg];
}

const struct emul_ops fake_ops_lazy = { FAKE_OPS_MEM_IO, .get_seg = fake_get_seg };

void fake_make_lazy(struct fake_mem *m, struct emul_cpu *c)
{
	memcpy(m->lazy_seg, c->seg, sizeof(m->lazy_seg));
	m->lazy_loaded = 0;
	memset(c->seg, 0xA5, sizeof(c->seg));
	c->seg_loaded = 0;
}

static void log_req(struct fake_mem *m, const struct emul_result *res,
		    uint64_t data)
{
	struct fake_req *q;

	if (m->nlog >= FAKE_LOG)
		return;
	q = &m->log[m->nlog++];
	q->status = res->status;
	q->addr = (res->status == EMUL_IO_IN || res->status == EMUL_IO_OUT) ?
		  res->port : res->gpa;
	q->len = (res->status == EMUL_IO_IN || res->status == EMUL_IO_OUT) ?
		 res->size : res->len;
	q->data = data;
}

enum emul_status fake_run(struct emul_ctx *ctx, struct emul_cpu *cpu,
			  struct fake_mem *m, struct emul_result *res,
			  unsigned max_calls)
{
	m->nlog = 0;
	m->calls = 0;
	while (m->calls < max_calls) {
		enum emul_status st = emul_execute(ctx, cpu, res);
		struct fake_region *r;
		uint64_t v = 0;

		m->calls++;
		switch (st) {
		case EMUL_MMIO_READ:
			r = find(m, res->gpa, res->len);
			if (r)
				memcpy(&v, r->data + (res->gpa - r->base),
				       res->len);
			log_req(m, res, v);
			emul_complete_read(ctx, &v, res->len);
			break;
		case EMUL_MMIO_WRITE:
			r = find(m, res->gpa, res->len);
			memcpy(&v, res->data, res->len);
			if (r)
				memcpy(r->data + (res->gpa - r->base),
				       res->data, res->len);
			log_req(m, res, v);
			if (res->retired)
				return EMUL_DONE;
			break;
		case EMUL_IO_IN:
			v = port_value(m, res->port);
			log_req(m, res, v);
			emul_complete_read(ctx, &v, res->size);
			break;
		case EMUL_IO_OUT:
			memcpy(&v, res->data, res->size);
			log_req(m, res, v);
			if (res->retired)
				return EMUL_DONE;
			break;
		case EMUL_DONE:
			if (res->retired)
				return st;
			break; /* REP batch limit: keep going */
		default:
			return st;
		}
	}
	return EMUL_UNSUPPORTED;
}

static void flat(struct emul_seg *s, uint8_t type, bool db, bool l)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xFFFFFFFF;
	s->type = type;
	s->s = 1;
	s->present = 1;
	s->db = db;
	s->l = l;
	s->g = 1;
}

void fake_cpu_long64(struct emul_cpu *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < 6; i++)
		flat(&c->seg[i], 3, true, false);
	flat(&c->seg[EMUL_SEG_CS], 0xB, false, true);
	c->seg[EMUL_SEG_CS].dpl = 3;
	c->cpl = 3;
	c->mode = EMUL_MODE_LONG64;
	c->rflags = 0x202;
	c->cr0 = 0x80050033;
	c->efer = 0xD01;
}

void fake_cpu_prot(struct emul_cpu *c, bool db)
{
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < 6; i++)
		flat(&c->seg[i], 3, db, false);
	flat(&c->seg[EMUL_SEG_CS], 0xB, db, false);
	c->mode = db ? EMUL_MODE_PROT32 : EMUL_MODE_PROT16;
	c->rflags = 0x2;
	c->cr0 = 0x11;
}

void fake_cpu_real(struct emul_cpu *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < 6; i++) {
		flat(&c->seg[i], 3, false, false);
		c->seg[i].limit = 0xFFFF;
		c->seg[i].g = 0;
	}
	c->seg[EMUL_SEG_CS].type = 0xB;
	c->mode = EMUL_MODE_REAL;
	c->rflags = 0x2;
	c->cr0 = 0x10;
}
