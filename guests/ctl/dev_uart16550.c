/*
 * A 16550A UART for guests (devices.h), at COM1 by default: the register
 * model (PC16550D datasheet, section 8, Table II) and its interrupts
 * (Table IV), enough for boot loaders and test guests that poll LSR, and
 * for Linux's 8250 driver, which probes with the scratch register and
 * loopback and then transmits on THR-empty interrupts. Transmission is
 * instant: THR and the shifter are empty again as soon as a byte is
 * written. Control partition and host tests.
 */
#include <string.h>

#include "guests/ctl/devices.h"

/* FCR bits 7-6: the receiver FIFO's interrupt trigger level, in bytes. */
static const unsigned rx_trigger_bytes[4] = { 1, 4, 8, 14 };

void uart16550_init(struct uart16550 *u, uart_line_sink *sink, void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->dll = 12;                    /* 115200 / 12 = 9600 baud */
	u->sink = sink;
	u->sink_ctx = ctx;
}

static bool fifo_enabled(const struct uart16550 *u)
{
	return u->fcr & UART_FCR_ENABLE;
}

static unsigned rx_trigger(const struct uart16550 *u)
{
	return fifo_enabled(u) ? rx_trigger_bytes[u->fcr >> 6] : 1;
}

/* Highest-priority pending interrupt (Table IV), or UART_IIR_NONE. */
static uint8_t pending_interrupt(const struct uart16550 *u)
{
	if ((u->ier & UART_IER_RLSI) && (u->lsr_errors & UART_LSR_ERRORS))
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && u->rx_count) {
		/* Data below the trigger level would raise the character
		 * timeout four character times later; the guest cannot tell
		 * "later" from "now", so it is reported at once. */
		return u->rx_count >= rx_trigger(u) ? UART_IIR_RDI : UART_IIR_TIMEOUT;
	}
	if ((u->ier & UART_IER_THRI) && u->thre_pending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_MSI) && u->msr_delta)
		return UART_IIR_MSI;
	return UART_IIR_NONE;
}

int uart16550_irq_level(const struct uart16550 *u)
{
	/* On the PC, OUT2 enables the buffer between INTRPT and the bus; in
	 * loopback the OUT pins are forced inactive (datasheet, MCR bit 4). */
	if (!(u->mcr & UART_MCR_OUT2) || (u->mcr & UART_MCR_LOOP))
		return 0;
	return pending_interrupt(u) != UART_IIR_NONE;
}

/* Called after every change of state the interrupt depends on. */
static void update_irq(struct uart16550 *u)
{
	int level = uart16550_irq_level(u);

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (level)
		u->irq_raises++;
	if (u->irq)
		u->irq(u->irq_ctx, level);
}

void uart16550_connect_irq(struct uart16550 *u, uart_irq_fn *irq, void *ctx)
{
	u->irq = irq;
	u->irq_ctx = ctx;
	if (irq && u->irq_level)
		irq(ctx, u->irq_level);
}

static void emit_line(struct uart16550 *u)
{
	if (u->sink)
		u->sink(u->sink_ctx, u->line, u->line_len);
	u->line_len = 0;
}

static void transmit(struct uart16550 *u, uint8_t byte)
{
	u->tx_bytes++;
	if (byte == '\n') {
		emit_line(u);
		return;
	}
	if (byte == '\r' || byte == '\0')
		return;
	u->line[u->line_len++] = (char)byte;
	if (u->line_len == sizeof(u->line))
		emit_line(u);
}

void uart16550_flush(struct uart16550 *u)
{
	if (u->line_len)
		emit_line(u);
}

static bool rx_push(struct uart16550 *u, uint8_t byte)
{
	if (u->rx_count == UART_RX_FIFO_BYTES) {
		u->lsr_errors |= UART_LSR_OE;
		u->rx_overruns++;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_RX_FIFO_BYTES] = byte;
	u->rx_count++;
	u->rx_bytes++;
	return true;
}

bool uart16550_receive(struct uart16550 *u, uint8_t byte)
{
	bool stored = rx_push(u, byte);

	update_irq(u);
	return stored;
}

static uint8_t rx_pop(struct uart16550 *u)
{
	uint8_t byte;

	if (u->rx_count == 0)
		return 0;
	byte = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_RX_FIFO_BYTES;
	u->rx_count--;
	return byte;
}

static uint8_t read_iir(struct uart16550 *u)
{
	uint8_t id = pending_interrupt(u);

	if (id == UART_IIR_THRI)
		u->thre_pending = false;        /* reading IIR clears it */
	return id | (fifo_enabled(u) ? UART_IIR_FIFO : 0);
}

/* The modem inputs: in loopback, MCR's outputs (DTR -> DSR, RTS -> CTS,
 * OUT1 -> RI, OUT2 -> DCD); otherwise a modem that is always ready. */
