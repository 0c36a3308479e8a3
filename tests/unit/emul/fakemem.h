/*
 * fakemem.h - a bounded fake guest for host tests and the fuzzer: a few
 * linear-address regions backed by host buffers (identity "paging"), any
 * page of which can be declared MMIO, a fake IO port space, and a driver
 * that completes MMIO/IO requests the way a VMM would (KVM_EXIT_MMIO round
 * trips), counting them.
 */
#ifndef EMUL_FAKEMEM_H
#define EMUL_FAKEMEM_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "emul.h"

#define FAKE_MAX_REGIONS 4
#define FAKE_LOG 64

struct fake_region {
	uint64_t base;
	size_t size;
	uint8_t *data;
	bool readonly;
	uint64_t mmio_pages; /* bit n: page n of the region is MMIO */
};

struct fake_req {
	uint8_t status; /* EMUL_MMIO_READ ... */
	uint64_t addr;
	uint8_t len;
	uint64_t data;
};

struct fake_mem {
	struct fake_region r[FAKE_MAX_REGIONS];
	int nr;
	/* IO ports: reads return port_in_val + port*7 + count; writes are
	 * logged. io_exit: hand IO to the driver instead of completing it. */
	bool io_exit;
	uint32_t port_in_base;
	unsigned io_count;
	/* the request log of the last fake_run() */
	struct fake_req log[FAKE_LOG];
	unsigned nlog;
	unsigned calls; /* emul_execute() calls in the last fake_run() */
	/* fake_ops_lazy: the segments get_seg hands out, and which it did */
	struct emul_seg lazy_seg[6];
	unsigned lazy_loaded;
};

void fake_init(struct fake_mem *m);
void fake_add(struct fake_mem *m, uint64_t base, uint8_t *data, size_t size,
	      bool readonly, uint64_t mmio_pages);
extern const struct emul_ops fake_ops;
/* fake_ops plus get_seg, for a vCPU prepared by fake_make_lazy(). */
extern const struct emul_ops fake_ops_lazy;

/* Moves c's segments into m (handed out by get_seg on demand) and fills
 * c's copies with garbage, as the hypervisor leaves them: it gives only
 * mode and CPL. */
void fake_make_lazy(struct fake_mem *m, struct emul_cpu *c);

/* Execute one instruction to completion, servicing every request from the
 * fake memory/ports. Returns the final status (DONE, EXCEPTION or
 * UNSUPPORTED); *res holds the last result. max_calls bounds the loop. */
enum emul_status fake_run(struct emul_ctx *ctx, struct emul_cpu *cpu,
			  struct fake_mem *m, struct emul_result *res,
			  unsigned max_calls);

/* A flat 64-bit user-mode vCPU (CPL 3, CS.L = 1). */
void fake_cpu_long64(struct emul_cpu *c);
/* Flat 32-bit protected mode, CPL 0 (16-bit with db = 0). */
void fake_cpu_prot(struct emul_cpu *c, bool db);
/* Real mode with the given segment bases = sel << 4. */
void fake_cpu_real(struct emul_cpu *c);

#endif
