/*
 * The Intel 82093AA IO-APIC (apic.h): 24 interrupt input pins, each with
 * a redirection entry that turns its requests into interrupt messages for
 * the local APICs. Register behaviour follows the 82093AA datasheet
 * (section 3: IOREGSEL, IOWIN, IOAPICID, IOAPICVER, IOAPICARB,
 * IOREDTBL[0:23]).
 *
 * Messages go out at once through the deliver callback (lapic_deliver for
 * the VM's one CPU), so the delivery status bit always reads 0 ("idle").
 * EOIs of level-triggered interrupts come back through ioapic_eoi. Pure
 * logic: control partition and host tests.
 */
#include <string.h>

#include "guests/ctl/apic.h"

#define IOAPIC_ID_SHIFT         24
#define IOAPIC_ID_MASK          0x0f    /* IOAPICID bits 27:24 */
#define IOAPIC_MAX_REDIR_SHIFT  16      /* IOAPICVER bits 23:16 */
#define IOAPIC_LAST_REG         (IOAPIC_REG_REDTBL + 2 * IOAPIC_NPINS - 1)

void ioapic_reset(struct ioapic *io)
{
	io->regsel = 0;
	io->id = 0;
	io->arb = 0;
	for (int i = 0; i < IOAPIC_NPINS; i++)
		io->redtbl[i] = IOREDTBL_MASKED;
	io->lines = 0;
	memset(&io->stats, 0, sizeof(io->stats));
}

void ioapic_init(struct ioapic *io, apic_deliver_fn *deliver, void *ctx)
{
	memset(io, 0, sizeof(*io));
	io->deliver = deliver;
	io->deliver_ctx = ctx;
	ioapic_reset(io);
}

static bool is_level(uint64_t entry)
{
	return entry & IOREDTBL_LEVEL;
}

/*
 * Sends pin's message. Only fixed and lowest-priority interrupts use
 * Remote IRR (datasheet 3.2.4: the other delivery modes are edge
 * whatever the trigger mode bit says), and only when an APIC accepted
 * the message.
 */
static void send(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->redtbl[pin];
	unsigned mode = IOREDTBL_DELIVERY_MODE(e);
	bool counts_eoi = is_level(e) && (mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST);
	struct apic_msg m = {
		.vector = (uint8_t)(e & IOREDTBL_VECTOR),
		.delivery_mode = (uint8_t)mode,
		.logical = e & IOREDTBL_LOGICAL,
		.level_triggered = counts_eoi,
		.dest = (uint8_t)(e >> IOREDTBL_DEST_SHIFT),
	};

	if (!io->deliver || !io->deliver(io->deliver_ctx, &m)) {
		io->stats.dropped++;
		return;
	}
	io->stats.delivered[pin]++;
	if (counts_eoi)
		io->redtbl[pin] |= IOREDTBL_REMOTE_IRR;
}

/* A level-triggered entry sends while its line is high, it is unmasked,
 * and the last message was EOI'd (Remote IRR clear). */
static void service_level(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->redtbl[pin];

	if (is_level(e) && (io->lines & (1u << pin)) &&
	    !(e & (IOREDTBL_MASKED | IOREDTBL_REMOTE_IRR)))
		send(io, pin);
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, int level)
{
	uint32_t bit;
	bool rising;

	if (pin >= IOAPIC_NPINS)
		return;
	bit = 1u << pin;
	rising = level && !(io->lines & bit);
	if (level)
		io->lines |= bit;
	else
		io->lines &= ~bit;
	if (is_level(io->redtbl[pin])) {
		service_level(io, pin);
	} else if (rising) {
		if (io->redtbl[pin] & IOREDTBL_MASKED)
			io->stats.masked_edges++;
		else
			send(io, pin);
	}
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++) {
		uint64_t e = io->redtbl[pin];

		if ((e & IOREDTBL_VECTOR) != vector || !is_level(e) ||
		    !(e & IOREDTBL_REMOTE_IRR))
			continue;
		io->redtbl[pin] = e & ~IOREDTBL_REMOTE_IRR;
		io->stats.eois++;
		service_level(io, pin);
	}
}

