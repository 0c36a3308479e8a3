/* Task switches with memory in MMIO, replayed (see core/task_replay.h). */
#include "core/task_replay.h"
#include "core/lib.h"

#define PAGE_BYTES 4096u

/* One attempt: how far it has retraced the journal. */
struct attempt {
	struct task_replay *rp;
	const struct task_bus *bus;
	unsigned call;          /* index of the next task_mem call */
	unsigned pos;           /* next journal byte to hand out */
};

void task_replay_start(struct task_replay *rp, const struct task_switch *ts,
		       bool exception, uint32_t hw_reason)
{
	*rp = (struct task_replay){ .ts = *ts, .exception = exception,
				    .hw_reason = hw_reason };
}

/* The next read piece: up to 8 bytes, not across an 8-byte boundary (a
 * device sees the accesses the emulator would make, docs/emulator.md). */
static unsigned mmio_piece(uint64_t gpa, unsigned len)
{
	unsigned room = 8u - (unsigned)(gpa & 7u);

	return len < room ? len : room;
}

/* Stops the attempt at an MMIO access; a write counts as made (the VMM
 * performs it with the exit). */
static enum task_mem_status request(struct attempt *a, uint64_t gpa,
				    const uint8_t *p, unsigned len, bool write)
{
	struct task_replay *rp = a->rp;
	unsigned n = mmio_piece(gpa, len);

	if (rp->exits >= TASK_REPLAY_MAX_EXITS ||
	    (!write && rp->nlog + n > TASK_REPLAY_LOG))
		return TASK_MEM_BAD;
	rp->exits++;
	rp->req = (struct task_mmio_req){ .gpa = gpa, .len = (uint8_t)n, .write = write };
	if (write) {
		memcpy(rp->req.data, p, n);
		rp->part = (uint8_t)(rp->part + n);
	}
	return TASK_MEM_PENDING;
}

/* The access not yet complete, from linear la on (the part before it is
 * done): page by page, RAM directly (reads join the journal), MMIO as a
 * request. buf NULL: only translate. */
static enum task_mem_status access_new(struct attempt *a, const struct vcpu_sregs *pg,
				       uint64_t la, uint8_t *p, unsigned len,
				       bool write, struct task_fault *f)
{
	struct task_replay *rp = a->rp;
	const struct task_bus *bus = a->bus;

	while (len) {
		unsigned chunk = PAGE_BYTES - (unsigned)(la & (PAGE_BYTES - 1));
		uint64_t gpa;

		if (chunk > len)
			chunk = len;
		enum task_mem_status st = bus->translate(bus->ctx, pg, la, write, &gpa, f);
		if (st != TASK_MEM_OK)
			return st;
		if (p) {
			if (!write && rp->nlog + chunk > TASK_REPLAY_LOG)
				return TASK_MEM_BAD;
			int r = bus->ram(bus->ctx, gpa, p, chunk, write);
			if (r > 0)
				return request(a, gpa, p, chunk, write);
			if (r < 0)
				return TASK_MEM_BAD;
			if (write) {
				rp->part = (uint8_t)(rp->part + chunk);
			} else {
				memcpy(rp->log + rp->nlog, p, chunk);
				rp->nlog = (uint8_t)(rp->nlog + chunk);
				a->pos += chunk;
			}
			p += chunk;
		}
		/* the switch's linear addresses are 32-bit (no IA-32e mode) */
		la = (la + chunk) & 0xffffffffULL;
		len -= chunk;
	}
	return TASK_MEM_OK;
}

/* Journal bytes for a read: as many of len as it holds from a->pos. */
static unsigned from_journal(struct attempt *a, uint8_t *p, unsigned len)
{
	struct task_replay *rp = a->rp;
	unsigned have = rp->nlog - a->pos;
	unsigned n = len < have ? len : have;

	memcpy(p, rp->log + a->pos, n);
	a->pos += n;
	return n;
}

/* struct task_mem's access over the journal. */
static enum task_mem_status replay_access(void *ctx, const struct vcpu_sregs *pg,
					  uint64_t la, void *buf, unsigned len,
					  bool write, struct task_fault *f)
{
	struct attempt *a = ctx;
	struct task_replay *rp = a->rp;
	unsigned call = a->call++;
	unsigned done = 0;

	if (call < rp->calls_done) {
		/* made by an earlier attempt: its data, nothing touched */
		if (buf && !write && from_journal(a, buf, len) != len)
			return TASK_MEM_BAD;
		return TASK_MEM_OK;
	}
	if (buf)
		done = write ? rp->part : from_journal(a, buf, len);
	if (done > len)
		return TASK_MEM_BAD;
	enum task_mem_status st = access_new(a, pg, (la + done) & 0xffffffffULL,
					     buf ? (uint8_t *)buf + done : 0,
					     len - done, write, f);
	if (st == TASK_MEM_OK) {
		rp->calls_done++;
		rp->part = 0;
	}
	return st;
}

/* struct task_mem's read_phys (the PDPTEs), journalled: slot RAM, and
 * outside every slot zeros, as MOV CR3 (core/emul_cr.c) and VMX's PDPTE
 * load read a PDPT there: not present. */
static int replay_read_phys(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	struct attempt *a = ctx;
	struct task_replay *rp = a->rp;
	unsigned call = a->call++;
	int r;

	if (call < rp->calls_done)
		return from_journal(a, buf, len) == len ? 0 : -1;
	if (rp->nlog + len > TASK_REPLAY_LOG ||
	    (gpa & (PAGE_BYTES - 1)) + len > PAGE_BYTES)
		return -1;
	r = a->bus->ram(a->bus->ctx, gpa, buf, len, false);
	if (r < 0)
		return -1;
	if (r > 0)
		memset(buf, 0, len);
	memcpy(rp->log + rp->nlog, buf, len);
	rp->nlog = (uint8_t)(rp->nlog + len);
	a->pos += len;
	rp->calls_done++;
	return 0;
}

void task_replay_run(struct task_replay *rp, const struct task_bus *bus,
		     struct vcpu_regs *regs, struct vcpu_sregs *sregs,
		     struct task_outcome *out)
{
	struct attempt a = { .rp = rp, .bus = bus };
	struct task_mem mem = { replay_access, &a, replay_read_phys, bus->maxphyaddr };

	task_switch_run(&rp->ts, regs, sregs, &mem, out);
	rp->active = out->result == TASK_MMIO;
}

int task_replay_answer(struct task_replay *rp, const uint8_t data[8])
{
	if (!rp->active || rp->req.write || rp->nlog + rp->req.len > TASK_REPLAY_LOG)
		return -1;
	memcpy(rp->log + rp->nlog, data, rp->req.len);
	rp->nlog = (uint8_t)(rp->nlog + rp->req.len);
	return 0;
}
