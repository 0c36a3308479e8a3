/*
 * Host unit tests for the local APIC and the IO-APIC (guests/ctl/
 * dev_lapic.c, dev_ioapic.c): reset and BIOS state, the ID, version, LDR,
 * DFR, SVR registers, TPR/PPR/APR arithmetic, priority selection, INTA
 * and EOI with nested vectors, software and global disable, the 8259's
 * path through LVT0, the ESR and illegal vectors, ICR self-IPIs, the
 * timer (one-shot, periodic, divide values, current count, masked LVT,
 * next event), odd access sizes and offsets; the IO-APIC's indirect
 * registers and read-only bits, edge and level pins, masking, Remote IRR
 * with the EOI coming back from the local APIC, destinations.
 * `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "guests/ctl/apic.h"

static struct lapic l;
static struct ioapic io;

/* A fake EOI listener for tests without the IO-APIC. */
static unsigned eoi_calls;
static int last_eoi_vector;

static void record_eoi(void *ctx, uint8_t vector)
{
	(void)ctx;
	eoi_calls++;
	last_eoi_vector = vector;
}

static void lw(uint64_t reg, uint32_t v)
{
	lapic_bus_ops.write(&l, reg, 4, v);
}

static uint32_t lr(uint64_t reg)
{
	return (uint32_t)lapic_bus_ops.read(&l, reg, 4);
}

/* Bit `vector` of the 256-bit set at IRR/ISR/TMR base, as the guest reads it. */
static bool vec_bit(uint64_t base, unsigned vector)
{
	return lr(base + 0x10 * (vector / 32)) & (1u << (vector % 32));
}

static void io_wr(uint8_t reg, uint32_t v)
{
	ioapic_bus_ops.write(&io, IOAPIC_IOREGSEL, 4, reg);
	ioapic_bus_ops.write(&io, IOAPIC_IOWIN, 4, v);
}

static uint32_t io_rd(uint8_t reg)
{
	ioapic_bus_ops.write(&io, IOAPIC_IOREGSEL, 4, reg);
	return (uint32_t)ioapic_bus_ops.read(&io, IOAPIC_IOWIN, 4);
}

/* Pin's redirection entry: vector, delivery mode and flags in the low
 * dword, destination in the high one. */
static void route(unsigned pin, uint32_t low, uint8_t dest)
{
	io_wr((uint8_t)(IOAPIC_REG_REDTBL + 2 * pin + 1), (uint32_t)dest << 24);
	io_wr((uint8_t)(IOAPIC_REG_REDTBL + 2 * pin), low);
}

static uint32_t redtbl_low(unsigned pin)
{
	return io_rd((uint8_t)(IOAPIC_REG_REDTBL + 2 * pin));
}

/* A local APIC as the BIOS leaves it, with the fake EOI listener. */
static void lapic_setup(void)
{
	eoi_calls = 0;
	last_eoi_vector = -1;
	lapic_init(&l, record_eoi, NULL);
	lapic_bios_init(&l);
}

/* The local APIC and the IO-APIC wired to each other, as vm.c will. */
static void pair_setup(void)
{
	lapic_init(&l, ioapic_eoi_hook, &io);
	lapic_bios_init(&l);
	ioapic_init(&io, lapic_deliver, &l);
}

/* ---- local APIC registers --------------------------------------------------- */

static void test_lapic_reset_state(void **state)
{
	(void)state;
	lapic_init(&l, NULL, NULL);
	assert_true(l.apic_base == 0xfee00900ULL);
	assert_int_equal(lr(LAPIC_ID), 0);
	assert_int_equal(lr(LAPIC_VERSION), 0x00050014);
	assert_int_equal(lr(LAPIC_TPR), 0);
	assert_int_equal(lr(LAPIC_APR), 0);
	assert_int_equal(lr(LAPIC_PPR), 0);
	assert_int_equal(lr(LAPIC_LDR), 0);
	assert_int_equal(lr(LAPIC_DFR), 0xffffffff);
	assert_int_equal(lr(LAPIC_SVR), 0xff);
	for (uint64_t r = LAPIC_ISR; r < LAPIC_ESR; r += 0x10)
		assert_int_equal(lr(r), 0);
	assert_int_equal(lr(LAPIC_ESR), 0);
	assert_int_equal(lr(LAPIC_ICR_LO), 0);
	assert_int_equal(lr(LAPIC_ICR_HI), 0);
	for (uint64_t r = LAPIC_LVT_TIMER; r <= LAPIC_LVT_ERROR; r += 0x10)
		assert_int_equal(lr(r), 0x00010000);
	assert_int_equal(lr(LAPIC_TIMER_ICR), 0);
	assert_int_equal(lr(LAPIC_TIMER_CCR), 0);
	assert_int_equal(lr(LAPIC_TIMER_DCR), 0);
	assert_false(lapic_sw_enabled(&l));
	assert_true(lapic_hw_enabled(&l));
	assert_false(lapic_accepts_pic(&l));            /* LVT0 masked */
	assert_int_equal(lr(LAPIC_ESR), 0);             /* no illegal access so far */
	lw(LAPIC_ESR, 0);
	assert_int_equal(lr(LAPIC_ESR), 0);
}

