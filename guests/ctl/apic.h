/*
 * The VMM's local APIC (dev_lapic.c) and IO-APIC (dev_ioapic.c), for one
 * vCPU. Register models behind struct bus_device_ops (io_bus.h) that the
 * VM attaches to its MMIO bus: the local APIC's 4 KiB xAPIC page at the
 * vCPU's IA32_APIC_BASE (0xfee00000 after reset), the IO-APIC at
 * 0xfec00000. The two talk through two callbacks the VMM connects:
 *
 *   ioapic_init(&io, lapic_deliver, &lapic);     interrupt messages
 *   lapic_init(&lapic, ioapic_eoi_hook, &io);    EOIs of level interrupts
 *
 * Local APIC: Intel SDM Vol. 3A chapter 11 ("Advanced Programmable
 * Interrupt Controller"), xAPIC mode as on a Pentium 4 / Xeon (version
 * 0x14, six LVT entries). Not modelled, because CPUID hides them from the
 * guest: x2APIC mode (the MSR interface, IA32_APIC_BASE bit 10 is ignored)
 * and the TSC-deadline timer mode (LVT timer bit 18 is reserved and reads
 * 0). Also not modelled: the CMCI LVT (0x2f0; the version register
 * announces five as the highest LVT, so 0x2f0 is reserved as on processors
 * without CMCI), EOI-broadcast suppression, focus processor checking,
 * remote read (0xc0 reads 0), thermal and performance-counter interrupts
 * (their LVT entries hold values, no event ever fires), interrupts on the
 * LINT pins other than the 8259's INTR through LVT0 in ExtINT mode
 * (lapic_accepts_pic), and other CPUs: IPIs reach only this APIC.
 *
 * IO-APIC: the Intel 82093AA datasheet (version 0x11, 24 pins).
 *
 * Time is virtual: the VMM passes the VM clock in nanoseconds
 * (lapic_advance) and asks when the timer next needs it
 * (lapic_next_event). Pure logic: builds for the control partition and
 * the host unit tests.
 */
#ifndef GUESTS_CTL_APIC_H
#define GUESTS_CTL_APIC_H

#include <stdbool.h>
#include <stdint.h>

#include "guests/ctl/io_bus.h"

/* ---- interrupt messages between the IO-APIC and the local APIC ---------- */

/* Delivery modes (SDM 11.6.1, ICR bits 8-10; 82093AA redirection entry
 * bits 8-10). */
#define APIC_DM_FIXED           0
#define APIC_DM_LOWEST          1
#define APIC_DM_SMI             2
#define APIC_DM_REMOTE_READ     3       /* P6 ICR only; reserved elsewhere */
#define APIC_DM_NMI             4
#define APIC_DM_INIT            5
#define APIC_DM_STARTUP         6       /* ICR only */
#define APIC_DM_EXTINT          7

#define APIC_BROADCAST_DEST     0xff    /* every APIC, physical or logical */

/* What travels on the APIC bus (or system bus) from an IO-APIC to a local
 * APIC: a redirection entry's fields. */
struct apic_msg {
	uint8_t vector;
	uint8_t delivery_mode;          /* APIC_DM_* */
	bool logical;                   /* destination mode: 0 physical, 1 logical */
	bool level_triggered;
	uint8_t dest;                   /* APIC ID, or a logical destination */
};

/* Offers a message to the local APIC(s). Returns true if an APIC accepted
 * it (for a level-triggered fixed interrupt: the IO-APIC sets Remote IRR). */
typedef bool apic_deliver_fn(void *ctx, const struct apic_msg *m);

/* A local APIC signals the EOI of a level-triggered vector (SDM 11.8.5:
 * "the local APIC broadcasts the EOI message to all IO APICs"). */
typedef void apic_eoi_fn(void *ctx, uint8_t vector);

/* ---- dev_lapic.c: the local APIC ----------------------------------------- */

#define LAPIC_DEFAULT_BASE      0xfee00000ULL
#define LAPIC_MMIO_BYTES        0x1000
#define LAPIC_NEVER             UINT64_MAX

/* The timer's input clock, the "bus clock" of SDM 11.5.4: one tick per
 * nanosecond of VM time, so initial count N with divide value D expires
 * N * D ns after it is written. Linux measures it against the PIT. */
#define LAPIC_BUS_HZ            1000000000ULL

