/*
 * Host unit tests for the device models (guests/ctl/dev_*.c): the 16550's
 * registers (LSR THRE/TEMT, DLAB and the divisor latch, IER, IIR, LCR, MCR,
 * scratch, MSR and its delta bits, loopback), its line buffering and its
 * interrupts (priorities, THR-empty rules, FIFO trigger and timeout, OUT2
 * gating, the IRQ line's edges); the debug exit port; port 0x80; pc-testdev.
 * `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "guests/ctl/devices.h"

static char lines[4096];
static int nlines;

static void sink(void *ctx, const char *line, size_t len)
{
	size_t n = strlen(lines);

	assert_ptr_equal(ctx, &nlines);
	assert_true(n + len + 2 < sizeof(lines));
	memcpy(lines + n, line, len);
	lines[n + len] = '|';
	lines[n + len + 1] = '\0';
	nlines++;
}

static int setup(void **state)
{
	(void)state;
	lines[0] = '\0';
	nlines = 0;
	return 0;
}

static void put(struct uart16550 *u, const char *s)
{
	while (*s)
		uart16550_write(u, UART_THR, (uint8_t)*s++);
}

static void test_uart_reset_state(void **state)
{
	struct uart16550 u;

	(void)state;
	uart16550_init(&u, sink, &nlines);
	/* a guest polling for THRE (bit 5) or TEMT (bit 6) sees both */
	assert_int_equal(uart16550_read(&u, UART_LSR), 0x60);
	assert_int_equal(uart16550_read(&u, UART_IIR), 0x01);
	assert_int_equal(uart16550_read(&u, UART_IER), 0);
	assert_int_equal(uart16550_read(&u, UART_LCR), 0);
	assert_int_equal(uart16550_read(&u, UART_MCR), 0);
	assert_int_equal(uart16550_read(&u, UART_MSR), 0xb0);    /* DCD DSR CTS */
	assert_int_equal(uart16550_read(&u, UART_RBR), 0);       /* nothing received */
}

static void test_uart_dlab_and_divisor(void **state)
{
	struct uart16550 u;

	(void)state;
	uart16550_init(&u, sink, &nlines);
	uart16550_write(&u, UART_IER, 0x05);
	uart16550_write(&u, UART_LCR, UART_LCR_DLAB | 0x03);
	/* with DLAB, offsets 0 and 1 are the divisor latch */
	assert_int_equal(uart16550_read(&u, UART_DLL), 12);
	uart16550_write(&u, UART_DLL, 1);
	uart16550_write(&u, UART_DLM, 0);
	assert_int_equal(uart16550_read(&u, UART_DLL), 1);
	assert_int_equal(uart16550_read(&u, UART_DLM), 0);
	assert_int_equal(nlines, 0);
	assert_int_equal(u.tx_bytes, 0);        /* no byte was transmitted */
	uart16550_write(&u, UART_LCR, 0x03);
	assert_int_equal(uart16550_read(&u, UART_LCR), 0x03);
	assert_int_equal(uart16550_read(&u, UART_IER), 0x05);    /* IER kept */
	uart16550_write(&u, UART_IER, 0xff);
	assert_int_equal(uart16550_read(&u, UART_IER), 0x0f);    /* 4 bits */
}

static void test_uart_scratch_mcr(void **state)
{
	struct uart16550 u;

	(void)state;
	uart16550_init(&u, sink, &nlines);
	uart16550_write(&u, UART_SCR, 0x5a);
	assert_int_equal(uart16550_read(&u, UART_SCR), 0x5a);
	uart16550_write(&u, UART_MCR, 0xff);
	assert_int_equal(uart16550_read(&u, UART_MCR), 0x1f);
	/* LSR and MSR ignore writes */
	uart16550_write(&u, UART_LSR, 0);
	assert_int_equal(uart16550_read(&u, UART_LSR) & 0x60, 0x60);
}