static void test_lapic_bios_state_and_id_registers(void **state)
{
	(void)state;
	lapic_setup();
	assert_int_equal(lr(LAPIC_SVR), 0x1ff);
	assert_int_equal(lr(LAPIC_LVT_LINT0), 0x8700);
	assert_int_equal(lr(LAPIC_LVT_LINT1), 0x8400);
	assert_int_equal(lr(LAPIC_LVT_TIMER), 0x00010000);
	assert_true(lapic_accepts_pic(&l));

	lw(LAPIC_ID, 0x0a123456);                       /* bits 24-31 writable */
	assert_int_equal(lr(LAPIC_ID), 0x0a000000);
	lw(LAPIC_VERSION, 0);                           /* read-only */
	assert_int_equal(lr(LAPIC_VERSION), 0x00050014);
	lw(LAPIC_LDR, 0x81ffffff);
	assert_int_equal(lr(LAPIC_LDR), 0x81000000);
	lw(LAPIC_DFR, 0x00000000);                      /* cluster model */
	assert_int_equal(lr(LAPIC_DFR), 0x0fffffff);
	lw(LAPIC_DFR, 0xf0000000);
	assert_int_equal(lr(LAPIC_DFR), 0xffffffff);
	lw(LAPIC_SVR, 0xfffff1f0);                      /* bits 0-8 writable */
	assert_int_equal(lr(LAPIC_SVR), 0x1f0);
	lw(LAPIC_TIMER_DCR, 0xffffffff);                /* bits 0, 1, 3 */
	assert_int_equal(lr(LAPIC_TIMER_DCR), 0xb);
	lw(LAPIC_TIMER_CCR, 1234);                      /* read-only */
	assert_int_equal(lr(LAPIC_TIMER_CCR), 0);
	lw(LAPIC_RRD, 5);
	assert_int_equal(lr(LAPIC_RRD), 0);
	assert_int_equal(lr(LAPIC_ESR), 0);
	lw(LAPIC_ESR, 0);
	assert_int_equal(lr(LAPIC_ESR), 0);             /* none of that was an error */

	lapic_reset(&l);                                /* back to power-up */
	assert_int_equal(lr(LAPIC_ID), 0);
	assert_int_equal(lr(LAPIC_SVR), 0xff);
	assert_int_equal(lr(LAPIC_LVT_LINT0), 0x00010000);
}

/* Writable LVT bits per entry; delivery status and remote IRR read-only,
 * TSC-deadline (bit 18) not offered. */
static void test_lapic_lvt_bits(void **state)
{
	(void)state;
	lapic_setup();
	lw(LAPIC_LVT_TIMER, 0xffffffff);
	assert_int_equal(lr(LAPIC_LVT_TIMER), 0x000300ff);
	lw(LAPIC_LVT_TIMER, 0x00040031);                /* TSC-deadline mode asked */
	assert_int_equal(lr(LAPIC_LVT_TIMER), 0x00000031);
	lw(LAPIC_LVT_THERMAL, 0xffffffff);
	assert_int_equal(lr(LAPIC_LVT_THERMAL), 0x000107ff);
	lw(LAPIC_LVT_PERF, 0xffffffff);
	assert_int_equal(lr(LAPIC_LVT_PERF), 0x000107ff);
	lw(LAPIC_LVT_LINT0, 0xffffffff);
	assert_int_equal(lr(LAPIC_LVT_LINT0), 0x0001a7ff);
	lw(LAPIC_LVT_LINT1, 0xffffffff);
	assert_int_equal(lr(LAPIC_LVT_LINT1), 0x0001a7ff);
	lw(LAPIC_LVT_ERROR, 0xffffffff);
	assert_int_equal(lr(LAPIC_LVT_ERROR), 0x000100ff);
}

/* ---- priorities ---------------------------------------------------------------- */

static void test_lapic_tpr_ppr_apr(void **state)
{
	(void)state;
	lapic_setup();
	lw(LAPIC_TPR, 0xffffff35);                      /* bits 0-7 */
	assert_int_equal(lr(LAPIC_TPR), 0x35);
	assert_int_equal(lapic_get_tpr(&l), 0x35);
	assert_int_equal(lr(LAPIC_PPR), 0x35);          /* nothing in service */
	assert_int_equal(lr(LAPIC_APR), 0x35);

	lapic_set_tpr(&l, 0x00);
	assert_true(lapic_set_irq(&l, 0x51, false));
	assert_int_equal(lr(LAPIC_APR), 0x50);          /* IRRV's class */
	assert_int_equal(lapic_ack(&l), 0x51);
	assert_int_equal(lr(LAPIC_PPR), 0x50);          /* ISRV's class, low bits 0 */
	assert_int_equal(lr(LAPIC_APR), 0x50);
	lapic_set_tpr(&l, 0x5a);
	assert_int_equal(lr(LAPIC_PPR), 0x5a);          /* equal classes: TPR */
	assert_int_equal(lr(LAPIC_APR), 0x50);          /* TPR not above ISRV */
	lapic_set_tpr(&l, 0x62);
	assert_int_equal(lr(LAPIC_TPR), 0x62);
	assert_int_equal(lapic_get_ppr(&l), 0x62);
	assert_int_equal(lr(LAPIC_APR), 0x62);
	lapic_set_tpr(&l, 0x41);
	assert_int_equal(lr(LAPIC_PPR), 0x50);
	lw(LAPIC_PPR, 0xff);                            /* read-only */
	lw(LAPIC_APR, 0xff);
	assert_int_equal(lr(LAPIC_PPR), 0x50);
	lw(LAPIC_EOI, 0);
	assert_int_equal(lr(LAPIC_PPR), 0x41);
}

static void test_lapic_priority_selection(void **state)
{
	(void)state;
	lapic_setup();
	assert_int_equal(lapic_pending(&l), -1);
	lapic_set_irq(&l, 0x31, false);
	lapic_set_irq(&l, 0x45, false);
	lapic_set_irq(&l, 0x42, false);
	assert_int_equal(lapic_pending(&l), 0x45);      /* highest vector */
	assert_int_equal(lr(LAPIC_IRR + 0x20), (1u << 5) | (1u << 2));
	assert_int_equal(lr(LAPIC_IRR + 0x10), 1u << 17);
	lapic_set_tpr(&l, 0x40);                        /* class 4 is not above 4 */
	assert_int_equal(lapic_pending(&l), -1);
	lapic_set_tpr(&l, 0x3f);
	assert_int_equal(lapic_pending(&l), 0x45);
	lapic_set_tpr(&l, 0xf0);
	assert_int_equal(lapic_pending(&l), -1);
	/* an INTA with nothing deliverable gives the spurious vector, ISR untouched */
	lw(LAPIC_SVR, 0x1f0);
	assert_int_equal(lapic_ack(&l), 0xf0);
	assert_int_equal(l.stats.spurious, 1);
	assert_int_equal(lr(LAPIC_ISR + 0x70), 0);
	assert_true(vec_bit(LAPIC_IRR, 0x45));
	lapic_set_tpr(&l, 0);
	assert_int_equal(lapic_ack(&l), 0x45);
	assert_int_equal(lapic_pending(&l), -1);        /* 0x42: same class as 0x45 in service */
	assert_int_equal(lapic_ack(&l), 0xf0);
	lw(LAPIC_EOI, 0);
	assert_int_equal(lapic_ack(&l), 0x42);
	assert_int_equal(lapic_pending(&l), -1);        /* 0x31: a lower class waits */
	lw(LAPIC_EOI, 0);
	assert_int_equal(lapic_ack(&l), 0x31);
	assert_int_equal(l.stats.acks, 3);
	assert_int_equal(l.stats.spurious, 2);
}

