/*
 * The PC/AT pair of 8259A programmable interrupt controllers (devices.h).
 * Register behaviour follows the Intel 8259A data sheet (ICW1-4, OCW1-3)
 * and matches what PC software expects of the pair: the slave's INT drives
 * the master's IRQ 2, an INTA on IRQ 2 is answered by the slave, a request
 * that vanished before INTA gives the spurious vector base + 7. Priorities
 * rotate with priority_add, as in QEMU's hw/intc/i8259.c, which this model
 * agrees with register for register.
 *
 * The VMM (vmm_irq.c) reads INTR before each KVM_RUN and runs the INTA
 * cycle (pic8259_ack) when the guest can take an interrupt. Pure logic:
 * control partition and host tests.
 */
#include <string.h>

#include "guests/ctl/devices.h"

#define ICW1_IC4        0x01    /* ICW4 follows */
#define ICW1_SNGL       0x02    /* single PIC, no ICW3 */
#define ICW1            0x10
#define OCW3            0x08
#define OCW3_RIS        0x01    /* read ISR (with RR) */
#define OCW3_RR         0x02    /* read register command */
#define OCW3_POLL       0x04
#define OCW3_SMM        0x20    /* special mask mode (with ESMM) */
#define OCW3_ESMM       0x40
#define ICW4_AEOI       0x02
#define ICW4_SFNM       0x10
#define POLL_VALID      0x80

/* ELCR bits the PC wires: IRQ 0, 1, 2, 8 and 13 are always edge. */
#define ELCR_MASK_MASTER 0xf8
#define ELCR_MASK_SLAVE  0xde

/* Priority 0 (highest) to 7 of the highest-priority bit in mask; 8 if none. */
static int priority_of(const struct pic8259_chip *c, uint8_t mask)
{
	int p = 0;

	if (!mask)
		return 8;
	while (!(mask & (1u << ((p + c->priority_add) & 7))))
		p++;
	return p;
}

/* The request this chip would signal now, or -1. */
static int chip_pending(const struct pic8259_chip *c)
{
	int prio = priority_of(c, c->irr & ~c->imr);
	uint8_t in_service = c->isr;

	if (prio == 8)
		return -1;
	if (c->special_mask)
		in_service &= ~c->imr;
	/* special fully nested: the slave's own nesting decides */
	if (c->special_fully_nested && c->master)
		in_service &= ~(1u << PIC_CASCADE_IRQ);
	if (prio < priority_of(c, in_service))
		return (prio + c->priority_add) & 7;
	return -1;
}

static void chip_set_line(struct pic8259_chip *c, unsigned irq, int level)
{
	uint8_t bit = 1u << irq;

	if (c->elcr & bit) {
		if (level) {
			c->irr |= bit;
			c->last_irr |= bit;
		} else {
			c->irr &= ~bit;
			c->last_irr &= ~bit;
		}
	} else if (level) {
		if (!(c->last_irr & bit))
			c->irr |= bit;
		c->last_irr |= bit;
	} else {
		c->last_irr &= ~bit;
	}
}

/* The slave's INT output is the master's IRQ 2 line. */
static void update_cascade(struct pic8259 *p)
{
	chip_set_line(&p->chip[0], PIC_CASCADE_IRQ, chip_pending(&p->chip[1]) >= 0);
}

static void chip_intack(struct pic8259_chip *c, int irq)
{
	if (c->auto_eoi) {
		if (c->rotate_on_auto_eoi)
			c->priority_add = (uint8_t)((irq + 1) & 7);
	} else {
		c->isr |= 1u << irq;
	}
	if (!(c->elcr & (1u << irq)))   /* a level request stays in IRR */
		c->irr &= ~(1u << irq);
}

static void chip_reset(struct pic8259_chip *c)
{
	uint8_t elcr = c->elcr, elcr_mask = c->elcr_mask;
	bool master = c->master;
	uint8_t irr = c->irr & elcr;

	memset(c, 0, sizeof(*c));
	c->elcr = elcr;                 /* ICW1 does not touch the ELCR */
	c->elcr_mask = elcr_mask;
	c->master = master;
	c->irr = irr;
}

void pic8259_init(struct pic8259 *p)
{
	memset(p, 0, sizeof(*p));
	p->chip[0].master = true;
	p->chip[0].elcr_mask = ELCR_MASK_MASTER;
	p->chip[1].elcr_mask = ELCR_MASK_SLAVE;
}

void pic8259_set_irq(struct pic8259 *p, unsigned irq, int level)
{
	if (irq >= 16)
		return;
	chip_set_line(&p->chip[irq / 8], irq % 8, level);
	update_cascade(p);
}

bool pic8259_intr(const struct pic8259 *p)
{
	return chip_pending(&p->chip[0]) >= 0;
}

bool pic8259_would_deliver(const struct pic8259 *p, unsigned irq)
{
	struct pic8259 copy = *p;

	if (irq >= 16)
		return false;
	copy.chip[irq / 8].irr |= 1u << (irq % 8);
	update_cascade(&copy);
	if (irq >= 8 && chip_pending(&copy.chip[1]) != (int)(irq % 8))
		return false;
	return chip_pending(&copy.chip[0]) == (irq >= 8 ? PIC_CASCADE_IRQ : (int)irq);
}

