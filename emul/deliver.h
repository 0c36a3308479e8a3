/*
 * deliver.h - internals of event delivery (emul_deliver_event()), shared
 * by deliver.c (entry, frames, real mode, #DF escalation) and
 * deliver_gate.c (IDT gates in protected, virtual-8086 and IA-32e mode).
 */
#ifndef EMUL_DELIVER_H
#define EMUL_DELIVER_H

#include "emul_private.h"

/* One delivery run (the whole delivery is replayed after each MMIO
 * round trip, like an instruction). */
struct dlv {
	struct emul_exec *x;        /* x->cpu: the working copy */
	const struct emul_deliver *ev;
	uint32_t ext;               /* EXT (bit 0) of the error codes of
				     * faults raised while delivering */
	uint64_t ret_ip;            /* the return address pushed */
	uint64_t flags;             /* the RFLAGS image pushed */
};

/* A stack frame: values in push order, all of one width. The largest is
 * virtual-8086 mode's: GS FS DS ES SS ESP EFLAGS CS EIP and an error
 * code (SDM Vol. 3 Figure 20-5). */
#define DLV_FRAME_MAX 10
struct dlv_frame {
	uint64_t val[DLV_FRAME_MAX];
	uint64_t la[DLV_FRAME_MAX]; /* filled by dlv_frame_place() */
	unsigned n;
	unsigned width;             /* 2, 4 or 8 bytes */
};

static inline void dlv_frame_add(struct dlv_frame *f, uint64_t v)
{
	f->val[f->n++] = v;
}

/* The error code naming IDT entry 'vector' (SDM Vol. 3 6.13, Figure
 * 6-7): index = vector, IDT bit set, EXT as for the event. */
static inline uint32_t dlv_idt_ec(const struct dlv *d)
{
	return (uint32_t)d->ev->vector * 8 + 2 + d->ext;
}

/* The error code naming a selector: its index and TI bit, with EXT. */
static inline uint32_t dlv_sel_ec(const struct dlv *d, uint16_t sel)
{
	return (sel & 0xFFFCu) | d->ext;
}

/* Raise 'vector' with 'ec' (dropped in real mode). */
int dlv_fault(struct dlv *d, uint8_t vector, uint32_t ec);

/* A supervisor read of a system structure at linear address la. */
int dlv_sys_read(struct dlv *d, uint64_t la, unsigned size, uint64_t *val);

/* Where each value of f goes below sp on stack ss, whose pointer is
 * sp_size (2, 4 or 8) bytes wide: f->la[] and *new_sp. A slot outside
 * the segment's limit (or not canonical, sp_size 8) is #SS(ss_ec). */
int dlv_frame_place(struct dlv *d, const struct emul_seg *ss, uint64_t sp,
		    unsigned sp_size, struct dlv_frame *f, uint32_t ss_ec,
		    uint64_t *new_sp);

/* Check that every slot of a placed frame can be written (page faults
 * come now, before anything is written), then write them, in push order,
 * with the access rights of x->cpu->cpl (the handler's CPL). */
int dlv_frame_probe(struct dlv *d, const struct dlv_frame *f);
int dlv_frame_write(struct dlv *d, const struct dlv_frame *f);

/* RFLAGS in the handler (SDM Vol. 3 6.12.1.3): TF, NT, RF and VM clear,
 * IF too through an interrupt gate. */
uint64_t dlv_handler_flags(uint64_t flags, bool interrupt_gate);

/* INT n in virtual-8086 mode (deliver_vm86.c): *done when it went to
 * the 8086 program's handler; else, unless it faulted, on through the
 * IDT. Other events: nothing to do. */
int dlv_vm86_softint(struct dlv *d, bool *done);

/* Through the IDT with CR0.PE = 1: legacy protected and virtual-8086
 * mode (8-byte gates), IA-32e mode (16-byte gates). */
int dlv_protected(struct dlv *d);
int dlv_long(struct dlv *d);

#endif /* EMUL_DELIVER_H */