/* The highest vector is found in every word of the IRR and the ISR and in
 * either half of the 64-bit loads that scan them: each vector from 0x11
 * up, raised beside the one below it, is taken first, put in service,
 * and ended by the EOI, which leaves the lower one deliverable. */
static void test_lapic_highest_vector_in_every_word(void **state)
{
	(void)state;
	for (unsigned v = 0x11; v <= 0xff; v++) {
		lapic_setup();
		lapic_set_irq(&l, (uint8_t)(v - 1), false);
		lapic_set_irq(&l, (uint8_t)v, false);
		assert_int_equal(lapic_pending(&l), v);
		assert_int_equal(lapic_ack(&l), v);
		assert_true(vec_bit(LAPIC_ISR, v));
		assert_int_equal(lr(LAPIC_PPR), v & 0xf0);
		lw(LAPIC_EOI, 0);
		assert_false(vec_bit(LAPIC_ISR, v));
		assert_int_equal(lr(LAPIC_PPR), 0);
		assert_int_equal(lapic_pending(&l), v - 1);
	}
}

static void test_lapic_ack_eoi_nesting(void **state)
{
	(void)state;
	lapic_setup();
	lapic_set_irq(&l, 0x40, false);
	assert_int_equal(lapic_ack(&l), 0x40);
	assert_int_equal(lr(LAPIC_ISR + 0x20), 1u << 0);
	assert_int_equal(lr(LAPIC_IRR + 0x20), 0);
	lapic_set_irq(&l, 0x41, false);
	assert_int_equal(lapic_pending(&l), -1);        /* same class as 0x40 */
	lapic_set_irq(&l, 0x60, false);
	assert_int_equal(lapic_pending(&l), 0x60);      /* nests */
	assert_int_equal(lapic_ack(&l), 0x60);
	assert_int_equal(lr(LAPIC_ISR + 0x30), 1u << 0);
	assert_int_equal(lr(LAPIC_PPR), 0x60);
	lw(LAPIC_EOI, 0);                               /* ends 0x60 */
	assert_int_equal(lr(LAPIC_ISR + 0x30), 0);
	assert_int_equal(lr(LAPIC_ISR + 0x20), 1u << 0);
	assert_int_equal(lapic_pending(&l), -1);        /* 0x41 still behind 0x40 */
	lw(LAPIC_EOI, 0);                               /* ends 0x40 */
	assert_int_equal(lapic_pending(&l), 0x41);
	assert_int_equal(lapic_ack(&l), 0x41);
	lw(LAPIC_EOI, 0);
	lw(LAPIC_EOI, 0);                               /* nothing in service: no effect */
	assert_int_equal(l.stats.eois, 3);
	assert_int_equal(eoi_calls, 0);                 /* all edge-triggered */
	assert_int_equal(lr(LAPIC_EOI), 0);             /* write-only */
}

static void test_lapic_level_eoi_hook(void **state)
{
	(void)state;
	lapic_setup();
	lapic_set_irq(&l, 0x70, true);
	assert_true(vec_bit(LAPIC_TMR, 0x70));
	lapic_set_irq(&l, 0x71, false);
	assert_false(vec_bit(LAPIC_TMR, 0x71));
	assert_int_equal(lapic_ack(&l), 0x71);
	lw(LAPIC_EOI, 0);
	assert_int_equal(eoi_calls, 0);
	assert_int_equal(lapic_ack(&l), 0x70);
	lw(LAPIC_EOI, 0);
	assert_int_equal(eoi_calls, 1);
	assert_int_equal(last_eoi_vector, 0x70);
	assert_int_equal(l.stats.eoi_broadcasts, 1);
	/* the same vector arriving edge-triggered clears its TMR bit */
	lapic_set_irq(&l, 0x70, false);
	assert_false(vec_bit(LAPIC_TMR, 0x70));
}

/* ---- disabling ------------------------------------------------------------------ */

static void test_lapic_software_disable(void **state)
{
	(void)state;
	lapic_setup();
	lw(LAPIC_LVT_TIMER, 0x00020030);
	lw(LAPIC_LVT_ERROR, 0x000000fe);
	lw(LAPIC_SVR, 0x0ff);                           /* software-disable */
	assert_int_equal(lr(LAPIC_LVT_TIMER), 0x00030030);
	assert_int_equal(lr(LAPIC_LVT_ERROR), 0x000100fe);
	assert_int_equal(lr(LAPIC_LVT_LINT0), 0x00018700);
	assert_false(lapic_accepts_pic(&l));
	lw(LAPIC_LVT_TIMER, 0x00000031);                /* unmasking is ignored */
	assert_int_equal(lr(LAPIC_LVT_TIMER), 0x00010031);
	/* pending interrupts are held, not lost */
	assert_true(lapic_set_irq(&l, 0x55, false));
	assert_true(vec_bit(LAPIC_IRR, 0x55));
	assert_int_equal(lapic_pending(&l), -1);
	assert_int_equal(lapic_ack(&l), 0xff);          /* spurious */
	lw(LAPIC_SVR, 0x1ff);
	assert_int_equal(lapic_pending(&l), 0x55);
	assert_int_equal(lr(LAPIC_LVT_TIMER), 0x00010031);  /* stays masked */
	lw(LAPIC_LVT_TIMER, 0x00000031);
	assert_int_equal(lr(LAPIC_LVT_TIMER), 0x00000031);
}

