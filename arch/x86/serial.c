/*
 * 16550 UART, polled (see arch/x86/serial.h). Register layout from the
 * PC16550D data sheet: THR/RBR at +0, IER +1, FCR +2, LCR +3, MCR +4, LSR +5.
 */
#include "arch/x86/serial.h"
#include "arch/x86/cpu.h"

#define UART_THR 0
#define UART_IER 1
#define UART_DLL 0
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

#define LSR_DATA_READY (1 << 0)
#define LSR_THRE       (1 << 5)
#define LCR_DLAB       (1 << 7)
#define LCR_8N1        0x03

/* Bounded wait so a missing UART cannot hang the boot: about a second at
 * 115200 baud on any emulator we know of. */
#define THRE_SPINS 1000000

static uint16_t serial_base;
static bool serial_ok;

void serial_init(uint16_t base)
{
	serial_base = base;
	/* The scratch register tells whether a UART answers at all. */
	outb(base + UART_SCR, 0x5a);
	serial_ok = inb(base + UART_SCR) == 0x5a;

	outb(base + UART_IER, 0);               /* polled: no interrupts */
	outb(base + UART_LCR, LCR_DLAB);
	outb(base + UART_DLL, 1);               /* 115200 / 1 */
	outb(base + UART_DLM, 0);
	outb(base + UART_LCR, LCR_8N1);
	outb(base + UART_FCR, 0x07);            /* enable and clear FIFOs */
	outb(base + UART_MCR, 0x03);            /* DTR, RTS */
}

bool serial_present(void)
{
	return serial_ok;
}

void serial_putc(char c)
{
	if (!serial_base)
		return;
	for (int i = 0; i < THRE_SPINS; i++) {
		if (inb(serial_base + UART_LSR) & LSR_THRE)
			break;
		cpu_relax();
	}
	outb(serial_base + UART_THR, (uint8_t)c);
}

int serial_getc(void)
{
	if (!serial_base || !(inb(serial_base + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(serial_base + UART_THR);
}

bool serial_rx_ready(void)
{
	return serial_base && (inb(serial_base + UART_LSR) & LSR_DATA_READY);
}
