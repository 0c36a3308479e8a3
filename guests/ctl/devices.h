/*
 * Device models of the control partition's VMM: a 16550 UART, QEMU's
 * isa-debug-exit and the POST-code port 0x80. Each is a register model
 * behind struct bus_device_ops (io_bus.h); vm.c attaches them to a VM's IO
 * bus at the usual PC addresses.
 *
 * Pure logic: builds for the control partition and the host unit tests.
 */
#ifndef GUESTS_CTL_DEVICES_H
#define GUESTS_CTL_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guests/ctl/io_bus.h"

/* A device's request to end the current `run` (vmm_run.c checks it after
 * every exit it handles). */
struct vmm_stop {
	bool requested;
	uint32_t status;
};

/* ---- dev_uart16550.c: 16550A UART (PC16550D datasheet, section 8) ------- */

#define UART_COM1_BASE          0x3f8
#define UART_NPORTS             8
#define UART_LINE_BYTES         256     /* longest forwarded line */
#define UART_RX_FIFO_BYTES      16

/* Register offsets. */
#define UART_RBR 0      /* read, DLAB 0 */
#define UART_THR 0      /* write, DLAB 0 */
#define UART_DLL 0      /* DLAB 1 */
#define UART_IER 1      /* DLAB 0 */
#define UART_DLM 1      /* DLAB 1 */
#define UART_IIR 2      /* read */
#define UART_FCR 2      /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_LCR_DLAB   0x80
#define UART_LSR_DR     0x01
#define UART_LSR_OE     0x02
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40
#define UART_IER_RDI    0x01
#define UART_IER_THRI   0x02
#define UART_IIR_NONE   0x01
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_FIFO   0xc0
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLR_RX 0x02
#define UART_MCR_LOOP   0x10
#define UART_MSR_CTS    0x10
#define UART_MSR_DSR    0x20
#define UART_MSR_RI     0x40
#define UART_MSR_DCD    0x80

/*
 * Where complete lines of guest output go: `line` holds `len` bytes without
 * the newline, and is not NUL-terminated.
 */
typedef void uart_line_sink(void *ctx, const char *line, size_t len);

struct uart16550 {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm, lsr_errors;
	bool thre_pending;              /* THR-empty interrupt not yet seen */
	uint8_t rx[UART_RX_FIFO_BYTES];
	unsigned rx_head, rx_count;
	char line[UART_LINE_BYTES];
	size_t line_len;
	uart_line_sink *sink;
	void *sink_ctx;
	uint64_t tx_bytes, rx_overruns;
};

/*
 * Power-on state: transmitter empty (LSR = THRE | TEMT), no interrupts
 * enabled (IIR = 0x01), modem lines CTS, DSR, DCD asserted, divisor 12
 * (9600 baud). Guest output is transmitted at once: each byte written to
 * THR is buffered into a line, and a line goes to sink when the guest
 * writes '\n' (the '\n' and any '\r' are not passed on) or the buffer
 * fills. In loopback mode (MCR bit 4) THR feeds the receiver instead, and
 * MSR mirrors MCR, as the datasheet describes (probing drivers rely on it).
 */
void uart16550_init(struct uart16550 *u, uart_line_sink *sink, void *ctx);
uint8_t uart16550_read(struct uart16550 *u, unsigned offset);
void uart16550_write(struct uart16550 *u, unsigned offset, uint8_t value);
/* Passes a partial line on (end of a run). */
void uart16550_flush(struct uart16550 *u);
/* Console input for the guest; false (and LSR.OE) if the FIFO is full. */
bool uart16550_receive(struct uart16550 *u, uint8_t byte);

extern const struct bus_device_ops uart16550_bus_ops;   /* opaque: uart16550 */

/* ---- dev_debugexit.c: QEMU's isa-debug-exit --------------------------- */

/*
 * Writing v to the port ends the guest run with status v (QEMU itself exits
 * with (v << 1) | 1). Claims DEBUGEXIT_NPORTS ports so 1-, 2- and 4-byte
 * OUTs all work; the value written (low `size` bytes) is the status. Reads
 * return 0.
 */
#define DEBUGEXIT_PORT          0xf4
#define DEBUGEXIT_NPORTS        4

struct debugexit {
	struct vmm_stop *stop;
	uint64_t writes;
};

void debugexit_init(struct debugexit *d, struct vmm_stop *stop);
extern const struct bus_device_ops debugexit_bus_ops;   /* opaque: debugexit */

/* ---- dev_port80.c: POST codes ------------------------------------------ */

#define PORT80_PORT 0x80

/* Remembers the last value written (low `size` bytes) and counts writes;
 * reads return the last value. */
struct port80 {
	uint32_t last;
	unsigned last_size;
	uint64_t writes;
};

void port80_init(struct port80 *p);
extern const struct bus_device_ops port80_bus_ops;      /* opaque: port80 */

#endif