static uint8_t modem_lines(const struct uart16550 *u)
{
	if (u->mcr & UART_MCR_LOOP) {
		return (uint8_t)(((u->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
				 ((u->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
				 ((u->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
				 ((u->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0));
	}
	return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
}

/* MSR bits 0-3 record changes of the lines since MSR was last read; RI
 * counts only its trailing edge (TERI). */
static uint8_t modem_deltas(uint8_t before, uint8_t after)
{
	uint8_t changed = before ^ after;

	return (uint8_t)(((changed & UART_MSR_CTS) ? UART_MSR_DCTS : 0) |
			 ((changed & UART_MSR_DSR) ? UART_MSR_DDSR : 0) |
			 ((before & ~after & UART_MSR_RI) ? UART_MSR_TERI : 0) |
			 ((changed & UART_MSR_DCD) ? UART_MSR_DDCD : 0));
}

static uint8_t read_lsr(struct uart16550 *u)
{
	/* Transmission is instant: THR and the shifter are always empty. */
	uint8_t v = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_errors |
		    (u->rx_count ? UART_LSR_DR : 0);

	u->lsr_errors = 0;              /* error bits clear on read */
	return v;
}

static uint8_t read_msr(struct uart16550 *u)
{
	uint8_t v = modem_lines(u) | u->msr_delta;

	u->msr_delta = 0;
	return v;
}

static uint8_t read_register(struct uart16550 *u, unsigned offset)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_RBR:
		return dlab ? u->dll : rx_pop(u);
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		return read_iir(u);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return read_lsr(u);
	case UART_MSR:
		return read_msr(u);
	case UART_SCR:
		return u->scr;
	default:
		return 0xff;
	}
}

uint8_t uart16550_read(struct uart16550 *u, unsigned offset)
{
	uint8_t v = read_register(u, offset);

	update_irq(u);
	return v;
}

static void write_thr(struct uart16550 *u, uint8_t value)
{
	/* Writing THR clears the THR-empty interrupt; the byte leaves at once
	 * and THR is empty again, which sets it anew. The line drops and
	 * rises between, as it does on hardware while the byte shifts out,
	 * so an edge-triggered PIC sees a new interrupt. */
	u->thre_pending = false;
	update_irq(u);
	if (u->mcr & UART_MCR_LOOP)
		rx_push(u, value);
	else
		transmit(u, value);
	u->thre_pending = true;
}

static void write_ier(struct uart16550 *u, uint8_t value)
{
	/* Enabling ETBEI with THR empty raises the interrupt at once; the
	 * 8250 driver toggles IER to start transmission this way. */
	if ((value & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
		u->thre_pending = true;
	u->ier = value & 0x0f;
}

static void write_fcr(struct uart16550 *u, uint8_t value)
{
	/* The other bits are programmed only with bit 0 set, and changing
	 * bit 0 resets both FIFOs (datasheet, FCR). */
	if ((value ^ u->fcr) & UART_FCR_ENABLE)
		u->rx_head = u->rx_count = 0;
	if (!(value & UART_FCR_ENABLE)) {
		u->fcr = 0;
		return;
	}
	if (value & UART_FCR_CLR_RX)
		u->rx_head = u->rx_count = 0;
	u->fcr = value & 0xc9;          /* enable, DMA mode, trigger */
}

static void write_mcr(struct uart16550 *u, uint8_t value)
{
	uint8_t before = modem_lines(u);

	u->mcr = value & 0x1f;
	u->msr_delta |= modem_deltas(before, modem_lines(u));
}

static void write_register(struct uart16550 *u, unsigned offset, uint8_t value)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_THR:
		if (dlab)
			u->dll = value;
		else
			write_thr(u, value);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = value;
		else
			write_ier(u, value);
		break;
	case UART_FCR:
		write_fcr(u, value);
		break;
	case UART_LCR:
		u->lcr = value;
		break;
	case UART_MCR:
		write_mcr(u, value);
		break;
	case UART_SCR:
		u->scr = value;
		break;
	default:                                /* LSR, MSR: read-only */
		break;
	}
}

void uart16550_write(struct uart16550 *u, unsigned offset, uint8_t value)
{
	write_register(u, offset, value);
	update_irq(u);
}

/* Wider accesses touch the addressed byte register only, as on ISA. */
static uint64_t bus_read(void *opaque, uint64_t offset, unsigned size)
{
	(void)size;
	return uart16550_read(opaque, (unsigned)offset);
}

static void bus_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	(void)size;
	uart16550_write(opaque, (unsigned)offset, (uint8_t)value);
}

const struct bus_device_ops uart16550_bus_ops = {
	.read = bus_read,
	.write = bus_write,
};