static void test_lapic_global_disable(void **state)
{
	(void)state;
	lapic_setup();
	lapic_set_irq(&l, 0x55, false);
	lw(LAPIC_TPR, 0x20);
	lapic_set_base(&l, 0xfee00900ULL);              /* unchanged: idempotent */
	assert_int_equal(lr(LAPIC_TPR), 0x20);
	lapic_set_base(&l, 0xfee00100ULL);              /* bit 11 clear */
	assert_false(lapic_hw_enabled(&l));
	assert_true(lapic_accepts_pic(&l));
	assert_int_equal(lapic_pending(&l), -1);
	assert_false(lapic_set_irq(&l, 0x56, false));
	assert_int_equal(l.stats.dropped, 1);
	/* the page is not decoded: bus-error semantics, all ones at any size */
	assert_int_equal(lr(LAPIC_VERSION), 0xffffffffu);
	assert_int_equal(lapic_bus_ops.read(&l, LAPIC_TPR, 1), 0xff);
	assert_int_equal(lapic_bus_ops.read(&l, LAPIC_TPR, 2), 0xffff);
	assert_true(lapic_bus_ops.read(&l, LAPIC_ID, 8) == UINT64_MAX);
	lw(LAPIC_TPR, 0x30);
	assert_int_equal(lr(LAPIC_TPR), 0xffffffffu);
	lapic_set_base(&l, 0xfee00900ULL);              /* enabled again: power-up state */
	assert_int_equal(lr(LAPIC_VERSION), 0x00050014);
	assert_int_equal(lr(LAPIC_TPR), 0);
	assert_int_equal(lr(LAPIC_SVR), 0xff);
	assert_int_equal(lr(LAPIC_IRR + 0x20), 0);
	assert_false(lapic_accepts_pic(&l));
	lapic_set_base(&l, 0xfed00900ULL | (1ULL << 10));       /* moved; x2APIC bit ignored */
	assert_true(l.apic_base == 0xfed00900ULL);
}

static void test_lapic_accepts_pic(void **state)
{
	(void)state;
	lapic_setup();
	assert_true(lapic_accepts_pic(&l));             /* LVT0 ExtINT, unmasked */
	lw(LAPIC_LVT_LINT0, 0x00010700);
	assert_false(lapic_accepts_pic(&l));
	lw(LAPIC_LVT_LINT0, 0x00000030);                /* fixed, not ExtINT */
	assert_false(lapic_accepts_pic(&l));
	lw(LAPIC_LVT_LINT0, 0x00000700);
	assert_true(lapic_accepts_pic(&l));
	lapic_set_tpr(&l, 0xff);                        /* ExtINT ignores priorities */
	assert_true(lapic_accepts_pic(&l));
}

/* ---- errors -------------------------------------------------------------------- */

static void test_lapic_esr_and_illegal_vectors(void **state)
{
	(void)state;
	lapic_setup();
	assert_false(lapic_set_irq(&l, 0x0f, false));
	assert_int_equal(lr(LAPIC_IRR), 0);
	assert_int_equal(lr(LAPIC_ESR), 0);             /* not latched until written */
	lw(LAPIC_ESR, 0);
	assert_int_equal(lr(LAPIC_ESR), 0x40);          /* receive illegal vector */
	lw(LAPIC_ESR, 0);
	assert_int_equal(lr(LAPIC_ESR), 0);
	assert_true(lapic_set_irq(&l, 0x10, false));    /* 16 is the first legal one */

	/* the error interrupt: once, then rearmed by a write to ESR */
	lw(LAPIC_LVT_ERROR, 0xfe);
	lapic_set_irq(&l, 0x03, false);
	assert_true(vec_bit(LAPIC_IRR, 0xfe));
	assert_int_equal(l.stats.raised[LAPIC_SRC_ERROR], 1);
	lr(LAPIC_LVT_CMCI);                             /* reserved: illegal register */
	assert_int_equal(l.stats.raised[LAPIC_SRC_ERROR], 1);
	lw(LAPIC_ESR, 0);
	assert_int_equal(lr(LAPIC_ESR), 0xc0);
	lw(0x400, 1);                                   /* reserved, beyond the map */
	assert_int_equal(l.stats.raised[LAPIC_SRC_ERROR], 2);
	lw(LAPIC_ESR, 0);
	assert_int_equal(lr(LAPIC_ESR), 0x80);

	/* an illegal error vector does not start a chain */
	lw(LAPIC_LVT_ERROR, 0x05);
	lapic_set_irq(&l, 0x02, false);
	assert_int_equal(l.stats.illegal_vectors, 4);
	lw(LAPIC_ESR, 0);
	assert_int_equal(lr(LAPIC_ESR), 0x40);
	/* a masked error LVT raises nothing */
	lw(LAPIC_LVT_ERROR, 0x100fd);
	lapic_set_irq(&l, 0x01, false);
	assert_false(vec_bit(LAPIC_IRR, 0xfd));
}

/* ---- IPIs ------------------------------------------------------------------------ */

