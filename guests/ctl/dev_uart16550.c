/*
 * A 16550A UART for guests (devices.h), at COM1 by default. Enough of the
 * register model for drivers that poll LSR before writing THR (every boot
 * loader and test guest), set the divisor through DLAB, and probe the chip
 * with the scratch register and loopback (Linux's 8250 driver). No
 * interrupts are delivered yet: IIR reports what would be pending.
 * Registers: PC16550D datasheet, section 8 (Table II). Control partition
 * and host tests.
 */
#include <string.h>

#include "guests/ctl/devices.h"

void uart16550_init(struct uart16550 *u, uart_line_sink *sink, void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->dll = 12;                    /* 115200 / 12 = 9600 baud */
	u->sink = sink;
	u->sink_ctx = ctx;
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

bool uart16550_receive(struct uart16550 *u, uint8_t byte)
{
	if (u->rx_count == UART_RX_FIFO_BYTES) {
		u->lsr_errors |= UART_LSR_OE;
		u->rx_overruns++;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_RX_FIFO_BYTES] = byte;
	u->rx_count++;
	return true;
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

/* Highest-priority pending interrupt (datasheet Table IV), without the
 * receiver-line-status and modem-status sources. */
static uint8_t iir(struct uart16550 *u)
{
	uint8_t id = UART_IIR_NONE;

	if ((u->ier & UART_IER_RDI) && u->rx_count)
		id = UART_IIR_RDI;
	else if ((u->ier & UART_IER_THRI) && u->thre_pending)
		id = UART_IIR_THRI;
	if (id == UART_IIR_THRI)
		u->thre_pending = false;        /* reading IIR clears it */
	return id | ((u->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0);
}

static uint8_t msr(const struct uart16550 *u)
{
	if (u->mcr & UART_MCR_LOOP) {
		/* DTR -> DSR, RTS -> CTS, OUT1 -> RI, OUT2 -> DCD */
		return (uint8_t)(((u->mcr & 0x01) ? UART_MSR_DSR : 0) |
				 ((u->mcr & 0x02) ? UART_MSR_CTS : 0) |
				 ((u->mcr & 0x04) ? UART_MSR_RI : 0) |
				 ((u->mcr & 0x08) ? UART_MSR_DCD : 0));
	}
	return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
}

uint8_t uart16550_read(struct uart16550 *u, unsigned offset)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v;

	switch (offset) {
	case UART_RBR:
		return dlab ? u->dll : rx_pop(u);
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		return iir(u);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		/* Transmission is instant: THR and the shifter are always empty. */
		v = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_errors |
		    (u->rx_count ? UART_LSR_DR : 0);
		u->lsr_errors = 0;              /* error bits clear on read */
		return v;
	case UART_MSR:
		return msr(u);
	case UART_SCR:
		return u->scr;
	default:
		return 0xff;
	}
}

void uart16550_write(struct uart16550 *u, unsigned offset, uint8_t value)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_THR:
		if (dlab) {
			u->dll = value;
			break;
		}
		if (u->mcr & UART_MCR_LOOP)
			uart16550_receive(u, value);
		else
			transmit(u, value);
		u->thre_pending = true;         /* THR empties at once */
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = value;
			break;
		}
		if ((value & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
			u->thre_pending = true; /* enabling THRI with THR empty */
		u->ier = value & 0x0f;
		break;
	case UART_FCR:
		if (value & UART_FCR_CLR_RX)
			u->rx_head = u->rx_count = 0;
		u->fcr = value & 0xc9;          /* enable, DMA mode, trigger */
		break;
	case UART_LCR:
		u->lcr = value;
		break;
	case UART_MCR:
		u->mcr = value & 0x1f;
		break;
	case UART_SCR:
		u->scr = value;
		break;
	default:                                /* LSR, MSR: read-only */
		break;
	}
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
