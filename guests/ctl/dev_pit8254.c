/*
 * The 8254 programmable interval timer and port 0x61 (devices.h), on
 * virtual time. Each counter remembers the cycle at which its count was
 * loaded; its count and output at any later cycle follow from the mode
 * (Intel 8254 data sheet, "Modes of operation"), the way QEMU's
 * hw/timer/i8254_common.c computes them. Counter 0's output drives IRQ 0:
 * pit8254_advance() raises a pulse for its rising edges, which the 8259's
 * edge-triggered IRQ 0 latches.
 *
 * Simplifications, none visible to PC software that programs the timer the
 * usual way: a gate held low does not pause counting (only counter 2 has a
 * gate, and software uses it to restart the count); a count written in
 * modes 2 and 3 takes effect at once rather than at the end of the period;
 * BCD mode counts in binary. Pure logic: control partition and host tests.
 */
#include <string.h>

#include "guests/ctl/devices.h"

#define CW_CHANNEL(v)   ((v) >> 6)
#define CW_ACCESS(v)    (((v) >> 4) & 3)
#define CW_MODE(v)      (((v) >> 1) & 7)
#define CW_BCD          0x01
#define CW_READBACK     3
#define RB_NO_COUNT     0x20    /* read-back: do not latch the count */
#define RB_NO_STATUS    0x10    /* read-back: do not latch the status */
#define ACCESS_LATCH    0
#define ACCESS_LSB      1
#define ACCESS_MSB      2
#define ACCESS_WORD     3
#define PORT61_GATE2    0x01
#define PORT61_SPEAKER  0x02
#define PORT61_REFRESH  0x10
#define PORT61_OUT2     0x20

static uint64_t period(const struct pit_channel *c)
{
	return c->count ? c->count : 0x10000;
}

/* Cycles since the count was loaded (or the gate triggered). */
static uint64_t elapsed(const struct pit8254 *p, const struct pit_channel *c)
{
	return p->now - c->load_cycle;
}

/* Modes 1 and 5 start on a gate edge; counters 0 and 1 never get one. */
static bool counting(const struct pit_channel *c)
{
	return c->armed && !((c->mode == 1 || c->mode == 5) && c->null_count);
}

static uint16_t channel_count(const struct pit8254 *p, const struct pit_channel *c)
{
	uint64_t d, n = period(c);

	if (!counting(c))
		return (uint16_t)c->count;
	d = elapsed(p, c);
	switch (c->mode) {
	case 2:
		return (uint16_t)(n - d % n);
	case 3:
		return (uint16_t)((n - (2 * d) % n) & 0xfffe);
	default:                        /* 0, 1, 4, 5: down from n, wrapping */
		return (uint16_t)(n - d);
	}
}

static bool channel_out(const struct pit8254 *p, const struct pit_channel *c)
{
	uint64_t d, n = period(c);

	if (!counting(c))
		return c->mode != 0;    /* mode 0 drives OUT low once programmed */
	d = elapsed(p, c);
	switch (c->mode) {
	case 0:
	case 1:
		return d >= n;
	case 2:
		return d % n != n - 1;  /* low for the one cycle at count 1 */
	case 3:
		return d % n < (n + 1) / 2;
	default:                        /* 4, 5: a one-cycle low strobe */
		return d != n;
	}
}

/* Counter 0's next rising edge strictly after p->now, or PIT_NEVER. */
static uint64_t next_edge(const struct pit8254 *p)
{
	const struct pit_channel *c = &p->ch[0];
	uint64_t d, n = period(c);

	if (!counting(c))
		return PIT_NEVER;
	d = elapsed(p, c);
	switch (c->mode) {
	case 2:                         /* back high as a period ends */
	case 3:                         /* high at the start of each period */
		return c->load_cycle + (d / n + 1) * n;
	case 0:                         /* high at terminal count, once */
		return d < n ? c->load_cycle + n : PIT_NEVER;
	case 4:                         /* the strobe's end */
		return d <= n ? c->load_cycle + n + 1 : PIT_NEVER;
	default:
		return PIT_NEVER;
	}
}

static void pulse_irq0(struct pit8254 *p)
{
	p->irq_edges++;
	if (p->irq) {
		p->irq(p->irq_ctx, 1);
		p->irq(p->irq_ctx, 0);
	}
}

void pit8254_init(struct pit8254 *p, pit_irq_fn *irq, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->irq = irq;
	p->irq_ctx = ctx;
	p->ch[0].gate = p->ch[1].gate = true;
	for (unsigned i = 0; i < 3; i++)
		p->ch[i].rw = ACCESS_WORD;
	p->next_irq = PIT_NEVER;
}

/*
 * next_irq is kept equal to next_edge(p) (load_count and write_control
 * update it when counter 0 changes). Moving now forward without passing it
 * leaves next_edge unchanged: in modes 2 and 3 the period index d / n stays
 * the same while now < next_irq, in modes 0 and 4 the one edge is still
 * ahead, and PIT_NEVER stays never as elapsed time only grows. So it is
 * recomputed only when an edge was passed: this runs on every KVM_RUN
 * return.
 */
void pit8254_advance(struct pit8254 *p, uint64_t now)
{
	if (now <= p->now)
		return;
	p->now = now;
	if (p->next_irq <= now) {
		/* every edge in (old now, now] arrives as one */
		pulse_irq0(p);
		p->next_irq = next_edge(p);
	}
}

uint64_t pit8254_next_irq(const struct pit8254 *p)
{
	return p->next_irq;
}

uint16_t pit8254_count(const struct pit8254 *p, unsigned c)
{
	return c < 3 ? channel_count(p, &p->ch[c]) : 0;
}