static void test_lapic_icr_self_ipi(void **state)
{
	(void)state;
	lapic_setup();
	lw(LAPIC_ICR_LO, 0x00041050);                   /* self, fixed, vector 0x50 */
	assert_true(vec_bit(LAPIC_IRR, 0x50));
	assert_int_equal(lr(LAPIC_ICR_LO), 0x00040050); /* delivery status idle */
	assert_int_equal(l.stats.raised[LAPIC_SRC_IPI], 1);

	lw(LAPIC_ICR_HI, 0xffffffff);
	assert_int_equal(lr(LAPIC_ICR_HI), 0xff000000);
	lw(LAPIC_ICR_HI, 0x00000000);                   /* physical 0: this APIC */
	lw(LAPIC_ICR_LO, 0x0000c051);                   /* level-triggered */
	assert_true(vec_bit(LAPIC_IRR, 0x51));
	assert_true(vec_bit(LAPIC_TMR, 0x51));
	lw(LAPIC_ICR_HI, 0x01000000);                   /* CPU 1: absent */
	lw(LAPIC_ICR_LO, 0x00004052);
	assert_false(vec_bit(LAPIC_IRR, 0x52));
	lw(LAPIC_ID, 0x01000000);
	lw(LAPIC_ICR_LO, 0x00004052);                   /* now it is us */
	assert_true(vec_bit(LAPIC_IRR, 0x52));
	lw(LAPIC_ICR_LO, 0x000c4053);                   /* all but self */
	assert_false(vec_bit(LAPIC_IRR, 0x53));
	lw(LAPIC_ICR_LO, 0x00084054);                   /* all including self */
	assert_true(vec_bit(LAPIC_IRR, 0x54));
	lw(LAPIC_ICR_LO, 0x000c4500);                   /* INIT to the others */
	lw(LAPIC_ICR_LO, 0x000c4610);                   /* SIPI to the others */
	lw(LAPIC_ICR_LO, 0x00084500);                   /* INIT to all: not modelled */
	assert_int_equal(l.stats.ignored, 5);
	assert_int_equal(lr(LAPIC_ICR_LO), 0x00084500);

	lw(LAPIC_ICR_LO, 0x00044400);                   /* NMI to self */
	assert_true(lapic_take_nmi(&l));
	assert_false(lapic_take_nmi(&l));

	lw(LAPIC_ICR_LO, 0x00044005);                   /* illegal vector: not sent */
	assert_int_equal(lr(LAPIC_IRR), 0);
	lw(LAPIC_ESR, 0);
	assert_int_equal(lr(LAPIC_ESR), 0x20);          /* send illegal vector */

	/* logical destinations: flat, then cluster */
	lw(LAPIC_LDR, 0x02000000);
	lw(LAPIC_ICR_HI, 0x06000000);
	lw(LAPIC_ICR_LO, 0x00004860);
	assert_true(vec_bit(LAPIC_IRR, 0x60));
	lw(LAPIC_ICR_HI, 0x01000000);
	lw(LAPIC_ICR_LO, 0x00004861);
	assert_false(vec_bit(LAPIC_IRR, 0x61));
}

/* ---- the timer ----------------------------------------------------------------- */

static void test_lapic_timer_one_shot(void **state)
{
	(void)state;
	lapic_setup();
	lw(LAPIC_LVT_TIMER, 0x30);                      /* one-shot, vector 0x30 */
	lw(LAPIC_TIMER_DCR, 0xb);                       /* divide by 1 */
	lapic_advance(&l, 1000);
	assert_true(lapic_next_event(&l) == LAPIC_NEVER);
	lw(LAPIC_TIMER_ICR, 500);
	assert_true(lapic_next_event(&l) == 1500);
	assert_int_equal(lr(LAPIC_TIMER_ICR), 500);
	assert_int_equal(lr(LAPIC_TIMER_CCR), 500);
	lapic_advance(&l, 1200);
	assert_int_equal(lr(LAPIC_TIMER_CCR), 300);
	lapic_advance(&l, 1100);                        /* time never goes back */
	assert_int_equal(lr(LAPIC_TIMER_CCR), 300);
	lapic_advance(&l, 1499);
	assert_int_equal(lr(LAPIC_TIMER_CCR), 1);
	assert_false(vec_bit(LAPIC_IRR, 0x30));
	lapic_advance(&l, 1500);
	assert_true(vec_bit(LAPIC_IRR, 0x30));
	assert_false(vec_bit(LAPIC_TMR, 0x30));         /* timer interrupts are edge */
	assert_int_equal(lr(LAPIC_TIMER_CCR), 0);
	assert_true(lapic_next_event(&l) == LAPIC_NEVER);
	assert_int_equal(lapic_ack(&l), 0x30);
	lw(LAPIC_EOI, 0);
	lapic_advance(&l, 100000);
	assert_int_equal(lapic_pending(&l), -1);
	assert_int_equal(l.stats.raised[LAPIC_SRC_TIMER], 1);
	assert_int_equal(lr(LAPIC_TIMER_ICR), 500);     /* the initial count stays */
	/* a new initial count restarts it; 0 stops it */
	lw(LAPIC_TIMER_ICR, 10);
	assert_true(lapic_next_event(&l) == 100010);
	lw(LAPIC_TIMER_ICR, 0);
	assert_int_equal(lr(LAPIC_TIMER_CCR), 0);
	assert_true(lapic_next_event(&l) == LAPIC_NEVER);
	lapic_advance(&l, 200000);
	assert_int_equal(l.stats.timer_expiries, 1);
}

static void test_lapic_timer_periodic(void **state)
{
	(void)state;
	lapic_setup();
	lw(LAPIC_LVT_TIMER, 0x00020031);                /* periodic, vector 0x31 */
	lw(LAPIC_TIMER_DCR, 0x0);                       /* divide by 2 */
	lw(LAPIC_TIMER_ICR, 100);                       /* period 200 ns */
	assert_true(lapic_next_event(&l) == 200);
	lapic_advance(&l, 1);
	assert_int_equal(lr(LAPIC_TIMER_CCR), 100);     /* half a count passed */
	lapic_advance(&l, 2);
	assert_int_equal(lr(LAPIC_TIMER_CCR), 99);
	lapic_advance(&l, 200);
	assert_true(vec_bit(LAPIC_IRR, 0x31));
	assert_int_equal(lr(LAPIC_TIMER_CCR), 100);     /* reloaded */
	assert_true(lapic_next_event(&l) == 400);
	lapic_advance(&l, 250);
	assert_int_equal(lr(LAPIC_TIMER_CCR), 75);
	assert_int_equal(lapic_ack(&l), 0x31);
	lw(LAPIC_EOI, 0);
	/* 400, 600, 800 and 1000 passed: one interrupt, the phase kept */
	lapic_advance(&l, 1050);
	assert_true(vec_bit(LAPIC_IRR, 0x31));
	assert_int_equal(l.stats.raised[LAPIC_SRC_TIMER], 2);
	assert_int_equal(l.stats.timer_missed_periods, 3);
	assert_true(lapic_next_event(&l) == 1200);
	assert_int_equal(lr(LAPIC_TIMER_CCR), 75);
	/* switched to one-shot: the running count ends the timer */
	lw(LAPIC_LVT_TIMER, 0x00000031);
	lapic_advance(&l, 1200);
	assert_int_equal(lr(LAPIC_TIMER_CCR), 0);
	assert_true(lapic_next_event(&l) == LAPIC_NEVER);
}

