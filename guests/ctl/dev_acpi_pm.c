/*
 * ACPI fixed-feature hardware (devices.h): the PM1a event and control
 * blocks and the PM timer, at the ports the FADT of acpi_tables.c names.
 * ACPI specification 1.0b section 4.7 ("Fixed Hardware Programming
 * Model"): 4.7.3.1 PM1 event registers (status bits are set by hardware
 * and cleared by writing 1; enables gate the SCI), 4.7.3.2 PM1 control
 * (SCI_EN, SLP_TYP, SLP_EN), 4.7.3.3 the power-management timer (3.579545
 * MHz, TMR_STS on every change of its top bit). Pure logic: control
 * partition and host tests.
 *
 * The registers are byte lanes of one 12-byte block, so any access of 1,
 * 2 or 4 bytes works on the bytes it covers, as an ISA-style IO decoder
 * presents them to the chipset.
 */
#include "guests/ctl/devices.h"

#define NS_PER_SEC              1000000000ULL
#define TIMER_CARRY_SHIFT       31      /* TMR_STS: bit 31 changes (TMR_VAL_EXT) */
#define CNT_STORED              (ACPI_PM1_BM_RLD | ACPI_PM1_SLP_TYP)
#define SCI_SOURCES             (ACPI_PM1_TMR_STS | ACPI_PM1_PWRBTN_STS)

/* PM timer ticks since virtual time 0, exactly floor(ns * HZ / 10^9),
 * split so the product never overflows 64 bits. */
static uint64_t ticks_at(uint64_t ns)
{
	return ns / NS_PER_SEC * ACPI_PM_TIMER_HZ +
	       ns % NS_PER_SEC * ACPI_PM_TIMER_HZ / NS_PER_SEC;
}

/* The first ns at which ticks_at reaches `ticks`: ceil(ticks * 10^9 / HZ),
 * split the same way. */
static uint64_t ns_of_tick(uint64_t ticks)
{
	uint64_t whole = ticks / ACPI_PM_TIMER_HZ, rest = ticks % ACPI_PM_TIMER_HZ;

	return whole * NS_PER_SEC +
	       (rest * NS_PER_SEC + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
}

uint32_t acpi_pm_timer(const struct acpi_pm *pm)
{
	return (uint32_t)ticks_at(pm->now_ns);
}

int acpi_pm_irq_level(const struct acpi_pm *pm)
{
	return (pm->sts & pm->en & SCI_SOURCES) != 0;
}

static void update_sci(struct acpi_pm *pm)
{
	int level = acpi_pm_irq_level(pm);

	if (level == pm->irq_level)
		return;
	pm->irq_level = level;
	if (level)
		pm->irq_raises++;
	if (pm->irq)
		pm->irq(pm->irq_ctx, level);
}

void acpi_pm_init(struct acpi_pm *pm, acpi_pm_irq_fn *irq, void *irq_ctx,
		  acpi_pm_power_off_fn *power_off, void *power_off_ctx)
{
	*pm = (struct acpi_pm){
		.irq = irq, .irq_ctx = irq_ctx,
		.power_off = power_off, .power_off_ctx = power_off_ctx,
	};
}

void acpi_pm_advance(struct acpi_pm *pm, uint64_t now_ns)
{
	uint64_t before, after;

	if (now_ns <= pm->now_ns)
		return;
	before = ticks_at(pm->now_ns) >> TIMER_CARRY_SHIFT;
	after = ticks_at(now_ns) >> TIMER_CARRY_SHIFT;
	pm->now_ns = now_ns;
	if (before == after)
		return;
	pm->timer_carries += after - before;
	pm->sts |= ACPI_PM1_TMR_STS;
	update_sci(pm);
}

uint64_t acpi_pm_next_event(const struct acpi_pm *pm)
{
	uint64_t carry;

	if (!(pm->en & ACPI_PM1_TMR_EN))
		return ACPI_PM_NEVER;
	carry = ((ticks_at(pm->now_ns) >> TIMER_CARRY_SHIFT) + 1) << TIMER_CARRY_SHIFT;
	return ns_of_tick(carry);
}

void acpi_pm_press_power_button(struct acpi_pm *pm)
{
	pm->sts |= ACPI_PM1_PWRBTN_STS;
	update_sci(pm);
}

/* ---- register access: byte lanes ------------------------------------------ */

/* Byte `i` of the block, with the timer sampled once per access. */
static uint8_t read_byte(const struct acpi_pm *pm, unsigned i, uint32_t timer)
{
	uint16_t cnt = (uint16_t)(pm->cnt | ACPI_PM1_SCI_EN);

	switch (i) {
	case ACPI_PM1_STS: case ACPI_PM1_STS + 1:
		return (uint8_t)(pm->sts >> (8 * (i - ACPI_PM1_STS)));
	case ACPI_PM1_EN: case ACPI_PM1_EN + 1:
		return (uint8_t)(pm->en >> (8 * (i - ACPI_PM1_EN)));
	case ACPI_PM1_CNT: case ACPI_PM1_CNT + 1:
		return (uint8_t)(cnt >> (8 * (i - ACPI_PM1_CNT)));
	case ACPI_PM_TMR: case ACPI_PM_TMR + 1: case ACPI_PM_TMR + 2: case ACPI_PM_TMR + 3:
		return (uint8_t)(timer >> (8 * (i - ACPI_PM_TMR)));
	default:
		return 0xff;                    /* 0x606-0x607, past the block */
	}
}

static bool covers(unsigned offset, unsigned size, unsigned reg, unsigned reg_len)
{
	return offset < reg + reg_len && reg < offset + size;
}

uint32_t acpi_pm_read(struct acpi_pm *pm, unsigned offset, unsigned size)
{
	uint32_t timer = acpi_pm_timer(pm), v = 0;

	if (size > 4)
		size = 4;
	if (offset >= ACPI_PM_NPORTS)
		return (uint32_t)io_size_mask(size);
	pm->reads++;
	if (covers(offset, size, ACPI_PM_TMR, ACPI_PM_TMR_LEN))
		pm->timer_reads++;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)read_byte(pm, offset + i, timer) << (8 * i);
	return v;
}

