/*
 * A hardware task switch whose memory is partly MMIO (outside every
 * memory slot): the CPU's implicit accesses to the TSSes and descriptor
 * tables go to the device, here to the VMM as KVM_EXIT_MMIO exits, one
 * access of at most 8 bytes (naturally aligned pieces, as the emulator
 * splits them) per exit, in the switch's own order.
 *
 * The switch (core/task_switch.c) is replayed from its starting state,
 * which stays untouched in the vCPU until the switch is done: each
 * KVM_RUN runs it again until it reaches the next access not yet made.
 * What earlier attempts did is kept in a journal: the bytes every read
 * returned (RAM and MMIO alike, in order) and how many of the switch's
 * accesses are complete. An access the journal covers is not made again
 * (no translation, no read, no write), so every attempt retraces the
 * same path and each write reaches guest memory or the device exactly
 * once, whatever the guest's other vCPUs do meanwhile. The switch writes
 * only after all its checks passed (SDM Vol. 3 7.3 steps 1-4), so a fault
 * found late, however many exits it took, changes nothing.
 *
 * Pure logic over struct task_bus, so the host unit tests
 * (tests/unit/test_task_switch.c) run it on a fake memory with MMIO pages.
 */
#ifndef CORE_TASK_REPLAY_H
#define CORE_TASK_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include "core/task_switch.h"

/* Guest memory one page piece at a time. */
struct task_bus {
	/* la's page for an implicit supervisor access (SDM Vol. 3 4.6): the
	 * guest-physical address of la, TASK_MEM_FAULT with the #PF in
	 * *fault, or TASK_MEM_BAD */
	enum task_mem_status (*translate)(void *ctx, const struct vcpu_sregs *paging,
					  uint64_t la, bool write, uint64_t *gpa,
					  struct task_fault *fault);
	/* len bytes at gpa (within one page) in slot RAM: 0 done, 1 not RAM
	 * (MMIO), <0 failed */
	int (*ram)(void *ctx, uint64_t gpa, void *buf, unsigned len, bool write);
	void *ctx;
	uint8_t maxphyaddr;
};

/* Bytes every read of one switch returns, at most: the IDT gate (8), the
 * new TSS descriptor (8), the new TSS (104), two busy bytes, the LDT and
 * six segment descriptors (56), the PDPTEs (32): 210. */
#define TASK_REPLAY_LOG 224
/* MMIO exits of one switch, at most: 8-byte aligned pieces of the reads
 * above (34) and of the writes (busy bytes, 40 bytes of registers and six
 * selectors, the back link, six accessed bits, an error code: 30). A
 * guest cannot make more; the bound is checked all the same. */
#define TASK_REPLAY_MAX_EXITS 72

/* The access an attempt stopped at: one KVM_EXIT_MMIO. */
struct task_mmio_req {
	uint64_t gpa;
	uint8_t len;            /* 1..8, within one 8-byte aligned block */
	bool write;
	uint8_t data[8];        /* write: the bytes stored */
};

struct task_replay {
	struct task_switch ts;  /* what is being switched */
	bool active;            /* an attempt is waiting for the VMM */
	bool exception;         /* see task_switch_perform() */
	uint32_t hw_reason;     /* the exit that started the switch */
	uint8_t calls_done;     /* accesses complete (task_mem calls) */
	uint8_t part;           /* bytes of the next access made already */
	uint8_t exits;          /* MMIO exits made */
	uint8_t nlog;           /* bytes in log */
	struct task_mmio_req req;
	uint8_t log[TASK_REPLAY_LOG];
};

/* Begins a switch: an empty journal. */
void task_replay_start(struct task_replay *rp, const struct task_switch *ts,
		       bool exception, uint32_t hw_reason);

/* One attempt on regs/sregs (the switch's starting state): as
 * task_switch_run(); TASK_MMIO with rp->req to do, or any other result,
 * which ends the switch. TASK_BAD_MEMORY: an access failed or a bound
 * was reached (*out's bad_la says where). */
void task_replay_run(struct task_replay *rp, const struct task_bus *bus,
		     struct vcpu_regs *regs, struct vcpu_sregs *sregs,
		     struct task_outcome *out);

/* The VMM's answer to rp->req, a read: its rp->req.len bytes join the
 * journal. Returns 0, or -1 if rp->req is not a read. */
int task_replay_answer(struct task_replay *rp, const uint8_t data[8]);

#endif
