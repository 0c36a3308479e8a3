/*
 * Polled 16550 driver for COM1, which the hypervisor passes through to the
 * control partition (abi/ctl_boot.h). No interrupts: output waits for THRE
 * before each byte, input polls LSR.DR. Runs in the control partition only;
 * newlib reaches it through write()/read() on fds 0-2 (syscalls.c).
 *
 * Register layout and LSR bits: PC16550D datasheet, section 8.
 */
#include "guests/ctl/ctl.h"

#define UART_RBR        0       /* receive buffer (read, DLAB 0) */
#define UART_THR        0       /* transmit holding (write, DLAB 0) */
#define UART_DLL        0       /* divisor low (DLAB 1) */
#define UART_IER        1       /* interrupt enable (DLAB 0) */
#define UART_DLM        1       /* divisor high (DLAB 1) */
#define UART_FCR        2       /* FIFO control (write) */
#define UART_LCR        3
#define UART_MCR        4
#define UART_LSR        5

#define LCR_8N1         0x03
#define LCR_DLAB        0x80
#define FCR_ENABLE      0x01    /* keep FIFO contents: no clear bits */
#define MCR_DTR_RTS     0x03
#define LSR_DR          0x01    /* a received byte is waiting */
#define LSR_THRE        0x20    /* transmit holding register empty */
#define LSR_TEMT        0x40    /* transmitter completely idle */

/* Bounds the wait for the hypervisor's last bytes to leave before we
 * reprogram the divisor (a missing UART reads 0xff, so this rarely matters). */
#define UART_DRAIN_SPINS  1000000

/* Polls of LSR before a wait for input halts the CPU (ctl_idle): the next
 * byte of a line being typed or pasted comes within a few byte times (87 us
 * each at 115200 baud), and an idle wait answers in up to a millisecond. */
#define UART_SPINS_BEFORE_IDLE 2000

static const uint16_t base = CTL_UART_COM1;

/* Bytes read early (while a guest ran, looking for ^C) and handed back for
 * the CLI: uart_getc and uart_read return them first. */
#define PUSHBACK_BYTES 64
static char pushback[PUSHBACK_BYTES];
static unsigned pushback_head, pushback_count;

void uart_init(void)
{
	/* The hypervisor set the port up already (115200 8N1, as GRUB and
	 * arch/x86/serial.c do); program the same values so the control
	 * partition does not depend on that, after letting its output drain. */
	for (int i = 0; i < UART_DRAIN_SPINS; i++) {
		if (inb(base + UART_LSR) & LSR_TEMT)
			break;
		cpu_relax();
	}
	outb(base + UART_IER, 0);               /* polled: no interrupts */
	outb(base + UART_LCR, LCR_DLAB);
	outb(base + UART_DLL, 1);               /* 115200 / 1 */
	outb(base + UART_DLM, 0);
	outb(base + UART_LCR, LCR_8N1);
	outb(base + UART_FCR, FCR_ENABLE);
	outb(base + UART_MCR, MCR_DTR_RTS);
}

static void uart_putbyte(char c)
{
	while (!(inb(base + UART_LSR) & LSR_THRE))
		cpu_relax();
	outb(base + UART_THR, (uint8_t)c);
}

void uart_write(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			uart_putbyte('\r');
		uart_putbyte(buf[i]);
	}
}

void uart_puts(const char *s)
{
	while (*s)
		uart_write(s++, 1);
}

bool uart_unget(char c)
{
	if (pushback_count == PUSHBACK_BYTES)
		return false;
	pushback[(pushback_head + pushback_count++) % PUSHBACK_BYTES] = c;
	return true;
}

int uart_poll(void)
{
	if (!(inb(base + UART_LSR) & LSR_DR))
		return -1;
	return inb(base + UART_RBR);
}

bool uart_pending(void)
{
	return pushback_count || (inb(base + UART_LSR) & LSR_DR);
}

int uart_getc(void)
{
	if (pushback_count) {
		char c = pushback[pushback_head];

		pushback_head = (pushback_head + 1) % PUSHBACK_BYTES;
		pushback_count--;
		return (unsigned char)c;
	}
	for (unsigned spins = 0; !(inb(base + UART_LSR) & LSR_DR); spins++) {
		if (spins < UART_SPINS_BEFORE_IDLE || !ctl_idle(0))
			cpu_relax();
	}
	return inb(base + UART_RBR);
}

size_t uart_read(char *buf, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return 0;
	buf[n++] = (char)uart_getc();
	while (n < len && pushback_count)
		buf[n++] = (char)uart_getc();
	while (n < len && (inb(base + UART_LSR) & LSR_DR))
		buf[n++] = (char)inb(base + UART_RBR);
	return n;
}

void uart_flush(void)
{
	for (int i = 0; i < UART_DRAIN_SPINS; i++) {
		if (inb(base + UART_LSR) & LSR_TEMT)
			return;
		cpu_relax();
	}
}