/* The bytes of one 16-bit register that a write touched. */
struct reg_write {
	uint16_t value, mask;
};

static struct reg_write lanes(unsigned offset, unsigned size, uint32_t value,
			      unsigned reg)
{
	struct reg_write w = { 0, 0 };

	for (unsigned i = 0; i < size; i++) {
		unsigned byte = offset + i;

		if (byte < reg || byte >= reg + 2)
			continue;
		w.value |= (uint16_t)(((value >> (8 * i)) & 0xff) << (8 * (byte - reg)));
		w.mask |= (uint16_t)(0xff << (8 * (byte - reg)));
	}
	return w;
}

/* SLP_EN: the machine enters SLP_TYP's state (4.7.3.2.1, 9.1). Only S5
 * exists here; any other type wakes at once (WAK_STS) so the OS's wait
 * for WAK_STS ends. */
static void sleep_request(struct acpi_pm *pm)
{
	unsigned type = (pm->cnt & ACPI_PM1_SLP_TYP) >> ACPI_PM1_SLP_TYP_SHIFT;

	if (type == ACPI_SLP_TYP_S5) {
		pm->power_offs++;
		if (pm->power_off)
			pm->power_off(pm->power_off_ctx);
		return;
	}
	pm->ignored_sleeps++;
	pm->sts |= ACPI_PM1_WAK_STS;
}

static void write_control(struct acpi_pm *pm, struct reg_write w)
{
	uint16_t stored = w.mask & CNT_STORED;

	/* SCI_EN is hardwired, GBL_RLS has no firmware to signal. */
	pm->cnt = (uint16_t)((pm->cnt & ~stored) | (w.value & stored));
	if (w.mask & w.value & ACPI_PM1_SLP_EN)
		sleep_request(pm);
}

void acpi_pm_write(struct acpi_pm *pm, unsigned offset, unsigned size, uint32_t value)
{
	struct reg_write sts, en, cnt;

	if (size > 4)
		size = 4;
	if (offset >= ACPI_PM_NPORTS)
		return;
	pm->writes++;
	sts = lanes(offset, size, value, ACPI_PM1_STS);
	en = lanes(offset, size, value, ACPI_PM1_EN);
	cnt = lanes(offset, size, value, ACPI_PM1_CNT);
	pm->sts &= (uint16_t)~(sts.value & sts.mask & ACPI_PM1_STS_BITS);
	pm->en = (uint16_t)(((pm->en & ~en.mask) | (en.value & en.mask)) & ACPI_PM1_EN_BITS);
	write_control(pm, cnt);
	update_sci(pm);
}

/* ---- the bus ------------------------------------------------------------- */

static uint64_t bus_read(void *opaque, uint64_t offset, unsigned size)
{
	return acpi_pm_read(opaque, offset < ACPI_PM_NPORTS ? (unsigned)offset : ACPI_PM_NPORTS,
			    size);
}

static void bus_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	if (offset < ACPI_PM_NPORTS)
		acpi_pm_write(opaque, (unsigned)offset, size, (uint32_t)value);
}

const struct bus_device_ops acpi_pm_bus_ops = {
	.read = bus_read,
	.write = bus_write,
};