static void test_uart_lines(void **state)
{
	struct uart16550 u;

	(void)state;
	uart16550_init(&u, sink, &nlines);
	put(&u, "hello\r\nwor");
	assert_string_equal(lines, "hello|");
	put(&u, "ld\n\n");
	assert_string_equal(lines, "hello|world||");
	assert_int_equal(u.tx_bytes, 14);
	/* THRE never drops: output is instant */
	assert_int_equal(uart16550_read(&u, UART_LSR) & 0x60, 0x60);
	put(&u, "partial");
	assert_int_equal(nlines, 3);
	uart16550_flush(&u);
	assert_string_equal(lines, "hello|world||partial|");
	uart16550_flush(&u);                    /* nothing pending: nothing */
	assert_int_equal(nlines, 4);
}

static void test_uart_long_line_splits(void **state)
{
	struct uart16550 u;
	char big[UART_LINE_BYTES + 11];

	(void)state;
	uart16550_init(&u, sink, &nlines);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put(&u, big);
	assert_int_equal(nlines, 1);
	assert_int_equal(strlen(lines), UART_LINE_BYTES + 1);
	put(&u, "\n");
	assert_int_equal(nlines, 2);
	assert_int_equal(strlen(lines), UART_LINE_BYTES + 1 + 10 + 1);
}

static void test_uart_iir_thre(void **state)
{
	struct uart16550 u;

	(void)state;
	uart16550_init(&u, sink, &nlines);
	uart16550_write(&u, UART_FCR, UART_FCR_ENABLE);
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc1);
	/* enabling THRI with THR empty raises it; reading IIR clears it */
	uart16550_write(&u, UART_IER, UART_IER_THRI);
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc2);
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc1);
	put(&u, "a");
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc2);
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc1);
}

static void test_uart_loopback_and_receive(void **state)
{
	struct uart16550 u;

	(void)state;
	uart16550_init(&u, sink, &nlines);
	/* Linux's 8250 probe: loopback with OUT2 and RTS, MSR mirrors */
	/* (the delta bits report DSR falling; Linux masks MSR with 0xf0) */
	uart16550_write(&u, UART_MCR, UART_MCR_LOOP | 0x0a);
	assert_int_equal(uart16550_read(&u, UART_MSR),
			 UART_MSR_DCD | UART_MSR_CTS | UART_MSR_DDSR);
	uart16550_write(&u, UART_MCR, UART_MCR_LOOP | 0x05);
	assert_int_equal(uart16550_read(&u, UART_MSR),
			 UART_MSR_RI | UART_MSR_DSR | UART_MSR_DDCD | UART_MSR_DDSR |
			 UART_MSR_DCTS);
	put(&u, "Z");
	assert_int_equal(nlines, 0);            /* not transmitted */
	assert_int_equal(u.tx_bytes, 0);
	assert_int_equal(uart16550_read(&u, UART_LSR), 0x61);    /* DR */
	uart16550_write(&u, UART_IER, UART_IER_RDI);
	assert_int_equal(uart16550_read(&u, UART_IIR), 0x04);
	assert_int_equal(uart16550_read(&u, UART_RBR), 'Z');
	assert_int_equal(uart16550_read(&u, UART_LSR), 0x60);
	/* overrun: 16 bytes fit, the 17th sets OE, which clears on read */
	for (int i = 0; i < UART_RX_FIFO_BYTES; i++)
		assert_true(uart16550_receive(&u, (uint8_t)('a' + i)));
	assert_false(uart16550_receive(&u, '!'));
	assert_int_equal(uart16550_read(&u, UART_LSR), 0x63);
	assert_int_equal(uart16550_read(&u, UART_LSR), 0x61);
	assert_int_equal(uart16550_read(&u, UART_RBR), 'a');
	/* FCR clears the receiver */
	uart16550_write(&u, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLR_RX);
	assert_int_equal(uart16550_read(&u, UART_LSR), 0x60);
}

/* The IRQ line as the PIC sees it: every change, in order. */
static int irq_trace[64];
static int nirq;

static void record_irq(void *ctx, int level)
{
	assert_ptr_equal(ctx, &nirq);
	assert_true(nirq < (int)(sizeof(irq_trace) / sizeof(irq_trace[0])));
	irq_trace[nirq++] = level;
}

static void uart_with_irq(struct uart16550 *u)
{
	uart16550_init(u, sink, &nlines);
	nirq = 0;
	uart16550_connect_irq(u, record_irq, &nirq);
}