void ioapic_eoi_hook(void *ctx, uint8_t vector)
{
	ioapic_eoi(ctx, vector);
}

uint32_t ioapic_read_reg(const struct ioapic *io, uint8_t reg)
{
	unsigned pin;

	switch (reg) {
	case IOAPIC_REG_ID:
		return (uint32_t)io->id << IOAPIC_ID_SHIFT;
	case IOAPIC_REG_VER:
		return ((uint32_t)(IOAPIC_NPINS - 1) << IOAPIC_MAX_REDIR_SHIFT) | IOAPIC_VERSION;
	case IOAPIC_REG_ARB:
		return (uint32_t)io->arb << IOAPIC_ID_SHIFT;
	default:
		break;
	}
	if (reg < IOAPIC_REG_REDTBL || reg > IOAPIC_LAST_REG)
		return 0;                       /* no register there */
	pin = (reg - IOAPIC_REG_REDTBL) / 2;
	return (uint32_t)(io->redtbl[pin] >> (reg & 1 ? 32 : 0));
}

/*
 * One half of a redirection entry. Delivery status and Remote IRR are
 * read-only; switching the entry to edge-triggered clears Remote IRR
 * (Linux's __eoi_ioapic_pin() relies on it to EOI an 82093AA, which has
 * no EOI register). A level request that waited behind the mask or
 * Remote IRR goes out if the entry now allows it.
 */
static void write_redtbl(struct ioapic *io, uint8_t reg, uint32_t value)
{
	unsigned pin = (reg - IOAPIC_REG_REDTBL) / 2;
	uint64_t e = io->redtbl[pin], keep = e & IOREDTBL_REMOTE_IRR;

	if (reg & 1)
		e = (e & 0xffffffffULL) | ((uint64_t)value << 32);
	else
		e = (e & ~0xffffffffULL) | value;
	e = (e & IOREDTBL_WRITABLE) | keep;
	if (!is_level(e))
		e &= ~IOREDTBL_REMOTE_IRR;
	io->redtbl[pin] = e;
	service_level(io, pin);
}

/* IOWIN write: the ID (bits 27:24) also loads the arbitration ID
 * (datasheet 3.2.3: IOAPICARB "is loaded when the IOAPIC ID Register is
 * written"); the version and arbitration registers are read-only. */
static void write_reg(struct ioapic *io, uint8_t reg, uint32_t value)
{
	if (reg == IOAPIC_REG_ID) {
		io->id = (value >> IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
		io->arb = io->id;
	} else if (reg >= IOAPIC_REG_REDTBL && reg <= IOAPIC_LAST_REG) {
		write_redtbl(io, reg, value);
	}
}

/* The 32-bit register at a 16-byte slot of the MMIO range, 0 elsewhere. */
static uint32_t read_slot(const struct ioapic *io, uint64_t slot)
{
	if (slot == IOAPIC_IOREGSEL)
		return io->regsel;
	if (slot == IOAPIC_IOWIN)
		return ioapic_read_reg(io, io->regsel);
	return 0;
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
	const struct ioapic *io = opaque;
	uint64_t result = 0;

	for (unsigned i = 0; i < size && i < 8; i++) {
		uint64_t o = offset + i;
		uint32_t value;

		if ((o & 0xf) >= 4)
			continue;
		value = read_slot(io, o & ~0xfULL);
		result |= (uint64_t)((value >> (8 * (o & 3))) & 0xff) << (8 * i);
	}
	return result;
}

static void ioapic_mmio_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct ioapic *io = opaque;

	if (offset == IOAPIC_IOREGSEL && size >= 1)
		io->regsel = (uint8_t)value;
	else if (offset == IOAPIC_IOWIN && size == 4)
		write_reg(io, io->regsel, (uint32_t)value);
}

const struct bus_device_ops ioapic_bus_ops = {
	.read = ioapic_mmio_read,
	.write = ioapic_mmio_write,
};