bool pit8254_out(const struct pit8254 *p, unsigned c)
{
	return c < 3 && channel_out(p, &p->ch[c]);
}

static void load_count(struct pit8254 *p, unsigned i, uint32_t count)
{
	struct pit_channel *c = &p->ch[i];

	c->count = count;
	c->armed = true;
	c->load_cycle = p->now;
	/* modes 1 and 5 wait for a gate edge (null_count until then) */
	c->null_count = (c->mode == 1 || c->mode == 5);
	if (i == 0)
		p->next_irq = next_edge(p);
}

static void write_control(struct pit8254 *p, uint8_t val)
{
	unsigned i = CW_CHANNEL(val);
	struct pit_channel *c;

	if (i == CW_READBACK) {
		for (i = 0; i < 3; i++) {
			if (!(val & (2u << i)))
				continue;
			c = &p->ch[i];
			if (!(val & RB_NO_COUNT) && !c->latched) {
				c->latched = true;
				c->latch = channel_count(p, c);
				c->latch_msb_next = false;
			}
			if (!(val & RB_NO_STATUS) && !c->status_latched) {
				c->status_latched = true;
				c->status = (uint8_t)((channel_out(p, c) << 7) |
						      (c->null_count << 6) | (c->rw << 4) |
						      (c->mode << 1) | c->bcd);
			}
		}
		return;
	}
	c = &p->ch[i];
	if (CW_ACCESS(val) == ACCESS_LATCH) {
		if (!c->latched) {              /* a second latch is ignored */
			c->latched = true;
			c->latch = channel_count(p, c);
			c->latch_msb_next = false;
		}
		return;
	}
	c->rw = CW_ACCESS(val);
	c->mode = CW_MODE(val) > 5 ? CW_MODE(val) - 4 : CW_MODE(val);
	c->bcd = val & CW_BCD;
	c->write_msb_next = c->read_msb_next = false;
	c->latched = c->status_latched = false;
	c->armed = false;                       /* waits for a new count */
	c->null_count = true;
	if (i == 0)
		p->next_irq = PIT_NEVER;
}

static void write_counter(struct pit8254 *p, unsigned i, uint8_t val)
{
	struct pit_channel *c = &p->ch[i];

	switch (c->rw) {
	case ACCESS_LSB:
		load_count(p, i, val);
		break;
	case ACCESS_MSB:
		load_count(p, i, (uint32_t)val << 8);
		break;
	default:
		if (!c->write_msb_next) {
			c->write_lsb = val;
			c->write_msb_next = true;
			if (c->mode == 0)       /* the LSB alone stops mode 0 */
				c->armed = false;
		} else {
			c->write_msb_next = false;
			load_count(p, i, c->write_lsb | ((uint32_t)val << 8));
		}
		break;
	}
}

static uint8_t read_counter(struct pit8254 *p, unsigned i)
{
	struct pit_channel *c = &p->ch[i];
	uint16_t v;
	uint8_t b;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latched) {
		v = c->latch;
		if (c->rw == ACCESS_LSB) {
			c->latched = false;
			return (uint8_t)v;
		}
		if (c->rw == ACCESS_MSB) {
			c->latched = false;
			return (uint8_t)(v >> 8);
		}
		b = c->latch_msb_next ? (uint8_t)(v >> 8) : (uint8_t)v;
		if (c->latch_msb_next)
			c->latched = false;
		c->latch_msb_next = !c->latch_msb_next;
		return b;
	}
	v = channel_count(p, c);
	switch (c->rw) {
	case ACCESS_LSB:
		return (uint8_t)v;
	case ACCESS_MSB:
		return (uint8_t)(v >> 8);
	default:
		b = c->read_msb_next ? (uint8_t)(v >> 8) : (uint8_t)v;
		c->read_msb_next = !c->read_msb_next;
		return b;
	}
}

static uint64_t bus_read(void *opaque, uint64_t offset, unsigned size)
{
	struct pit8254 *p = opaque;

	(void)size;
	return offset < 3 ? read_counter(p, (unsigned)offset) : 0xff;
}

static void bus_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct pit8254 *p = opaque;

	(void)size;
	if (offset < 3)
		write_counter(p, (unsigned)offset, (uint8_t)value);
	else
		write_control(p, (uint8_t)value);
}

static uint64_t port61_read(void *opaque, uint64_t offset, unsigned size)
{
	struct pit8254 *p = opaque;
	uint8_t v;

	(void)offset;
	(void)size;
	p->refresh = !p->refresh;
	v = (uint8_t)((p->ch[2].gate ? PORT61_GATE2 : 0) |
		      (p->speaker_data ? PORT61_SPEAKER : 0) |
		      (p->refresh ? PORT61_REFRESH : 0) |
		      (channel_out(p, &p->ch[2]) ? PORT61_OUT2 : 0));
	return v;
}

static void port61_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct pit8254 *p = opaque;
	struct pit_channel *c = &p->ch[2];
	bool gate = value & PORT61_GATE2;

	(void)offset;
	(void)size;
	if (gate && !c->gate && c->armed) {
		/* a rising gate (re)starts modes 1, 2, 3 and 5 */
		if (c->mode == 1 || c->mode == 2 || c->mode == 3 || c->mode == 5) {
			c->load_cycle = p->now;
			c->null_count = false;
		}
	}
	c->gate = gate;
	p->speaker_data = value & PORT61_SPEAKER;
}

const struct bus_device_ops pit8254_bus_ops = {
	.read = bus_read,
	.write = bus_write,
};

const struct bus_device_ops pit8254_port61_ops = {
	.read = port61_read,
	.write = port61_write,
};