static void test_uart_thre_interrupt(void **state)
{
	struct uart16550 u;

	(void)state;
	uart_with_irq(&u);
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	assert_int_equal(nirq, 0);
	/* ETBEI 0 -> 1 with THR empty: the line rises */
	uart16550_write(&u, UART_IER, UART_IER_THRI);
	assert_int_equal(uart16550_irq_level(&u), 1);
	assert_int_equal(nirq, 1);
	assert_int_equal(irq_trace[0], 1);
	/* reading IIR with THRE the source clears it and lowers the line */
	assert_int_equal(uart16550_read(&u, UART_IIR), UART_IIR_THRI);
	assert_int_equal(uart16550_irq_level(&u), 0);
	assert_int_equal(nirq, 2);
	assert_int_equal(irq_trace[1], 0);
	/* rewriting IER with ETBEI still set does not raise it again */
	uart16550_write(&u, UART_IER, UART_IER_THRI);
	assert_int_equal(uart16550_irq_level(&u), 0);
	/* a byte written: THR empties again -> a rising edge */
	put(&u, "x");
	assert_int_equal(nirq, 3);
	assert_int_equal(irq_trace[2], 1);
	/* writing THR while the line is high: it drops and rises again */
	put(&u, "y");
	assert_int_equal(nirq, 5);
	assert_int_equal(irq_trace[3], 0);
	assert_int_equal(irq_trace[4], 1);
	assert_int_equal(u.irq_raises, 3);
	/* the 8250 driver's kick: ETBEI off, then on again */
	uart16550_write(&u, UART_IER, 0);
	assert_int_equal(uart16550_irq_level(&u), 0);
	assert_int_equal(uart16550_read(&u, UART_IIR), UART_IIR_NONE);
	uart16550_write(&u, UART_IER, UART_IER_THRI);
	assert_int_equal(uart16550_irq_level(&u), 1);
	assert_int_equal(nirq, 7);
	/* reading LSR, MSR, SCR does not clear it */
	uart16550_read(&u, UART_LSR);
	uart16550_read(&u, UART_MSR);
	assert_int_equal(uart16550_irq_level(&u), 1);
	assert_int_equal(uart16550_read(&u, UART_IIR), UART_IIR_THRI);
	assert_int_equal(uart16550_read(&u, UART_IIR), UART_IIR_NONE);
}

static void test_uart_out2_gates_irq(void **state)
{
	struct uart16550 u;

	(void)state;
	uart_with_irq(&u);
	uart16550_write(&u, UART_IER, UART_IER_RDI);
	assert_true(uart16550_receive(&u, 'k'));
	/* pending (IIR says so) but OUT2 is off: the PIC sees nothing */
	assert_int_equal(uart16550_irq_level(&u), 0);
	assert_int_equal(nirq, 0);
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2);
	assert_int_equal(uart16550_irq_level(&u), 1);
	assert_int_equal(nirq, 1);
	/* loopback forces OUT2 inactive */
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
	assert_int_equal(uart16550_irq_level(&u), 0);
	assert_int_equal(uart16550_read(&u, UART_IIR), UART_IIR_RDI);
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2);
	assert_int_equal(uart16550_irq_level(&u), 1);
	/* reading the byte ends the request */
	assert_int_equal(uart16550_read(&u, UART_RBR), 'k');
	assert_int_equal(uart16550_irq_level(&u), 0);
	assert_int_equal(nirq, 4);
	assert_int_equal(irq_trace[3], 0);
	/* connecting while the line is high reports it at once */
	uart16550_receive(&u, 'm');
	nirq = 0;
	uart16550_connect_irq(&u, record_irq, &nirq);
	assert_int_equal(nirq, 1);
	assert_int_equal(irq_trace[0], 1);
}