/* IA32_APIC_BASE (SDM 11.4.4) bits. */
#define APIC_BASE_BSP           (1ULL << 8)
#define APIC_BASE_ENABLE        (1ULL << 11)
#define APIC_BASE_ADDR_MASK     0x000ffffffffff000ULL

/* Register offsets in the xAPIC page (SDM Table 11-1). Each register is
 * 32 bits at a 16-byte-aligned offset. */
#define LAPIC_ID                0x020
#define LAPIC_VERSION           0x030
#define LAPIC_TPR               0x080
#define LAPIC_APR               0x090
#define LAPIC_PPR               0x0a0
#define LAPIC_EOI               0x0b0
#define LAPIC_RRD               0x0c0
#define LAPIC_LDR               0x0d0
#define LAPIC_DFR               0x0e0
#define LAPIC_SVR               0x0f0
#define LAPIC_ISR               0x100   /* 8 registers, 0x100-0x170 */
#define LAPIC_TMR               0x180   /* 8 registers, 0x180-0x1f0 */
#define LAPIC_IRR               0x200   /* 8 registers, 0x200-0x270 */
#define LAPIC_ESR               0x280
#define LAPIC_LVT_CMCI          0x2f0   /* reserved here (see above) */
#define LAPIC_ICR_LO            0x300
#define LAPIC_ICR_HI            0x310
#define LAPIC_LVT_TIMER         0x320
#define LAPIC_LVT_THERMAL       0x330
#define LAPIC_LVT_PERF          0x340
#define LAPIC_LVT_LINT0         0x350
#define LAPIC_LVT_LINT1         0x360
#define LAPIC_LVT_ERROR         0x370
#define LAPIC_TIMER_ICR         0x380   /* initial count */
#define LAPIC_TIMER_CCR         0x390   /* current count */
#define LAPIC_TIMER_DCR         0x3e0   /* divide configuration */

/* Version register: version 0x14 (integrated APIC), highest LVT entry 5
 * (six entries: timer, thermal, performance, LINT0, LINT1, error). */
#define LAPIC_VERSION_VALUE     0x00050014u

/* LVT entry indices (register LAPIC_LVT_TIMER + 16 * index) and bits
 * (SDM 11.5.1, Figure 11-8). */
enum lapic_lvt {
	LAPIC_LVT_IDX_TIMER, LAPIC_LVT_IDX_THERMAL, LAPIC_LVT_IDX_PERF,
	LAPIC_LVT_IDX_LINT0, LAPIC_LVT_IDX_LINT1, LAPIC_LVT_IDX_ERROR,
	LAPIC_NLVT
};
#define LVT_VECTOR              0x000000ffu
#define LVT_DELIVERY_MODE(v)    (((v) >> 8) & 7)
#define LVT_DELIVERY_STATUS     (1u << 12)
#define LVT_POLARITY_LOW        (1u << 13)
#define LVT_REMOTE_IRR          (1u << 14)
#define LVT_LEVEL               (1u << 15)
#define LVT_MASKED              (1u << 16)
#define LVT_TIMER_PERIODIC      (1u << 17)
#define LVT_RESET_VALUE         LVT_MASKED

/* Spurious-interrupt vector register (SDM 11.9). */
#define SVR_VECTOR              0x000000ffu
#define SVR_APIC_ENABLED        (1u << 8)
#define SVR_RESET_VALUE         0x000000ffu

/* Error status register bits (SDM 11.5.3, those of a Pentium 4 / Xeon:
 * the P6 bus's checksum and accept errors do not exist here). */
#define ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define ESR_RECV_ILLEGAL_VECTOR (1u << 6)
#define ESR_ILLEGAL_REGISTER    (1u << 7)

/* Interrupt command register (SDM 11.6.1). */
#define ICR_DELIVERY_STATUS     (1u << 12)
#define ICR_LOGICAL             (1u << 11)
#define ICR_LEVEL_ASSERT        (1u << 14)
#define ICR_TRIGGER_LEVEL       (1u << 15)
#define ICR_SHORTHAND(v)        (((v) >> 18) & 3)
#define ICR_SHORTHAND_NONE      0
#define ICR_SHORTHAND_SELF      1
#define ICR_SHORTHAND_ALL       2       /* all including self */
#define ICR_SHORTHAND_OTHERS    3       /* all excluding self */