static void test_lapic_timer_divide(void **state)
{
	static const struct { uint32_t dcr; uint64_t divide; } cases[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lapic_setup();
		lw(LAPIC_LVT_TIMER, 0x40);
		lapic_advance(&l, 7);
		lw(LAPIC_TIMER_DCR, cases[i].dcr);
		assert_int_equal(lr(LAPIC_TIMER_DCR), cases[i].dcr);
		lw(LAPIC_TIMER_ICR, 1000);
		assert_true(lapic_next_event(&l) == 7 + 1000 * cases[i].divide);
		lapic_advance(&l, 7 + 1000 * cases[i].divide - 1);
		assert_int_equal(lr(LAPIC_TIMER_CCR), 1);
		assert_false(vec_bit(LAPIC_IRR, 0x40));
		lapic_advance(&l, 7 + 1000 * cases[i].divide);
		assert_true(vec_bit(LAPIC_IRR, 0x40));
	}
	/* a new divide value applies to the counts that remain */
	lapic_setup();
	lw(LAPIC_LVT_TIMER, 0x40);
	lw(LAPIC_TIMER_DCR, 0xb);
	lw(LAPIC_TIMER_ICR, 100);
	lapic_advance(&l, 40);
	lw(LAPIC_TIMER_DCR, 0x1);                       /* divide by 4 */
	assert_int_equal(lr(LAPIC_TIMER_CCR), 60);
	assert_true(lapic_next_event(&l) == 40 + 60 * 4);
	lapic_advance(&l, 100);
	assert_int_equal(lr(LAPIC_TIMER_CCR), 45);
	/* the largest count with the largest divide value does not overflow */
	lw(LAPIC_TIMER_DCR, 0xa);
	lw(LAPIC_TIMER_ICR, 0xffffffff);
	assert_true(lapic_next_event(&l) == 100 + 0xffffffffULL * 128);
	assert_int_equal(lr(LAPIC_TIMER_CCR), 0xffffffff);
}

static void test_lapic_timer_masked(void **state)
{
	(void)state;
	lapic_setup();
	lw(LAPIC_LVT_TIMER, 0x00010032);                /* masked one-shot */
	lw(LAPIC_TIMER_DCR, 0xb);
	lw(LAPIC_TIMER_ICR, 50);
	assert_true(lapic_next_event(&l) == LAPIC_NEVER);       /* nothing to wake for */
	assert_int_equal(lr(LAPIC_TIMER_CCR), 50);      /* but it counts */
	lapic_advance(&l, 60);
	assert_int_equal(lr(LAPIC_TIMER_CCR), 0);
	assert_false(vec_bit(LAPIC_IRR, 0x32));
	assert_int_equal(l.stats.timer_expiries, 1);
	/* unmasking a running periodic timer brings its next event back */
	lw(LAPIC_LVT_TIMER, 0x00030032);
	lw(LAPIC_TIMER_ICR, 50);
	lapic_advance(&l, 200);                         /* expired masked at 110 */
	assert_false(vec_bit(LAPIC_IRR, 0x32));
	lw(LAPIC_LVT_TIMER, 0x00020032);
	assert_true(lapic_next_event(&l) == 210);
	lapic_advance(&l, 210);
	assert_true(vec_bit(LAPIC_IRR, 0x32));
	/* an illegal timer vector is an error, not an interrupt */
	lw(LAPIC_LVT_TIMER, 0x00000008);
	lw(LAPIC_TIMER_ICR, 5);
	lapic_advance(&l, 215);
	assert_int_equal(lr(LAPIC_IRR), 0);
	lw(LAPIC_ESR, 0);
	assert_int_equal(lr(LAPIC_ESR), 0x40);
}

/* ---- access sizes and offsets ------------------------------------------------------ */

static void test_lapic_odd_accesses(void **state)
{
	const struct bus_device_ops *o = &lapic_bus_ops;

	(void)state;
	lapic_setup();
	assert_int_equal(o->read(&l, 0x30, 1), 0x14);
	assert_int_equal(o->read(&l, 0x32, 1), 0x05);
	assert_int_equal(o->read(&l, 0x30, 2), 0x0014);
	assert_int_equal(o->read(&l, 0x31, 2), 0x0500);
	assert_int_equal(o->read(&l, 0x32, 4), 0x0005);         /* bytes 4-5 read 0 */
	assert_true(o->read(&l, 0x30, 8) == 0x00050014ULL);
	assert_int_equal(o->read(&l, 0x34, 4), 0);
	assert_int_equal(o->read(&l, 0x3c, 4), 0);
	/* 8-byte reads: one register and zeros, or the zeros of one slot and
	 * the next register */
	lw(LAPIC_SVR, 0x1ab);
	assert_true(o->read(&l, 0xf0, 8) == 0x1abULL);
	assert_true(o->read(&l, 0xec, 8) == 0x000001ab00000000ULL);
	/* writes other than 4 bytes at an aligned offset are ignored */
	lw(LAPIC_TPR, 0x20);
	o->write(&l, LAPIC_TPR, 1, 0x30);
	o->write(&l, LAPIC_TPR, 2, 0x30);
	o->write(&l, LAPIC_TPR, 8, 0x30);
	o->write(&l, LAPIC_TPR + 4, 4, 0x30);
	o->write(&l, LAPIC_TPR + 1, 4, 0x30);
	assert_int_equal(lr(LAPIC_TPR), 0x20);
	assert_int_equal(l.stats.bad_accesses, 5);
	lw(LAPIC_ESR, 0);
	assert_int_equal(lr(LAPIC_ESR), 0);             /* those are not ESR errors */
	/* the end of the page */
	assert_int_equal(o->read(&l, 0xffc, 4), 0);
	assert_int_equal(o->read(&l, 0xff8, 8), 0);
	o->write(&l, 0xff0, 4, 1);                      /* reserved register */
	lw(LAPIC_ESR, 0);
	assert_int_equal(lr(LAPIC_ESR), 0x80);
	o->write(&l, 0x1000, 4, 1);                     /* outside: ignored */
	assert_int_equal(l.stats.bad_accesses, 6);
	assert_int_equal(o->read(&l, 0xffe, 4), 0);
}

/* ---- the IO-APIC ------------------------------------------------------------------- */