static void test_uart_rx_trigger_and_timeout(void **state)
{
	struct uart16550 u;

	(void)state;
	uart_with_irq(&u);
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2);
	uart16550_write(&u, UART_IER, UART_IER_RDI);
	/* FIFOs on, trigger level 4 (FCR bits 7-6 = 01) */
	uart16550_write(&u, UART_FCR, 0x41);
	uart16550_receive(&u, '1');
	assert_int_equal(uart16550_irq_level(&u), 1);
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xcc);   /* timeout */
	uart16550_receive(&u, '2');
	uart16550_receive(&u, '3');
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xcc);
	uart16550_receive(&u, '4');
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc4);   /* trigger */
	assert_int_equal(uart16550_read(&u, UART_RBR), '1');
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xcc);
	assert_int_equal(uart16550_irq_level(&u), 1);
	uart16550_read(&u, UART_RBR);
	uart16550_read(&u, UART_RBR);
	assert_int_equal(uart16550_read(&u, UART_RBR), '4');
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc1);
	assert_int_equal(uart16550_irq_level(&u), 0);
	/* trigger 14 (bits 11); 8 (bits 10); FIFOs off: every byte is RDA */
	uart16550_write(&u, UART_FCR, 0xc1);
	for (int i = 0; i < 13; i++)
		uart16550_receive(&u, 'a');
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xcc);
	uart16550_receive(&u, 'a');
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc4);
	uart16550_write(&u, UART_FCR, 0x83);    /* clear RX, trigger 8 */
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc1);
	for (int i = 0; i < 8; i++)
		uart16550_receive(&u, 'b');
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc4);
	/* turning FIFOs off empties them */
	uart16550_write(&u, UART_FCR, 0);
	assert_int_equal(uart16550_read(&u, UART_LSR), 0x60);
	uart16550_receive(&u, 'c');
	assert_int_equal(uart16550_read(&u, UART_IIR), UART_IIR_RDI);
	/* without bit 0, the other FCR bits are not programmed */
	uart16550_write(&u, UART_FCR, 0xc2);
	assert_int_equal(uart16550_read(&u, UART_LSR), 0x61);   /* not cleared */
	uart16550_write(&u, UART_FCR, 0x01);    /* FIFOs on: trigger 1 */
	uart16550_receive(&u, 'd');
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc4);
	assert_int_equal(u.rx_bytes, 4 + 14 + 8 + 1 + 1);
}

static void test_uart_interrupt_priority(void **state)
{
	struct uart16550 u;

	(void)state;
	uart_with_irq(&u);
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2);
	uart16550_read(&u, UART_MSR);           /* MCR changed nothing outside loopback */
	uart16550_write(&u, UART_FCR, 0x01);    /* FIFOs on, trigger 1 */
	uart16550_write(&u, UART_IER, 0x0f);
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc2);   /* THRE, now clear */
	/* modem status: loopback with only OUT2: CTS, DSR fall, DCD = OUT2 */
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc0);
	put(&u, "a");                           /* THRE again, RX one byte */
	for (int i = 0; i < UART_RX_FIFO_BYTES; i++)
		uart16550_receive(&u, 'z');     /* the 16th overruns */
	/* line status > received data > THR empty > modem status */
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc6);
	assert_int_equal(uart16550_read(&u, UART_LSR), 0x63);   /* clears OE */
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc4);
	while (uart16550_read(&u, UART_LSR) & UART_LSR_DR)
		uart16550_read(&u, UART_RBR);
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc2);
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc0);
	/* CTS and DSR changed; reading MSR clears the deltas */
	assert_int_equal(uart16550_read(&u, UART_MSR),
			 UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DCD);
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc1);
	/* RI's trailing edge only: OUT1 on (no TERI), then off (TERI) */
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP | UART_MCR_OUT1);
	assert_int_equal(uart16550_read(&u, UART_MSR), UART_MSR_RI | UART_MSR_DCD);
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
	assert_int_equal(uart16550_read(&u, UART_MSR), UART_MSR_TERI | UART_MSR_DCD);
	/* with ELSI off, an overrun is in LSR but raises nothing */
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2);
	uart16550_read(&u, UART_MSR);
	uart16550_write(&u, UART_IER, 0);
	for (int i = 0; i <= UART_RX_FIFO_BYTES; i++)
		uart16550_receive(&u, 'q');
	assert_int_equal(uart16550_read(&u, UART_IIR), 0xc1);
	assert_int_equal(uart16550_irq_level(&u), 0);
	assert_int_equal(uart16550_read(&u, UART_LSR), 0x63);
}

