/*
 * The test guests' console: COM1 as the VMM's 16550 model presents it.
 * Polled, like software on a real 16550A: every THR write follows a read of
 * LSR with THRE set, and a REP OUTSB burst never exceeds the 16-byte
 * transmit FIFO (in FIFO mode THRE means the whole FIFO is empty; PC16550D
 * datasheet, section 8.6.3). The wait is bounded so that a model that never
 * reports THRE slows the guest down instead of hanging it.
 */
#include "guest.h"

/* About 65 ms of LSR reads on hardware; 16 bytes at 115200 baud take 1.4 ms. */
#define THRE_POLLS 65536

void con_wait_thre(void)
{
	for (unsigned int i = 0; i < THRE_POLLS; i++)
		if (inb(UART_LSR) & UART_LSR_THRE)
			return;
}

void con_init(void)
{
	outb(UART_FCR, UART_FCR_ENABLE_CLEAR);
}

void con_putc(char c)
{
	if (c == '\n')
		con_putc('\r');
	con_wait_thre();
	outb(UART_THR, (uint8_t)c);
}

void con_puts(const char *s)
{
	while (*s)
		con_putc(*s++);
}

void con_rep_outsb(const char **src, unsigned long *count, bool backward)
{
	const char *p = *src;
	unsigned long left = *count;
	unsigned long cx = 0;

	while (left) {
		cx = left < UART_FIFO_BYTES ? left : UART_FIFO_BYTES;
		left -= cx;
		con_wait_thre();
		/* The ABI wants DF clear outside asm statements: set and
		 * clear it around the one instruction that needs it. */
		if (backward)
			__asm__ volatile("std; rep outsb; cld"
					 : "+S"(p), "+c"(cx)
					 : "d"((uint16_t)UART_THR)
					 : "memory", "cc");
		else
			__asm__ volatile("rep outsb"
					 : "+S"(p), "+c"(cx)
					 : "d"((uint16_t)UART_THR)
					 : "memory");
		if (cx)
			break;
	}
	*src = p;
	*count = cx;
}