static void test_ioapic_registers(void **state)
{
	const struct bus_device_ops *o = &ioapic_bus_ops;

	(void)state;
	pair_setup();
	assert_int_equal(io_rd(IOAPIC_REG_ID), 0);
	assert_int_equal(io_rd(IOAPIC_REG_VER), 0x00170011);
	assert_int_equal(io_rd(IOAPIC_REG_ARB), 0);
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++) {
		assert_int_equal(io_rd((uint8_t)(0x10 + 2 * pin)), 0x00010000);
		assert_int_equal(io_rd((uint8_t)(0x11 + 2 * pin)), 0);
	}
	io_wr(IOAPIC_REG_ID, 0xffffffff);               /* bits 24-27 */
	assert_int_equal(io_rd(IOAPIC_REG_ID), 0x0f000000);
	assert_int_equal(io_rd(IOAPIC_REG_ARB), 0x0f000000);    /* loaded from ID */
	io_wr(IOAPIC_REG_VER, 0);
	io_wr(IOAPIC_REG_ARB, 0);
	assert_int_equal(io_rd(IOAPIC_REG_VER), 0x00170011);
	assert_int_equal(io_rd(IOAPIC_REG_ARB), 0x0f000000);
	/* redirection entries: delivery status, remote IRR and reserved bits read 0 */
	io_wr(0x10 + 2 * 5, 0xffffffff);
	assert_int_equal(io_rd(0x10 + 2 * 5), 0x0001afff);
	io_wr(0x11 + 2 * 5, 0xffffffff);
	assert_int_equal(io_rd(0x11 + 2 * 5), 0xff000000);
	io_wr(0x10 + 2 * 23, 0x00000039);
	assert_int_equal(io_rd(0x10 + 2 * 23), 0x39);
	assert_int_equal(io_rd(0x40), 0);               /* past entry 23 */
	assert_int_equal(io_rd(0x03), 0);
	assert_int_equal(io_rd(0xff), 0);
	io_wr(0x40, 0x12345678);                        /* nothing there */
	/* IOREGSEL: 8 bits, read back; byte writes taken */
	o->write(&io, IOAPIC_IOREGSEL, 4, 0xffffff01);
	assert_int_equal(o->read(&io, IOAPIC_IOREGSEL, 4), 0x01);
	o->write(&io, IOAPIC_IOREGSEL, 1, 0x00);
	assert_int_equal(o->read(&io, IOAPIC_IOWIN, 4), 0x0f000000);
	o->write(&io, IOAPIC_IOREGSEL + 1, 1, 0x01);    /* not the index byte */
	assert_int_equal(o->read(&io, IOAPIC_IOREGSEL, 1), 0x00);
	/* IOWIN: partial reads give the bytes, partial writes are ignored */
	assert_int_equal(o->read(&io, IOAPIC_IOWIN + 3, 1), 0x0f);
	assert_int_equal(o->read(&io, IOAPIC_IOWIN + 2, 2), 0x0f00);
	o->write(&io, IOAPIC_IOWIN, 2, 0);
	o->write(&io, IOAPIC_IOWIN + 1, 4, 0);
	assert_int_equal(io_rd(IOAPIC_REG_ID), 0x0f000000);
	/* everything else in the page reads 0 */
	assert_int_equal(o->read(&io, 0x04, 4), 0);
	assert_int_equal(o->read(&io, 0x20, 4), 0);
	assert_int_equal(o->read(&io, 0x40, 4), 0);
	assert_int_equal(o->read(&io, 0xffc, 4), 0);
	o->write(&io, 0x40, 4, 0x39);                   /* no EOI register in 0x11 */
	ioapic_reset(&io);
	assert_int_equal(io_rd(IOAPIC_REG_ID), 0);
	assert_int_equal(io_rd(0x10 + 2 * 5), 0x00010000);
}

static void test_ioapic_edge(void **state)
{
	(void)state;
	pair_setup();
	route(4, 0x00000024, 0);                        /* edge, fixed, vector 0x24 */
	ioapic_set_irq(&io, 4, 1);
	assert_true(vec_bit(LAPIC_IRR, 0x24));
	assert_false(vec_bit(LAPIC_TMR, 0x24));
	assert_int_equal(redtbl_low(4), 0x24);          /* no remote IRR for edge */
	assert_int_equal(lapic_ack(&l), 0x24);
	lw(LAPIC_EOI, 0);
	ioapic_set_irq(&io, 4, 1);                      /* still high: no edge */
	assert_false(vec_bit(LAPIC_IRR, 0x24));
	ioapic_set_irq(&io, 4, 0);
	ioapic_set_irq(&io, 4, 1);
	assert_true(vec_bit(LAPIC_IRR, 0x24));
	assert_int_equal(io.stats.delivered[4], 2);
	assert_int_equal(l.stats.raised[LAPIC_SRC_BUS], 2);
	lapic_ack(&l);
	lw(LAPIC_EOI, 0);

	/* masked: the edge is lost, unmasking does not bring it back */
	route(4, 0x00010024, 0);
	ioapic_set_irq(&io, 4, 0);
	ioapic_set_irq(&io, 4, 1);
	assert_int_equal(io.stats.masked_edges, 1);
	route(4, 0x00000024, 0);
	assert_false(vec_bit(LAPIC_IRR, 0x24));
	assert_int_equal(io.stats.delivered[4], 2);
	ioapic_set_irq(&io, 24, 1);                     /* no such pin */
	ioapic_set_irq(&io, 1000, 1);
}