uint8_t pic8259_ack(struct pic8259 *p)
{
	struct pic8259_chip *m = &p->chip[0], *s = &p->chip[1];
	int irq = chip_pending(m), irq2;
	uint8_t vector;

	p->acks++;
	if (irq < 0) {
		p->spurious++;
		return (uint8_t)(m->irq_base + PIC_SPURIOUS_IRQ);
	}
	if (irq == PIC_CASCADE_IRQ && !m->single_mode) {
		irq2 = chip_pending(s);
		if (irq2 >= 0) {
			chip_intack(s, irq2);
		} else {
			irq2 = PIC_SPURIOUS_IRQ;
			p->spurious++;
		}
		vector = (uint8_t)(s->irq_base + irq2);
	} else {
		vector = (uint8_t)(m->irq_base + irq);
	}
	chip_intack(m, irq);
	update_cascade(p);
	return vector;
}

static void write_command(struct pic8259_chip *c, uint8_t val)
{
	int prio, irq;

	if (val & ICW1) {
		chip_reset(c);
		c->init_state = 1;
		c->init4 = val & ICW1_IC4;
		c->single_mode = val & ICW1_SNGL;
		return;
	}
	if (val & OCW3) {
		if (val & OCW3_POLL)
			c->poll = true;
		if (val & OCW3_RR)
			c->read_isr = val & OCW3_RIS;
		if (val & OCW3_ESMM)
			c->special_mask = val & OCW3_SMM;
		return;
	}
	switch (val >> 5) {                     /* OCW2 */
	case 0:                                 /* rotate in AEOI mode: clear */
	case 4:                                 /* rotate in AEOI mode: set */
		c->rotate_on_auto_eoi = val >> 7;
		break;
	case 1:                                 /* non-specific EOI */
	case 5:                                 /* rotate on non-specific EOI */
		prio = priority_of(c, c->isr);
		if (prio != 8) {
			irq = (prio + c->priority_add) & 7;
			c->isr &= ~(1u << irq);
			if (val >> 5 == 5)
				c->priority_add = (uint8_t)((irq + 1) & 7);
		}
		break;
	case 3:                                 /* specific EOI */
		c->isr &= ~(1u << (val & 7));
		break;
	case 6:                                 /* set priority */
		c->priority_add = (uint8_t)((val + 1) & 7);
		break;
	case 7:                                 /* rotate on specific EOI */
		c->isr &= ~(1u << (val & 7));
		c->priority_add = (uint8_t)(((val & 7) + 1) & 7);
		break;
	default:                                /* 2: no operation */
		break;
	}
}

static void write_data(struct pic8259_chip *c, uint8_t val)
{
	switch (c->init_state) {
	case 0:                                 /* OCW1 */
		c->imr = val;
		break;
	case 1:                                 /* ICW2 */
		c->irq_base = val & 0xf8;
		c->init_state = c->single_mode ? (c->init4 ? 3 : 0) : 2;
		break;
	case 2:                                 /* ICW3: the wiring is fixed */
		c->init_state = c->init4 ? 3 : 0;
		break;
	default:                                /* ICW4 */
		c->special_fully_nested = val & ICW4_SFNM;
		c->auto_eoi = val & ICW4_AEOI;
		c->init_state = 0;
		break;
	}
}

static uint8_t chip_read(struct pic8259 *p, struct pic8259_chip *c, uint64_t offset)
{
	int irq;

	if (c->poll) {                          /* the read is the INTA */
		c->poll = false;
		irq = chip_pending(c);
		if (irq < 0)
			return 0;
		chip_intack(c, irq);
		update_cascade(p);
		return (uint8_t)(POLL_VALID | irq);
	}
	if (offset == 0)
		return c->read_isr ? c->isr : c->irr;
	return c->imr;
}

static void chip_write(struct pic8259 *p, struct pic8259_chip *c, uint64_t offset,
		       uint8_t val)
{
	if (offset == 0)
		write_command(c, val);
	else
		write_data(c, val);
	update_cascade(p);
}

static uint64_t master_read(void *opaque, uint64_t offset, unsigned size)
{
	struct pic8259 *p = opaque;

	(void)size;
	return chip_read(p, &p->chip[0], offset);
}

static void master_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct pic8259 *p = opaque;

	(void)size;
	chip_write(p, &p->chip[0], offset, (uint8_t)value);
}

static uint64_t slave_read(void *opaque, uint64_t offset, unsigned size)
{
	struct pic8259 *p = opaque;

	(void)size;
	return chip_read(p, &p->chip[1], offset);
}

static void slave_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct pic8259 *p = opaque;

	(void)size;
	chip_write(p, &p->chip[1], offset, (uint8_t)value);
}

static uint64_t elcr_read(void *opaque, uint64_t offset, unsigned size)
{
	const struct pic8259 *p = opaque;

	(void)size;
	return p->chip[offset & 1].elcr;
}

static void elcr_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct pic8259 *p = opaque;
	struct pic8259_chip *c = &p->chip[offset & 1];

	(void)size;
	c->elcr = (uint8_t)value & c->elcr_mask;
	update_cascade(p);
}

const struct bus_device_ops pic8259_master_ops = {
	.read = master_read,
	.write = master_write,
};

const struct bus_device_ops pic8259_slave_ops = {
	.read = slave_read,
	.write = slave_write,
};

const struct bus_device_ops pic8259_elcr_ops = {
	.read = elcr_read,
	.write = elcr_write,
};