static void test_uart_on_bus(void **state)
{
	struct uart16550 u;
	struct io_bus bus;

	(void)state;
	uart16550_init(&u, sink, &nlines);
	io_bus_init(&bus, "io", true);
	assert_int_equal(io_bus_register(&bus, UART_COM1_BASE, UART_NPORTS,
					 &uart16550_bus_ops, &u, "uart"), 0);
	assert_int_equal(io_bus_read(&bus, 0x3fd, 1), 0x60);
	io_bus_write(&bus, 0x3f8, 1, 'o');
	io_bus_write(&bus, 0x3f8, 2, 0x0a6b);   /* a word OUT: low byte only */
	io_bus_write(&bus, 0x3f8, 1, '\n');
	assert_string_equal(lines, "ok|");
}

static void test_debugexit(void **state)
{
	struct vmm_stop stop = { 0 };
	struct debugexit d;
	struct io_bus bus;

	(void)state;
	debugexit_init(&d, &stop);
	io_bus_init(&bus, "io", true);
	assert_int_equal(io_bus_register(&bus, DEBUGEXIT_PORT, DEBUGEXIT_NPORTS,
					 &debugexit_bus_ops, &d, "debug-exit"), 0);
	assert_int_equal(io_bus_read(&bus, 0xf4, 1), 0);
	assert_false(stop.requested);
	io_bus_write(&bus, 0xf4, 1, 0x1ff);     /* byte OUT: 0xff */
	assert_true(stop.requested);
	assert_int_equal(stop.status, 0xff);
	io_bus_write(&bus, 0xf4, 4, 0x12345678);
	assert_int_equal(stop.status, 0x12345678);
	assert_int_equal(d.writes, 2);
}

static void test_port80(void **state)
{
	struct port80 p;
	struct io_bus bus;

	(void)state;
	port80_init(&p);
	io_bus_init(&bus, "io", true);
	assert_int_equal(io_bus_register(&bus, PORT80_PORT, 1, &port80_bus_ops, &p, "port80"), 0);
	io_bus_write(&bus, 0x80, 1, 0x42);
	io_bus_write(&bus, 0x80, 1, 0x43);
	assert_int_equal(p.last, 0x43);
	assert_int_equal(p.writes, 2);
	assert_int_equal(io_bus_read(&bus, 0x80, 1), 0x43);
	io_bus_write(&bus, 0x80, 2, 0xbeef);
	assert_int_equal(p.last, 0xbeef);
	assert_int_equal(p.last_size, 2);
	assert_int_equal(bus.unclaimed_reads + bus.unclaimed_writes, 0);
}

/* pc-testdev's scratch port: each access covers its byte lanes only. */
static void test_testdev_ports(void **state)
{
	static struct testdev t;
	struct io_bus bus;

	(void)state;
	testdev_init(&t, NULL, NULL);
	io_bus_init(&bus, "io", true);
	assert_int_equal(io_bus_register(&bus, TESTDEV_PORT, TESTDEV_NPORTS,
					 &testdev_port_ops, &t, "pc-testdev"), 0);
	assert_int_equal(io_bus_read(&bus, 0xe0, 4), 0);
	io_bus_write(&bus, 0xe0, 4, 0x12345678);
	assert_int_equal(io_bus_read(&bus, 0xe0, 4), 0x12345678);
	io_bus_write(&bus, 0xe0, 1, 0x1ab);     /* byte OUT: 0xab, lane 0 */
	assert_int_equal(io_bus_read(&bus, 0xe0, 4), 0x123456ab);
	io_bus_write(&bus, 0xe1, 2, 0xcdef);    /* lanes 1-2 */
	assert_int_equal(io_bus_read(&bus, 0xe0, 4), 0x12cdefab);
	assert_int_equal(io_bus_read(&bus, 0xe2, 1), 0xcd);
	assert_int_equal(io_bus_read(&bus, 0xe3, 2), 0x12);     /* no lane 4 */
	io_bus_write(&bus, 0xe3, 4, 0x99887766); /* only lane 3 is there */
	assert_int_equal(io_bus_read(&bus, 0xe0, 4), 0x66cdefab);
	io_bus_write(&bus, 0xe4, 4, 0x1000);     /* flush: counted, no effect */
	assert_int_equal(t.flushes, 1);
	assert_int_equal(io_bus_read(&bus, 0xe4, 4), 0);
	assert_int_equal(io_bus_read(&bus, 0xe0, 4), 0x66cdefab);
	assert_int_equal(bus.unclaimed_reads + bus.unclaimed_writes, 0);
}