/* Where the vectors in IRR came from (counters for `stats`). */
enum lapic_source {
	LAPIC_SRC_BUS,          /* lapic_set_irq / lapic_deliver: the IO-APIC */
	LAPIC_SRC_TIMER,
	LAPIC_SRC_IPI,          /* ICR to self */
	LAPIC_SRC_ERROR,        /* LVT error */
	LAPIC_NSOURCES
};

struct lapic_stats {
	uint64_t raised[LAPIC_NSOURCES];        /* vectors set in IRR, by source */
	uint64_t acks;                          /* INTA cycles that gave a vector */
	uint64_t spurious;                      /* INTA cycles with nothing pending */
	uint64_t eois;                          /* writes to EOI that cleared a vector */
	uint64_t eoi_broadcasts;                /* of those, level-triggered (eoi hook) */
	uint64_t illegal_vectors;               /* vectors 0-15, dropped */
	uint64_t dropped;                       /* messages for another APIC, or while disabled */
	uint64_t ignored;                       /* INIT, SIPI, SMI, ExtINT; IPIs to no one */
	uint64_t nmis;                          /* NMIs to this CPU (lapic_take_nmi) */
	uint64_t timer_expiries;
	uint64_t timer_missed_periods;          /* periodic expiries merged into one */
	uint64_t bad_accesses;                  /* ignored writes (size/offset) */
};

struct lapic {
	uint64_t apic_base;             /* IA32_APIC_BASE */
	uint8_t id;                     /* ID register bits 24-31 */
	uint8_t tpr;
	uint8_t ldr;                    /* LDR bits 24-31 */
	uint8_t dfr_model;              /* DFR bits 28-31: 0xf flat, 0 cluster */
	uint32_t svr;
	uint32_t isr[8], tmr[8], irr[8];
	uint32_t esr;                   /* what a read of ESR returns */
	uint32_t esr_pending;           /* errors since the last write to ESR */
	bool esr_armed;                 /* an error may raise the LVT error interrupt */
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LAPIC_NLVT];
	uint32_t timer_initial;         /* initial count register */
	uint32_t timer_dcr;             /* divide configuration register */
	bool timer_running;             /* counting towards timer_next_ns */
	uint64_t timer_next_ns;         /* when the count reaches 0 */
	uint64_t now_ns;                /* VM clock, as last advanced */
	bool nmi_pending;
	apic_eoi_fn *eoi;
	void *eoi_ctx;
	struct lapic_stats stats;
};

/*
 * Power-up (RESET) state, SDM 11.4.7.1: IA32_APIC_BASE 0xfee00900 (BSP,
 * globally enabled), APIC ID 0, IRR/ISR/TMR/ICR/LDR/TPR 0, DFR all ones,
 * every LVT entry 0x00010000 (masked), SVR 0x000000ff (software-disabled),
 * timer counts and divide configuration 0; VM time 0. eoi (may be NULL)
 * receives the EOIs of level-triggered vectors.
 */
void lapic_init(struct lapic *l, apic_eoi_fn *eoi, void *ctx);
/* RESET again (the callback stays); the VM clock restarts at 0. */
void lapic_reset(struct lapic *l);
/*
 * The state a PC BIOS leaves for the OS, on top of RESET, as SeaBIOS's
 * smp_scan() (src/fw/smp.c) programs it: SVR 0x1ff (software-enabled,
 * spurious vector 0xff), LVT LINT0 0x8700 (ExtINT: the 8259's INTR
 * reaches the CPU through the APIC, the MP specification's virtual wire
 * mode), LVT LINT1 0x8400 (NMI).
 */
void lapic_bios_init(struct lapic *l);

/*
 * IA32_APIC_BASE as the vCPU has it (kvm_run.apic_base). Clearing bit 11
 * disables the APIC globally (SDM 11.4.3): it returns to its power-up
 * state, no longer decodes its MMIO page (reads all ones, writes are
 * dropped: a PC's bus-error semantics) and ignores interrupts; the 8259
 * reaches the CPU directly. Idempotent.
 */
void lapic_set_base(struct lapic *l, uint64_t apic_base);
bool lapic_hw_enabled(const struct lapic *l);
bool lapic_sw_enabled(const struct lapic *l);