static void test_ioapic_level_remote_irr(void **state)
{
	(void)state;
	pair_setup();
	route(9, 0x0000a039, 0);                        /* level, active low, 0x39 */
	ioapic_set_irq(&io, 9, 1);
	assert_true(vec_bit(LAPIC_IRR, 0x39));
	assert_true(vec_bit(LAPIC_TMR, 0x39));
	assert_int_equal(redtbl_low(9), 0x0000e039);    /* remote IRR set */
	ioapic_set_irq(&io, 9, 1);                      /* still waiting for the EOI */
	assert_int_equal(io.stats.delivered[9], 1);
	/* the line stays high over the EOI: sent again */
	assert_int_equal(lapic_ack(&l), 0x39);
	assert_false(vec_bit(LAPIC_IRR, 0x39));
	lw(LAPIC_EOI, 0);
	assert_int_equal(io.stats.eois, 1);
	assert_int_equal(io.stats.delivered[9], 2);
	assert_true(vec_bit(LAPIC_IRR, 0x39));
	assert_int_equal(redtbl_low(9), 0x0000e039);
	/* the device lets go; the EOI ends it */
	ioapic_set_irq(&io, 9, 0);
	assert_int_equal(lapic_ack(&l), 0x39);
	lw(LAPIC_EOI, 0);
	assert_int_equal(redtbl_low(9), 0x0000a039);
	assert_int_equal(lapic_pending(&l), -1);
	assert_int_equal(io.stats.delivered[9], 2);
	assert_int_equal(l.stats.eoi_broadcasts, 2);
	/* an EOI of another vector leaves remote IRR alone */
	ioapic_set_irq(&io, 9, 1);
	ioapic_eoi(&io, 0x38);
	assert_int_equal(redtbl_low(9), 0x0000e039);
	/* switching to edge clears remote IRR (Linux's EOI for an 82093AA) */
	route(9, 0x00012039, 0);                        /* masked, edge */
	assert_int_equal(redtbl_low(9), 0x00012039);
	/* masked level: nothing while masked, sent on unmask with the line high */
	lapic_ack(&l);
	lw(LAPIC_EOI, 0);
	ioapic_set_irq(&io, 9, 0);
	route(9, 0x0001a039, 0);
	ioapic_set_irq(&io, 9, 1);
	assert_false(vec_bit(LAPIC_IRR, 0x39));
	route(9, 0x0000a039, 0);
	assert_true(vec_bit(LAPIC_IRR, 0x39));
	assert_int_equal(redtbl_low(9), 0x0000e039);
	/* remote IRR is read-only */
	io_wr(0x10 + 2 * 9, 0x00008039);
	assert_int_equal(redtbl_low(9), 0x0000c039);
}

static void test_ioapic_destinations(void **state)
{
	(void)state;
	pair_setup();
	route(1, 0x00000031, 1);                        /* physical 1: absent */
	ioapic_set_irq(&io, 1, 1);
	assert_false(vec_bit(LAPIC_IRR, 0x31));
	assert_int_equal(io.stats.dropped, 1);
	assert_int_equal(l.stats.dropped, 1);
	ioapic_set_irq(&io, 1, 0);
	route(1, 0x00000031, 0xff);                     /* broadcast */
	ioapic_set_irq(&io, 1, 1);
	assert_true(vec_bit(LAPIC_IRR, 0x31));
	/* a level message nobody takes leaves remote IRR clear */
	route(2, 0x00008032, 3);
	ioapic_set_irq(&io, 2, 1);
	assert_int_equal(redtbl_low(2), 0x00008032);
	assert_int_equal(io.stats.dropped, 2);
	/* logical, flat model */
	lw(LAPIC_LDR, 0x01000000);
	route(3, 0x00000833, 0x03);
	ioapic_set_irq(&io, 3, 1);
	assert_true(vec_bit(LAPIC_IRR, 0x33));
	ioapic_set_irq(&io, 3, 0);
	route(3, 0x00000834, 0x02);
	ioapic_set_irq(&io, 3, 1);
	assert_false(vec_bit(LAPIC_IRR, 0x34));
	ioapic_set_irq(&io, 3, 0);
	/* logical, cluster model: cluster 2, member bit 0 */
	lw(LAPIC_DFR, 0x0fffffff);
	lw(LAPIC_LDR, 0x21000000);
	route(3, 0x00000835, 0x23);
	ioapic_set_irq(&io, 3, 1);
	assert_true(vec_bit(LAPIC_IRR, 0x35));
	ioapic_set_irq(&io, 3, 0);
	route(3, 0x00000836, 0x13);
	ioapic_set_irq(&io, 3, 1);
	assert_false(vec_bit(LAPIC_IRR, 0x36));
	ioapic_set_irq(&io, 3, 0);
	/* lowest priority, NMI, INIT */
	route(5, 0x00000137, 0);
	ioapic_set_irq(&io, 5, 1);
	assert_true(vec_bit(LAPIC_IRR, 0x37));
	route(6, 0x00000400, 0);
	ioapic_set_irq(&io, 6, 1);
	assert_true(lapic_take_nmi(&l));
	assert_false(lapic_take_nmi(&l));
	route(7, 0x00000500, 0);
	ioapic_set_irq(&io, 7, 1);
	assert_int_equal(l.stats.ignored, 1);
	/* an illegal vector is refused by the local APIC */
	route(8, 0x0000800a, 0);
	ioapic_set_irq(&io, 8, 1);
	assert_int_equal(redtbl_low(8), 0x0000800a);
	lw(LAPIC_ESR, 0);
	assert_int_equal(lr(LAPIC_ESR), 0x40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lapic_reset_state),
		cmocka_unit_test(test_lapic_bios_state_and_id_registers),
		cmocka_unit_test(test_lapic_lvt_bits),
		cmocka_unit_test(test_lapic_tpr_ppr_apr),
		cmocka_unit_test(test_lapic_priority_selection),
		cmocka_unit_test(test_lapic_highest_vector_in_every_word),
		cmocka_unit_test(test_lapic_ack_eoi_nesting),
		cmocka_unit_test(test_lapic_level_eoi_hook),
		cmocka_unit_test(test_lapic_software_disable),
		cmocka_unit_test(test_lapic_global_disable),
		cmocka_unit_test(test_lapic_accepts_pic),
		cmocka_unit_test(test_lapic_esr_and_illegal_vectors),
		cmocka_unit_test(test_lapic_icr_self_ipi),
		cmocka_unit_test(test_lapic_timer_one_shot),
		cmocka_unit_test(test_lapic_timer_periodic),
		cmocka_unit_test(test_lapic_timer_divide),
		cmocka_unit_test(test_lapic_timer_masked),
		cmocka_unit_test(test_lapic_odd_accesses),
		cmocka_unit_test(test_ioapic_registers),
		cmocka_unit_test(test_ioapic_edge),
		cmocka_unit_test(test_ioapic_level_remote_irr),
		cmocka_unit_test(test_ioapic_destinations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
