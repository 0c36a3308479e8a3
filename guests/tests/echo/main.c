/*
 * echo.bin: a guest that echoes what is typed at the console
 * (docs/test-guests.md, "echo.bin"), for the attached console of `run N`
 * (docs/control-partition.md, "The console"). A 32-bit protected-mode
 * guest, entered like prot32.bin, that polls COM1's LSR.DR with IF = 0 and
 * writes back each byte it reads: CR as a new line, Ctrl-C (0x03) as a
 * line "echo: got ^C" (proof that it reached the guest), 'q' ends the run
 * with status 0. Reading RBR and LSR are IO exits, so typed keys move into
 * the UART's FIFO as soon as the VMM has them.
 */
#include "guest.h"

#define UART_RBR        (COM1_PORT + 0)  /* receive buffer (read) */
#define UART_LSR_DR     0x01             /* a received byte waits */
#define KEY_CTRL_C      0x03

const char guest_name[] = "echo";
unsigned long entry_eflags;             /* recorded by prot32/entry.S */

int main(void);

static uint8_t read_key(void)
{
	while (!(inb(UART_LSR) & UART_LSR_DR))
		;
	return inb(UART_RBR);
}

int main(void)
{
	con_init();
	say("type keys; q ends the run");
	for (;;) {
		uint8_t key = read_key();

		if (key == 'q')
			break;
		if (key == KEY_CTRL_C)
			say("got ^C");
		else if (key == '\r')
			con_putc('\n');
		else
			con_putc((char)key);
	}
	say("done");
	guest_exit(0);
}