/*
 * Moves the VM clock forward to now_ns (never backward; an earlier value
 * is ignored) and expires the timer on the way: one-shot, the count stops
 * at 0; periodic, it reloads, and several periods that passed raise one
 * interrupt. The interrupt is the LVT timer's vector (fixed, edge) unless
 * the entry is masked. Call it before dispatching each MMIO access to the
 * APIC, so that the current-count register reads the right value.
 */
void lapic_advance(struct lapic *l, uint64_t now_ns);
/* When the timer next raises an interrupt (ns), or LAPIC_NEVER (stopped,
 * or its LVT entry masked). */
uint64_t lapic_next_event(const struct lapic *l);
/* The current-count register at the clock's present value. */
uint32_t lapic_timer_count(const struct lapic *l);

/*
 * A fixed interrupt arrives (from the IO-APIC or any other device): IRR
 * set, TMR set if level-triggered, cleared if edge. Vectors 0-15 are
 * illegal: ESR "receive illegal vector" and dropped (SDM 11.5.2). Dropped
 * too while the APIC is globally disabled. While it is software-disabled
 * the vector waits in IRR (SDM 11.4.7.2: pending interrupts are held).
 * Returns true if IRR holds the vector now.
 */
bool lapic_set_irq(struct lapic *l, uint8_t vector, bool level_triggered);
/*
 * An interrupt message (apic_deliver_fn; ctx is the struct lapic). Taken
 * if the destination is this APIC: physical ID or 0xff, or logical
 * matching LDR in DFR's flat or cluster model (SDM 11.6.2.2); others are
 * dropped and counted. Fixed and lowest-priority set IRR; NMI sets the
 * NMI flag; SMI, INIT and ExtINT are counted and ignored.
 */
bool lapic_deliver(void *lapic, const struct apic_msg *m);

/*
 * The vector the APIC would present to the CPU now: the highest in IRR
 * whose priority class (vector >> 4) is above PPR's (SDM 11.8.3.1), or
 * -1; always -1 while the APIC is disabled (globally or by software).
 */
int lapic_pending(const struct lapic *l);
/*
 * The INTA cycle: the pending vector moves from IRR to ISR and is
 * returned, for KVM_INTERRUPT. With nothing pending (TPR raised since
 * lapic_pending, say) the spurious vector (SVR bits 0-7) is returned and
 * ISR left alone (SDM 11.9).
 */
uint8_t lapic_ack(struct lapic *l);
/*
 * True if the 8259's INTR reaches the CPU: the APIC is globally disabled,
 * or LVT LINT0 is unmasked with delivery mode ExtINT (virtual wire mode,
 * as QEMU and KVM decide it). An ExtINT interrupt takes its vector from
 * the 8259's own INTA cycle (SDM 11.5.1), so IRR, ISR and PPR play no
 * part. A software-disabled APIC has every LVT entry masked (SDM
 * 11.4.7.2), so it blocks INTR.
 */
bool lapic_accepts_pic(const struct lapic *l);

/* TPR in its register form (CR8 is TPR >> 4, SDM 11.8.6). */
void lapic_set_tpr(struct lapic *l, uint8_t tpr);
uint8_t lapic_get_tpr(const struct lapic *l);
/* PPR as SDM 11.8.3.1 derives it from TPR and ISR. */
uint8_t lapic_get_ppr(const struct lapic *l);
/* True once per NMI sent to this CPU (ICR or IO-APIC). */
bool lapic_take_nmi(struct lapic *l);

/*
 * The xAPIC page: registers are read and written 32 bits at a time at
 * 16-byte-aligned offsets (SDM 11.4.1: "all 32-bit registers should be
 * accessed using 128-bit aligned 32-bit loads or stores"; other accesses
 * are undefined). Chosen here: a read of any size returns the bytes it
 * covers, the 32-bit registers' bytes at offsets 0-3 of each 16-byte slot
 * and 0 for bytes 4-15; a write that is not 4 bytes at an aligned offset is
 * ignored (and counted). Reserved registers read 0, ignore writes and set
 * ESR's "illegal register address" (SDM 11.5.3). opaque: struct lapic.
 */
extern const struct bus_device_ops lapic_bus_ops;

/* ---- dev_ioapic.c: the 82093AA IO-APIC ----------------------------------- */

#define IOAPIC_DEFAULT_BASE     0xfec00000ULL
#define IOAPIC_MMIO_BYTES       0x1000  /* IOREGSEL, IOWIN; the rest reads 0 */
#define IOAPIC_NPINS            24
#define IOAPIC_VERSION          0x11

