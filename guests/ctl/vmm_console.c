/*
 * The console attached to a running guest (vmm.h, "vmm_console.c";
 * docs/control-partition.md, "The console"): keys typed at the control
 * partition's console go to the guest's 16550 through a queue, the escape
 * key (Ctrl-]) gives the prompt back, and the guest's output appears as it
 * comes, each line prefixed with "[vmN] ". Control partition and host
 * tests.
 */
#include <string.h>

#include "guests/ctl/vmm.h"

/* ---- output ------------------------------------------------------------- */

void vmm_console_output(struct vm *vm, const char *text, size_t len)
{
	struct vmm_console *c = &vm->console;

	/* A partial line with nothing in it changes nothing: no prefix yet. */
	if (c->partial && len == 0)
		return;
	if (!c->mid_line)
		vm->host->write(vm->prefix, strlen(vm->prefix));
	vm->host->write(text, len);
	if (c->partial) {
		c->mid_line = true;
		return;
	}
	vm->host->write("\n", 1);
	c->mid_line = false;
}

void vmm_console_flush(struct vm *vm)
{
	if (vm->uart.line_len == 0)
		return;                 /* the common case: nothing waiting */
	vm->console.partial = true;
	uart16550_flush(&vm->uart);
	vm->console.partial = false;
}

void vmm_console_end_line(struct vm *vm)
{
	if (!vm->console.mid_line)
		return;
	vm->host->write("\n", 1);
	vm->console.mid_line = false;
}

/* ---- input -------------------------------------------------------------- */

bool vmm_console_enqueue(struct vm *vm, uint8_t byte)
{
	struct vmm_console *c = &vm->console;

	if (c->count == VMM_CONSOLE_QUEUE_BYTES) {
		c->keys_dropped++;
		return false;
	}
	c->queue[(c->head + c->count) % VMM_CONSOLE_QUEUE_BYTES] = byte;
	c->count++;
	c->keys_in++;
	return true;
}

static void unread(struct vm *vm, int key)
{
	if (vm->host->unread_key)
		vm->host->unread_key((uint8_t)key);
}

/* The rest of what was typed after the escape key: the CLI's. */
static void give_back_the_rest(struct vm *vm)
{
	int key;

	while ((key = vm->host->poll_key()) >= 0)
		unread(vm, key);
}

bool vmm_console_poll(struct vm *vm)
{
	int key;

	if (!vm->host->poll_key)
		return false;
	while ((key = vm->host->poll_key()) >= 0) {
		if (key == VMM_CONSOLE_ESCAPE ||
		    (!vm->console.attached && key == VMM_CONSOLE_CTRL_C)) {
			give_back_the_rest(vm);
			return true;
		}
		if (vm->console.attached)
			vmm_console_enqueue(vm, (uint8_t)key);
		else
			unread(vm, key);
	}
	return false;
}

/*
 * Room in the receive FIFO without an overrun: uart16550_receive would set
 * LSR.OE for a byte that does not fit, which a real UART does only when
 * the sender outpaces the guest; here the queue waits instead.
 */
static bool uart_has_room(const struct uart16550 *u)
{
	return u->rx_count < UART_RX_FIFO_BYTES;
}

void vmm_console_feed(struct vm *vm)
{
	struct vmm_console *c = &vm->console;
	bool moved = false;

	/* Loopback disconnects the serial input (PC16550D 8.6.5, MCR bit 4):
	 * Linux's probe must see only its own bytes come back. */
	if (c->count == 0 || (vm->uart.mcr & UART_MCR_LOOP))
		return;
	while (c->count && uart_has_room(&vm->uart)) {
		if (!uart16550_receive(&vm->uart, c->queue[c->head]))
			break;
		c->head = (c->head + 1) % VMM_CONSOLE_QUEUE_BYTES;
		c->count--;
		moved = true;
	}
	if (moved)
		vmm_uart_input_done(vm);
}

bool vmm_console_wait(struct vm *vm)
{
	uint64_t before = vm->console.keys_in;

	if (!vm->host->poll_key)
		return true;    /* no console: nothing could ever come */
	while (vm->console.keys_in == before)
		if (vmm_console_poll(vm))
			return true;
	return false;
}

/*
 * The UART's receive FIFO gained bytes: its interrupt line (received data
 * available, IIR 0x4) may have to rise. Left to the interrupt wiring of
 * the UART (vmm_irq.c), which decides how IRQ 4 reaches the PIC; until
 * then guests poll LSR.DR, which needs nothing here.
 */
void vmm_uart_input_done(struct vm *vm)
{
	(void)vm;
}