/* pc-testdev's IO memory: 64 KiB of storage, cut at its end. */
static void test_testdev_iomem(void **state)
{
	static struct testdev t;
	struct io_bus bus;

	(void)state;
	testdev_init(&t, NULL, NULL);
	io_bus_init(&bus, "mmio", false);
	assert_int_equal(io_bus_register(&bus, TESTDEV_IOMEM_GPA, TESTDEV_IOMEM_BYTES,
					 &testdev_iomem_ops, &t, "pc-testdev-iomem"), 0);
	assert_int_equal(io_bus_read(&bus, 0xff000000, 8), 0);
	io_bus_write(&bus, 0xff000003, 8, 0x1122334455667788ULL);
	assert_int_equal(io_bus_read(&bus, 0xff000003, 8), 0x1122334455667788ULL);
	assert_int_equal(io_bus_read(&bus, 0xff000000, 4), 0x88000000);
	assert_int_equal(io_bus_read(&bus, 0xff00000a, 1), 0x11);
	io_bus_write(&bus, 0xff00fffe, 4, 0xaabbccdd);  /* crosses the end */
	assert_int_equal(io_bus_read(&bus, 0xff00fffe, 2), 0xccdd);
	assert_int_equal(io_bus_read(&bus, 0xff00fffe, 4), 0xccdd);
	testdev_init(&t, NULL, NULL);
	assert_int_equal(io_bus_read(&bus, 0xff000003, 8), 0);
}

static unsigned irq_lines[4], irq_levels[4], nirqs;

static void record_testdev_irq(void *ctx, unsigned line, int level)
{
	assert_ptr_equal(ctx, &nirqs);
	assert_true(nirqs < 4);
	irq_lines[nirqs] = line;
	irq_levels[nirqs++] = (unsigned)level;
}

/* pc-testdev's IRQ ports: port 0x2000 + n drives line n to value != 0. */
static void test_testdev_irq_lines(void **state)
{
	static struct testdev t;
	struct io_bus bus;

	(void)state;
	nirqs = 0;
	testdev_init(&t, record_testdev_irq, &nirqs);
	io_bus_init(&bus, "io", true);
	assert_int_equal(io_bus_register(&bus, TESTDEV_IRQ_PORT, TESTDEV_IRQ_NPORTS,
					 &testdev_irq_ops, &t, "pc-testdev-irq"), 0);
	io_bus_write(&bus, 0x200b, 4, 1);
	io_bus_write(&bus, 0x200b, 1, 0);
	io_bus_write(&bus, 0x2017, 2, 0x100);   /* non-zero: high */
	assert_int_equal(io_bus_read(&bus, 0x2000, 1), 0);
	assert_int_equal(nirqs, 3);
	assert_int_equal(irq_lines[0], 11);
	assert_int_equal(irq_levels[0], 1);
	assert_int_equal(irq_lines[1], 11);
	assert_int_equal(irq_levels[1], 0);
	assert_int_equal(irq_lines[2], 23);
	assert_int_equal(irq_levels[2], 1);
	assert_int_equal(bus.unclaimed_reads + bus.unclaimed_writes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_uart_reset_state, setup),
		cmocka_unit_test_setup(test_uart_dlab_and_divisor, setup),
		cmocka_unit_test_setup(test_uart_scratch_mcr, setup),
		cmocka_unit_test_setup(test_uart_lines, setup),
		cmocka_unit_test_setup(test_uart_long_line_splits, setup),
		cmocka_unit_test_setup(test_uart_iir_thre, setup),
		cmocka_unit_test_setup(test_uart_loopback_and_receive, setup),
		cmocka_unit_test_setup(test_uart_thre_interrupt, setup),
		cmocka_unit_test_setup(test_uart_out2_gates_irq, setup),
		cmocka_unit_test_setup(test_uart_rx_trigger_and_timeout, setup),
		cmocka_unit_test_setup(test_uart_interrupt_priority, setup),
		cmocka_unit_test_setup(test_uart_on_bus, setup),
		cmocka_unit_test(test_debugexit),
		cmocka_unit_test(test_port80),
		cmocka_unit_test(test_testdev_ports),
		cmocka_unit_test(test_testdev_iomem),
		cmocka_unit_test(test_testdev_irq_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