/* Direct registers (offsets in the MMIO range). */
#define IOAPIC_IOREGSEL         0x00
#define IOAPIC_IOWIN            0x10

/* Indirect registers (IOREGSEL values). */
#define IOAPIC_REG_ID           0x00
#define IOAPIC_REG_VER          0x01
#define IOAPIC_REG_ARB          0x02
#define IOAPIC_REG_REDTBL       0x10    /* entry n: 0x10 + 2n (low), 0x11 + 2n (high) */

/* Redirection entry bits (datasheet 3.2.4). */
#define IOREDTBL_VECTOR         0x00000000000000ffULL
#define IOREDTBL_DELIVERY_MODE(v) (((v) >> 8) & 7)
#define IOREDTBL_LOGICAL        (1ULL << 11)
#define IOREDTBL_DELIVERY_STATUS (1ULL << 12)
#define IOREDTBL_POLARITY_LOW   (1ULL << 13)
#define IOREDTBL_REMOTE_IRR     (1ULL << 14)
#define IOREDTBL_LEVEL          (1ULL << 15)
#define IOREDTBL_MASKED         (1ULL << 16)
#define IOREDTBL_DEST_SHIFT     56
/* The bits software can write: vector, delivery mode, destination mode,
 * polarity, trigger mode, mask, destination. */
#define IOREDTBL_WRITABLE       0xff0000000001afffULL

struct ioapic_stats {
	uint64_t delivered[IOAPIC_NPINS];       /* messages a local APIC accepted */
	uint64_t dropped;                       /* messages nobody accepted */
	uint64_t masked_edges;                  /* rising edges on masked pins, lost */
	uint64_t eois;                          /* EOIs that cleared a Remote IRR */
};

struct ioapic {
	uint8_t regsel;                 /* IOREGSEL */
	uint8_t id;                     /* IOAPICID bits 24-27 */
	uint8_t arb;                    /* IOAPICARB bits 24-27 */
	uint64_t redtbl[IOAPIC_NPINS];
	uint32_t lines;                 /* pin levels (1 = request asserted) */
	apic_deliver_fn *deliver;
	void *deliver_ctx;
	struct ioapic_stats stats;
};

/*
 * Reset state (datasheet 3.0): ID and arbitration ID 0, IOREGSEL 0, every
 * redirection entry masked (0x0000000000010000), every line low. Messages
 * go to deliver(ctx, ...).
 */
void ioapic_init(struct ioapic *io, apic_deliver_fn *deliver, void *ctx);
void ioapic_reset(struct ioapic *io);
/*
 * Drives pin (0-23) to level (0 or 1: whether the source asserts its
 * request; the VMM's wires carry requests, so the polarity bit is stored
 * and not applied). Edge-triggered entries send a message on a rising
 * edge, none while masked (the edge is lost, datasheet 3.2.4 "Interrupt
 * Mask"); level-triggered entries send one while the line is high and
 * Remote IRR clear, and set Remote IRR when an APIC accepts it; a masked
 * level entry sends when it is unmasked if the line is still high.
 */
void ioapic_set_irq(struct ioapic *io, unsigned pin, int level);
/*
 * The EOI message for vector: clears Remote IRR of the level-triggered
 * entries with that vector, and sends again those whose line is still
 * high.
 */
void ioapic_eoi(struct ioapic *io, uint8_t vector);
/* ioapic_eoi as an apic_eoi_fn (ctx: struct ioapic). */
void ioapic_eoi_hook(void *ctx, uint8_t vector);
/* Register n of the indirect space as IOWIN would read it. */
uint32_t ioapic_read_reg(const struct ioapic *io, uint8_t reg);

/*
 * IOREGSEL at 0x00 (bits 0-7 R/W) and IOWIN at 0x10, 32-bit registers.
 * Reads of any size return the bytes they cover (bytes 4-15 of each
 * 16-byte slot, and every other offset, read 0); IOREGSEL takes a write
 * of any size at offset 0 (its low byte, as on chipsets that document it
 * as an 8-bit index), IOWIN only a 4-byte write at offset 0x10; other
 * writes are ignored. opaque: struct ioapic.
 */
extern const struct bus_device_ops ioapic_bus_ops;

#endif
