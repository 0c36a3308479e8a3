/*
 * Device models of the control partition's VMM: a 16550 UART, QEMU's
 * isa-debug-exit, the POST-code port 0x80, the two 8259A interrupt
 * controllers, the 8254 interval timer (with port 0x61), an MMIO test
 * device, and the PC devices Linux probes: the MC146818 RTC/CMOS, the 8042
 * keyboard controller and PCI configuration mechanism 1 (with the reset
 * control register at 0xcf9), and the ACPI power-management registers
 * (PM1a event and control blocks, the PM timer). Each is a register model behind struct
 * bus_device_ops (io_bus.h); vm.c attaches them to a VM's IO and MMIO
 * buses at the usual PC addresses (the MMIO test device at MMIOTEST_GPA).
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
	const char *reset_by;           /* a reset request: which device */
	bool power_off;                 /* ACPI S5 */
};

/* A device's request to reset the machine (the 8042's reset line, the
 * reset control register at 0xcf9): the VMM ends the run, as a reboot. */
typedef void dev_reset_fn(void *ctx);

/* ---- dev_uart16550.c: 16550A UART (PC16550D datasheet, section 8) ------- */

#define UART_COM1_BASE          0x3f8
#define UART_COM1_IRQ           4
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
#define UART_LSR_PE     0x04
#define UART_LSR_FE     0x08
#define UART_LSR_BI     0x10
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40
#define UART_LSR_ERRORS (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)
#define UART_IER_RDI    0x01    /* ERBFI: received data available */
#define UART_IER_THRI   0x02    /* ETBEI: transmitter holding register empty */
#define UART_IER_RLSI   0x04    /* ELSI: receiver line status */
#define UART_IER_MSI    0x08    /* EDSSI: modem status */
#define UART_IIR_NONE   0x01
#define UART_IIR_MSI    0x00
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_RLSI   0x06
#define UART_IIR_TIMEOUT 0x0c
#define UART_IIR_FIFO   0xc0
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLR_RX 0x02
#define UART_FCR_CLR_TX 0x04
#define UART_MCR_DTR    0x01
#define UART_MCR_RTS    0x02
#define UART_MCR_OUT1   0x04
#define UART_MCR_OUT2   0x08
#define UART_MCR_LOOP   0x10
#define UART_MSR_DCTS   0x01
#define UART_MSR_DDSR   0x02
#define UART_MSR_TERI   0x04
#define UART_MSR_DDCD   0x08
#define UART_MSR_CTS    0x10
#define UART_MSR_DSR    0x20
#define UART_MSR_RI     0x40
#define UART_MSR_DCD    0x80

/*
 * Where complete lines of guest output go: `line` holds `len` bytes without
 * the newline, and is not NUL-terminated.
 */
typedef void uart_line_sink(void *ctx, const char *line, size_t len);
/* The UART's interrupt line as the PIC sees it (IRQ 4 for COM1): called
 * with the new level whenever it changes. */
typedef void uart_irq_fn(void *ctx, int level);

struct uart16550 {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm, lsr_errors;
	uint8_t msr_delta;              /* MSR bits 0-3, cleared by reading MSR */
	bool thre_pending;              /* THR-empty interrupt not yet seen */
	uint8_t rx[UART_RX_FIFO_BYTES];
	unsigned rx_head, rx_count;
	char line[UART_LINE_BYTES];
	size_t line_len;
	uart_line_sink *sink;
	void *sink_ctx;
	uart_irq_fn *irq;
	void *irq_ctx;
	int irq_level;
	uint64_t tx_bytes, rx_bytes, rx_overruns, irq_raises;
};

/*
 * Power-on state: transmitter empty (LSR = THRE | TEMT), no interrupts
 * enabled (IIR = 0x01), modem lines CTS, DSR, DCD asserted, divisor 12
 * (9600 baud), IRQ line low and connected to nothing. Guest output is
 * transmitted at once: each byte written to THR is buffered into a line,
 * and a line goes to sink when the guest writes '\n' (the '\n' and any '\r'
 * are not passed on) or the buffer fills. In loopback mode (MCR bit 4) THR
 * feeds the receiver instead, and MSR mirrors MCR, as the datasheet
 * describes (probing drivers rely on it).
 *
 * Interrupts (datasheet Table IV): receiver line status (IER bit 2; OE in
 * LSR, cleared by reading LSR) > received data (IER bit 0; IIR 0x04 with
 * the FIFO at or above its trigger level, 0x0c "character timeout" while
 * data waits below it) > THR empty (IER bit 1; set when THR empties and
 * when ETBEI goes from 0 to 1, cleared by reading IIR while it is the
 * source or by writing THR) > modem status (IER bit 3; MSR delta bits).
 * The line reaches the PIC only with MCR bit 3 (OUT2) set and loopback
 * off, as the PC's gate on OUT2 wires it.
 */
void uart16550_init(struct uart16550 *u, uart_line_sink *sink, void *ctx);
/* Connects the interrupt line; irq is called at once if the line is high. */
void uart16550_connect_irq(struct uart16550 *u, uart_irq_fn *irq, void *ctx);
uint8_t uart16550_read(struct uart16550 *u, unsigned offset);
void uart16550_write(struct uart16550 *u, unsigned offset, uint8_t value);
/* Passes a partial line on (end of a run). */
void uart16550_flush(struct uart16550 *u);
/* Console input for the guest; false (and LSR.OE) if the FIFO is full.
 * The receiver buffers UART_RX_FIFO_BYTES whether or not FIFOs are on. */
bool uart16550_receive(struct uart16550 *u, uint8_t byte);
/* The level of the interrupt line at the PIC (0 or 1). */
int uart16550_irq_level(const struct uart16550 *u);

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

/* ---- dev_pic8259.c: two cascaded 8259A PICs (Intel 8259A data sheet) ---
 *
 * The PC/AT pair: the master at ports 0x20-0x21, the slave at 0xa0-0xa1 on
 * the master's IRQ 2, and the edge/level control registers (ELCR) at
 * 0x4d0-0x4d1. ICW1-ICW4 (vector base, single or cascade, AEOI, special
 * fully nested), OCW1 (IMR), OCW2 (non-specific, specific and rotating
 * EOI, priority rotation), OCW3 (read IRR or ISR, poll, special mask).
 * Edge-triggered lines set IRR on a rising edge whatever the IMR says;
 * level-triggered lines (ELCR) follow the line. Buffered mode and 8080
 * mode (ICW4 bits 0, 2, 3) are accepted and ignored.
 */
#define PIC_MASTER_PORT         0x20
#define PIC_SLAVE_PORT          0xa0
#define PIC_ELCR_PORT           0x4d0
#define PIC_NPORTS              2
#define PIC_CASCADE_IRQ         2
#define PIC_SPURIOUS_IRQ        7

struct pic8259_chip {
	uint8_t irr, imr, isr;
	uint8_t last_irr;               /* line levels, for edge detection */
	uint8_t priority_add;           /* rotation: lowest-priority + 1 */
	uint8_t irq_base;               /* ICW2 & 0xf8 */
	uint8_t init_state;             /* 0 ready, 1-3 waiting for ICW2-4 */
	uint8_t elcr, elcr_mask;
	bool read_isr, poll, special_mask, auto_eoi, rotate_on_auto_eoi;
	bool special_fully_nested, init4, single_mode, master;
};

struct pic8259 {
	struct pic8259_chip chip[2];    /* 0 master, 1 slave */
	uint64_t acks, spurious;        /* INTA cycles, spurious among them */
};

/* Power-on state: both chips waiting for ICW1 (IMR 0, vector base 0),
 * every line low and edge-triggered. */
void pic8259_init(struct pic8259 *p);
/* Drives line irq (0-15) to level (0 or 1). */
void pic8259_set_irq(struct pic8259 *p, unsigned irq, int level);
/* The INTR output of the master: a vector is waiting for INTA. */
bool pic8259_intr(const struct pic8259 *p);
/* True if line irq, raised now, would reach INTR (not masked, not
 * blocked by a request of higher or equal priority in service). */
bool pic8259_would_deliver(const struct pic8259 *p, unsigned irq);
/* The INTA cycle: the vector of the highest-priority request, which moves
 * from IRR to ISR (unless AEOI); base + 7 if there is none (spurious). */
uint8_t pic8259_ack(struct pic8259 *p);

extern const struct bus_device_ops pic8259_master_ops;  /* opaque: pic8259 */
extern const struct bus_device_ops pic8259_slave_ops;   /* opaque: pic8259 */
extern const struct bus_device_ops pic8259_elcr_ops;    /* opaque: pic8259 */

/* ---- dev_pit8254.c: the 8254 programmable interval timer ----------------
 *
 * Ports 0x40-0x42 (counters 0-2) and 0x43 (control word), and port 0x61
 * (system control port B: counter 2's gate, the speaker data bit, a
 * refresh toggle and counter 2's output), as on the PC/AT. Modes 0-5,
 * LSB/MSB/LSB-then-MSB access, the counter latch and read-back commands,
 * status bytes; BCD counting is stored but counts in binary. Counter 0's
 * output drives IRQ 0 through a callback (rising edges).
 *
 * Time is virtual, counted in PIT input cycles (1.193182 MHz): the VMM
 * advances it (vmm_irq.c), and the model computes counts and outputs from
 * the cycle at which each count was loaded. Counters 0 and 1 have their
 * gate tied high; a count written in mode 1 or 5 waits for a gate edge,
 * which only counter 2 gets (port 0x61 bit 0).
 */
#define PIT_PORT                0x40
#define PIT_NPORTS              4
#define PIT_PORT61              0x61
#define PIT_HZ                  1193182u
#define PIT_NEVER               UINT64_MAX

typedef void pit_irq_fn(void *ctx, int level);

struct pit_channel {
	uint32_t count;                 /* the count register; 0 means 65536 */
	uint8_t mode;                   /* 0-5 */
	uint8_t rw;                     /* 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;
	bool armed;                     /* a count was loaded: counting */
	bool gate;
	bool write_msb_next, read_msb_next;
	uint8_t write_lsb;
	bool latched;                   /* counter latch command */
	uint16_t latch;
	bool latch_msb_next;
	bool status_latched;
	uint8_t status;
	bool null_count;                /* written, not yet loaded */
	uint64_t load_cycle;            /* when counting (re)started */
};

struct pit8254 {
	struct pit_channel ch[3];
	uint64_t now;                   /* virtual PIT cycles */
	uint64_t next_irq;              /* counter 0's next rising edge */
	bool speaker_data;              /* port 0x61 bit 1 */
	bool refresh;                   /* port 0x61 bit 4, toggles per read */
	pit_irq_fn *irq;
	void *irq_ctx;
	uint64_t irq_edges;             /* rising edges on IRQ 0 */
};

/* Power-on: every counter in mode 0, nothing loaded, IRQ 0 low; time 0. */
void pit8254_init(struct pit8254 *p, pit_irq_fn *irq, void *ctx);
/* Moves time forward to `now` (cycles; never backward) and raises IRQ 0
 * for every rising edge of counter 0's output on the way (edges that fall
 * between two calls reach the PIC as one, as on hardware when the CPU has
 * not acknowledged the first). */
void pit8254_advance(struct pit8254 *p, uint64_t now);
/* The cycle of counter 0's next rising edge after `now`, or PIT_NEVER. */
uint64_t pit8254_next_irq(const struct pit8254 *p);
/* Counter c's current count and output (for tests and `stats`). */
uint16_t pit8254_count(const struct pit8254 *p, unsigned c);
bool pit8254_out(const struct pit8254 *p, unsigned c);

extern const struct bus_device_ops pit8254_bus_ops;     /* opaque: pit8254 */
extern const struct bus_device_ops pit8254_port61_ops;  /* opaque: pit8254 */

/* ---- dev_rtc146818.c: the MC146818 real-time clock and CMOS RAM ---------
 *
 * Ports 0x70 (index; bit 7 masks NMI, remembered for rtc_nmi_masked) and
 * 0x71 (data) select one of 128 bytes: the time registers 0x00-0x09 in BCD
 * or binary (register B bit 2) and 12- or 24-hour form (bit 1), registers
 * A-D at 0x0a-0x0d, and battery-backed RAM with the PC/AT BIOS layout
 * (rtc_set_memory_layout). Time is the VM's virtual clock in nanoseconds
 * plus an offset to Unix time; the VMM calls rtc_advance() before guest
 * accesses and when rtc_next_event() is due, and the RTC raises its IRQ
 * (IRQ 8) through a callback: periodic (register A rate, B.PIE), alarm
 * (B.AIE) and update-ended (B.UIE) interrupts, flags in register C, read
 * clears them and lowers the line. UIP (A bit 7) is set in the 244 us
 * before each second's update. Register B.SET or a divider reset (A bits
 * 6-5 = 11) stops the time registers; the guest writes new values, and
 * releasing SET restarts the clock from them (releasing the divider
 * reset: the first update half a second later, as the datasheet says).
 * Not modelled: the square-wave output (SQWE is stored), daylight saving
 * (DSE is stored), divider time bases other than 32.768 kHz, the upper
 * 128-byte bank of later chipsets. Calendar years 1970-2099.
 */
#define RTC_PORT                0x70
#define RTC_NPORTS              2
#define RTC_IRQ                 8
#define RTC_CMOS_BYTES          128
#define RTC_NEVER               UINT64_MAX

#define RTC_SECONDS             0x00
#define RTC_SECONDS_ALARM       0x01
#define RTC_MINUTES             0x02
#define RTC_MINUTES_ALARM       0x03
#define RTC_HOURS               0x04
#define RTC_HOURS_ALARM         0x05
#define RTC_DAY_OF_WEEK         0x06
#define RTC_DAY_OF_MONTH        0x07
#define RTC_MONTH               0x08
#define RTC_YEAR                0x09
#define RTC_REG_A               0x0a
#define RTC_REG_B               0x0b
#define RTC_REG_C               0x0c
#define RTC_REG_D               0x0d
#define RTC_CENTURY             0x32    /* the IBM PC/AT's century byte */

#define RTC_A_UIP               0x80
#define RTC_A_DIVIDER           0x70
#define RTC_A_RATE              0x0f
#define RTC_B_SET               0x80
#define RTC_B_PIE               0x40
#define RTC_B_AIE               0x20
#define RTC_B_UIE               0x10
#define RTC_B_SQWE              0x08
#define RTC_B_DM_BINARY         0x04
#define RTC_B_24H               0x02
#define RTC_B_DSE               0x01
#define RTC_C_IRQF              0x80
#define RTC_C_PF                0x40
#define RTC_C_AF                0x20
#define RTC_C_UF                0x10
#define RTC_D_VRT               0x80
#define RTC_ALARM_DONT_CARE     0xc0    /* alarm byte 11xxxxxx matches all */

typedef void rtc_irq_fn(void *ctx, int level);

struct rtc146818 {
	uint8_t cmos[RTC_CMOS_BYTES];   /* time registers: last snapshot */
	uint8_t index;
	bool nmi_masked;
	uint64_t now_ns;                /* the virtual clock, last advance */
	uint64_t epoch_offset_ns;       /* Unix time in ns = now_ns + this */
	rtc_irq_fn *irq;
	void *irq_ctx;
	int irq_level;
	uint64_t reads, writes;         /* accesses to port 0x71 */
	uint64_t updates, periodic_ticks, alarms; /* advances setting UF, PF, AF */
	uint64_t irq_raises;
};

/* Power-on state at virtual time 0: the date and time of Unix time
 * unix_seconds (read in BCD, 24-hour: register B = 0x02), register A =
 * 0x26 (32.768 kHz divider, 1024 Hz periodic rate), C = 0, D = VRT, every
 * interrupt disabled, NMI unmasked, CMOS RAM zero but for the century. */
void rtc_init(struct rtc146818 *r, rtc_irq_fn *irq, void *ctx, uint64_t unix_seconds);
/* Moves the clock to now_ns (never backward), setting UF, PF and AF for
 * the updates, periodic ticks and alarm matches on the way. */
void rtc_advance(struct rtc146818 *r, uint64_t now_ns);
/* Virtual time of the next enabled interrupt (PIE, AIE, UIE), or RTC_NEVER. */
uint64_t rtc_next_event(const struct rtc146818 *r);
/* The Unix time the clock shows now (whole seconds). */
uint64_t rtc_unix_seconds(const struct rtc146818 *r);
bool rtc_nmi_masked(const struct rtc146818 *r);
int rtc_irq_level(const struct rtc146818 *r);
/* Index port and data port, as the guest reaches them. */
uint8_t rtc_read(struct rtc146818 *r, unsigned port_offset);
void rtc_write(struct rtc146818 *r, unsigned port_offset, uint8_t value);
/*
 * The BIOS memory bytes (IBM PC/AT technical reference, CMOS map; the
 * conventions QEMU and SeaBIOS follow): 0x15-0x16 base memory 640 KiB,
 * 0x17-0x18 and 0x30-0x31 KiB above 1 MiB (at most 0xffff), 0x34-0x35
 * 64 KiB units above 16 MiB below 4 GiB, 0x5b-0x5d 64 KiB units above
 * 4 GiB; then the checksum of 0x10-0x2d at 0x2e-0x2f.
 */
void rtc_set_memory_layout(struct rtc146818 *r, uint64_t below_4g, uint64_t above_4g);
/* The same for ram_bytes of RAM from address 0, split at 4 GiB. */
void rtc_set_memory_size(struct rtc146818 *r, uint64_t ram_bytes);

extern const struct bus_device_ops rtc146818_bus_ops;   /* opaque: rtc146818 */

/* ---- dev_i8042.c: the 8042 keyboard controller, no devices attached -----
 *
 * Port 0x60 (data) and 0x64 (status on read, command on write), as on a
 * PS/2 PC with neither keyboard nor mouse plugged in: the controller
 * itself answers (self test 0x55, interface tests 0, the command byte and
 * its RAM, the output port, the aux loopback 0xd3 and kbd echo 0xd2), so
 * Linux's i8042 driver finds a controller; a byte for the keyboard (a data
 * write with no command pending) or for the mouse (0xd4) finds no device,
 * and the controller answers as hardware does after its 15 ms wait: 0xfe
 * with the timeout bit (status bit 6) set, at once, so the atkbd and
 * psmouse probes fail fast instead of waiting out their own timeouts.
 * Output bytes queue (I8042_QUEUE_BYTES); IRQ 1 is high while a keyboard
 * byte waits with command byte bit 0 set, IRQ 12 likewise for an aux byte
 * and bit 1. Pulsing the reset line (commands 0xf0-0xff with bit 0 clear,
 * 0xfe being the usual one, or 0xd1 with output port bit 0 clear) calls
 * the reset callback: Linux's `reboot` (BOOT_KBD) ends up there. A20
 * (output port bit 1) is stored, not enforced. The input buffer is always
 * empty (IBF clear): commands take effect at once.
 */
#define I8042_DATA_PORT         0x60
#define I8042_CMD_PORT          0x64
#define I8042_KBD_IRQ           1
#define I8042_AUX_IRQ           12
#define I8042_QUEUE_BYTES       16
#define I8042_RAM_BYTES         32

#define I8042_STR_OBF           0x01
#define I8042_STR_IBF           0x02
#define I8042_STR_SYS           0x04
#define I8042_STR_CMD           0x08    /* last write went to 0x64 */
#define I8042_STR_UNLOCKED      0x10    /* keyboard not inhibited */
#define I8042_STR_AUXDATA       0x20
#define I8042_STR_TIMEOUT       0x40
#define I8042_STR_PARITY        0x80

#define I8042_CTR_KBDINT        0x01
#define I8042_CTR_AUXINT        0x02
#define I8042_CTR_SYS           0x04
#define I8042_CTR_KBDDIS        0x10
#define I8042_CTR_AUXDIS        0x20
#define I8042_CTR_XLATE         0x40

#define I8042_NO_DEVICE         0xfe    /* the timeout answer */

/* Line irq (I8042_KBD_IRQ or I8042_AUX_IRQ) changed to level. */
typedef void i8042_irq_fn(void *ctx, unsigned irq, int level);

struct i8042_byte {
	uint8_t data;
	uint8_t status;                 /* I8042_STR_AUXDATA, _TIMEOUT */
};

struct i8042 {
	uint8_t ram[I8042_RAM_BYTES];   /* ram[0] is the command byte (CTR) */
	uint8_t output_port;
	uint8_t pending;                /* command waiting for its data byte */
	bool last_was_command;
	struct i8042_byte queue[I8042_QUEUE_BYTES];
	unsigned head, count;
	uint8_t last_data;              /* port 0x60 reads it when empty */
	int kbd_level, aux_level;
	i8042_irq_fn *irq;
	void *irq_ctx;
	dev_reset_fn *reset;
	void *reset_ctx;
	uint64_t commands, unknown_commands, device_writes, resets, dropped;
};

/* The state a BIOS leaves: command byte 0x65 (translation, system flag,
 * keyboard interrupt on, aux interface disabled), output port 0xcf (reset
 * high, A20 on), nothing queued. */
void i8042_init(struct i8042 *k, i8042_irq_fn *irq, void *irq_ctx,
		dev_reset_fn *reset, void *reset_ctx);
uint8_t i8042_read_status(const struct i8042 *k);
uint8_t i8042_read_data(struct i8042 *k);
void i8042_write_command(struct i8042 *k, uint8_t cmd);
void i8042_write_data(struct i8042 *k, uint8_t value);

/* One port each, at 0x60 and 0x64 (0x61 in between is the PIT's port B). */
extern const struct bus_device_ops i8042_data_ops;      /* opaque: i8042 */
extern const struct bus_device_ops i8042_cmd_ops;       /* opaque: i8042 */

/* ---- dev_pci_cfg.c: PCI configuration mechanism 1, no devices -----------
 *
 * Ports 0xcf8-0xcff (PCI Local Bus Specification 3.0, 3.2.2.3.2): a
 * doubleword access at 0xcf8 reads and writes CONFIG_ADDRESS (bit 31
 * enable, bus 23-16, device 15-11, function 10-8, register 7-2; bits
 * 30-24 and 1-0 read 0), and 0xcfc-0xcff is CONFIG_DATA, 1, 2 or 4 bytes
 * at any offset. There are no devices: every configuration read returns
 * all ones (vendor ID 0xffff) and writes are dropped, counted; with bit 31
 * clear the data port is an empty ISA address (all ones, as well). Byte
 * and word accesses to 0xcf8-0xcfb are not CONFIG_ADDRESS (they pass to
 * ISA on Intel chipsets: ones, writes dropped), except 0xcf9, the reset
 * control register (Intel ICH/PCH datasheets, "Reset Control Register"):
 * bits 1 (SYS_RST) and 3 (FULL_RST) are stored, and bit 2 (RST_CPU)
 * going from 0 to 1 resets the machine through the callback, as Linux's
 * BOOT_CF9 reboot writes it. Linux's pci_check_type1 sees mechanism 1
 * (0xcf8 reads back 0x80000000) but then wants a host bridge or a
 * DMI BIOS year >= 2001 (pci_sanity_check), unless booted with
 * pci=nochecks; without them it reports no PCI config access.
 */
#define PCI_CFG_PORT            0xcf8
#define PCI_CFG_NPORTS          8
#define PCI_CFG_DATA            4       /* offset of 0xcfc */
#define PCI_CFG_RESET_CONTROL   1       /* offset of 0xcf9 */
#define PCI_CFG_ENABLE          0x80000000u
#define PCI_CFG_ADDRESS_MASK    0x80fffffcu
#define PCI_RCR_SYS_RST         0x02
#define PCI_RCR_RST_CPU         0x04
#define PCI_RCR_FULL_RST        0x08

struct pci_cfg {
	uint32_t address;               /* CONFIG_ADDRESS */
	uint8_t reset_control;          /* 0xcf9 */
	dev_reset_fn *reset;
	void *reset_ctx;
	uint64_t config_reads, config_writes;   /* with bit 31 set */
	uint64_t disabled_accesses, resets;
};

void pci_cfg_init(struct pci_cfg *p, dev_reset_fn *reset, void *reset_ctx);
/* offset 0-7 from 0xcf8, size 1, 2 or 4; the value in the low size bytes. */
uint32_t pci_cfg_read(struct pci_cfg *p, unsigned offset, unsigned size);
void pci_cfg_write(struct pci_cfg *p, unsigned offset, unsigned size, uint32_t value);

extern const struct bus_device_ops pci_cfg_bus_ops;     /* opaque: pci_cfg */

/* ---- dev_acpi_pm.c: ACPI fixed-feature hardware (PM1a, PM timer) --------
 *
 * The registers the FADT that acpi_tables_write (loader.h) writes points
 * at, in ACPI 1.0b's fixed hardware programming model (ACPI spec 4.7,
 * "Fixed hardware programming model"; 4.7.3 for the PM1 registers):
 *
 *   0x600  PM1a_STS (16 bits)  TMR_STS bit 0, PWRBTN_STS bit 8, WAK_STS
 *                              bit 15; writing 1 clears a bit, 0 leaves it
 *   0x602  PM1a_EN  (16 bits)  TMR_EN bit 0, GBL_EN 5, PWRBTN_EN 8,
 *                              SLPBTN_EN 9, RTC_EN 10 read back (ACPICA
 *                              checks that an enable sticks, and probes
 *                              the global lock through GBL_EN); the
 *                              reserved bits read 0
 *   0x604  PM1a_CNT (16 bits)  SCI_EN bit 0 always 1 (no SMI_CMD: the
 *                              machine is always in ACPI mode), BM_RLD bit
 *                              1 stored, GBL_RLS bit 2 write-only (no
 *                              firmware to signal: ignored), SLP_TYP bits
 *                              10-12 stored, SLP_EN bit 13 write-only
 *   0x608  PM_TMR   (32 bits)  the 3.579545 MHz power-management timer,
 *                              32 bits wide (FADT TMR_VAL_EXT), read-only
 *
 * Every register decodes byte, word and doubleword accesses at any offset
 * of the block, as the chipset's IO decoder does: an access covers the
 * bytes it names (a word write at 0x605 writes PM1a_CNT's high byte and
 * nothing at 0x606); 0x606-0x607 hold nothing (read ones, writes dropped).
 *
 * Sleep: writing SLP_EN with SLP_TYP = ACPI_SLP_TYP_S5 (the value the
 * DSDT's \_S5 package gives) calls the power-off callback, once per such
 * write; any other SLP_TYP is a sleep state this machine does not have
 * (the DSDT declares none): it is counted, and the machine "wakes" at once
 * by setting WAK_STS, so an OS that waits for WAK_STS after SLP_EN (ACPI
 * 7.3.2; Linux's acpi_hw_legacy_sleep) goes on instead of spinning.
 *
 * The timer counts from 0 at virtual time 0 (the VM's clock, in ns, as the
 * RTC and PIT read it): ticks = now_ns * 3579545 / 10^9, exactly, its low
 * 32 bits read. TMR_STS is set whenever bit 31 of the counter changes
 * (4.7.3.3, every 2^31 ticks, about 600 s). The SCI (IRQ 9, level,
 * active high as the MADT's override says) is high while a status bit is
 * set together with its enable: (PM1_STS & PM1_EN) != 0 for TMR and
 * PWRBTN. acpi_pm_next_event tells the VMM when the timer's carry next
 * raises it (only while TMR_EN is set). The VMM calls acpi_pm_advance
 * before guest accesses and when the event is due, as for the RTC.
 *
 * Not modelled: PM1b, PM2, GPE blocks (the FADT has none), the events
 * behind BM_STS, GBL_STS (no firmware shares the global lock), RTC_STS
 * (FADT FIX_RTC) and SLPBTN_STS (FADT SLP_BUTTON): those status bits read
 * 0 and their enables only read back; sleep states other than S5.
 */
#define ACPI_PM_BASE            0x600
#define ACPI_PM_NPORTS          12
#define ACPI_PM1_EVT_PORT       0x600           /* PM1a_EVT_BLK */
#define ACPI_PM1_EVT_LEN        4
#define ACPI_PM1_CNT_PORT       0x604           /* PM1a_CNT_BLK */
#define ACPI_PM1_CNT_LEN        2
#define ACPI_PM_TMR_PORT        0x608           /* PM_TMR_BLK */
#define ACPI_PM_TMR_LEN         4
#define ACPI_SCI_IRQ            9
#define ACPI_PM_TIMER_HZ        3579545u
#define ACPI_PM_NEVER           UINT64_MAX

/* Offsets in the block. */
#define ACPI_PM1_STS            0
#define ACPI_PM1_EN             2
#define ACPI_PM1_CNT            4
#define ACPI_PM_TMR             8

#define ACPI_PM1_TMR_STS        0x0001u
#define ACPI_PM1_PWRBTN_STS     0x0100u
#define ACPI_PM1_WAK_STS        0x8000u
#define ACPI_PM1_STS_BITS       (ACPI_PM1_TMR_STS | ACPI_PM1_PWRBTN_STS | ACPI_PM1_WAK_STS)
#define ACPI_PM1_TMR_EN         0x0001u
#define ACPI_PM1_GBL_EN         0x0020u
#define ACPI_PM1_PWRBTN_EN      0x0100u
#define ACPI_PM1_SLPBTN_EN      0x0200u
#define ACPI_PM1_RTC_EN         0x0400u
#define ACPI_PM1_EN_BITS        (ACPI_PM1_TMR_EN | ACPI_PM1_GBL_EN | ACPI_PM1_PWRBTN_EN | \
				 ACPI_PM1_SLPBTN_EN | ACPI_PM1_RTC_EN)
#define ACPI_PM1_SCI_EN         0x0001u
#define ACPI_PM1_BM_RLD         0x0002u
#define ACPI_PM1_GBL_RLS        0x0004u
#define ACPI_PM1_SLP_TYP_SHIFT  10
#define ACPI_PM1_SLP_TYP        0x1c00u
#define ACPI_PM1_SLP_EN         0x2000u
#define ACPI_SLP_TYP_S5         5

typedef void acpi_pm_irq_fn(void *ctx, int level);     /* the SCI line */
typedef void acpi_pm_power_off_fn(void *ctx);

struct acpi_pm {
	uint16_t sts, en, cnt;          /* cnt: BM_RLD and SLP_TYP as stored */
	uint64_t now_ns;                /* the virtual clock, last advance */
	acpi_pm_irq_fn *irq;
	void *irq_ctx;
	acpi_pm_power_off_fn *power_off;
	void *power_off_ctx;
	int irq_level;
	uint64_t reads, writes;         /* guest accesses */
	uint64_t timer_reads;           /* accesses that read PM_TMR */
	uint64_t power_offs, ignored_sleeps, timer_carries, irq_raises;
};

/* Power-on at virtual time 0: status, enables and SLP_TYP 0 (SCI_EN reads
 * 1), the SCI low, the timer at 0. Either callback may be NULL. */
void acpi_pm_init(struct acpi_pm *pm, acpi_pm_irq_fn *irq, void *irq_ctx,
		  acpi_pm_power_off_fn *power_off, void *power_off_ctx);
/* Moves the clock to now_ns (never backward); sets TMR_STS if bit 31 of
 * the timer changed on the way. */
void acpi_pm_advance(struct acpi_pm *pm, uint64_t now_ns);
/* Virtual time of the timer's next bit-31 change while TMR_EN is set,
 * else ACPI_PM_NEVER. */
uint64_t acpi_pm_next_event(const struct acpi_pm *pm);
/* The timer as PM_TMR reads now (all 32 bits). */
uint32_t acpi_pm_timer(const struct acpi_pm *pm);
int acpi_pm_irq_level(const struct acpi_pm *pm);
/* A press of the fixed-feature power button: sets PWRBTN_STS (an SCI if
 * PWRBTN_EN). The FADT announces no fixed power button (PWR_BUTTON = 1),
 * so Linux does not enable it; kept for a VMM that wants one. */
void acpi_pm_press_power_button(struct acpi_pm *pm);
/* offset 0-11 in the block, size 1, 2 or 4; the value in the low size
 * bytes. Bytes beyond the block read ones and are not written. */
uint32_t acpi_pm_read(struct acpi_pm *pm, unsigned offset, unsigned size);
void acpi_pm_write(struct acpi_pm *pm, unsigned offset, unsigned size, uint32_t value);

extern const struct bus_device_ops acpi_pm_bus_ops;     /* opaque: acpi_pm */

/* ---- dev_mmiotest.c: the MMIO test device -------------------------------
 *
 * A 4 KiB register file at guest-physical MMIOTEST_GPA that the test
 * guests (docs/test-guests.md, mmio) and the VMM's trace use:
 *
 *   0x000-0x7ff  DATA    2 KiB of storage: any access of 1-8 bytes reads
 *                        back what was written (little-endian), 0 at reset
 *   0x800        ID      reads 0x545345544f494d4d ("MMIOTEST"); writes ignored
 *   0x808        READS   reads of DATA and SEQ so far
 *   0x810        WRITES  writes to DATA so far
 *   0x818        SEQ     reads 0, 1, 2, ... (one step per read)
 *   0x820        RESET   a write clears DATA, READS, WRITES, SEQ and MARK
 *   0x828        MARK    a value the guest writes to label what follows
 *                        (the VMM's `trace` shows it); reads it back
 *
 * Registers 0x800-0x82f take accesses at their first byte only (any size,
 * the value cut to it); anything else in the page reads 0 and ignores
 * writes. An access crossing the end of DATA is cut at its end.
 */
#define MMIOTEST_GPA            0xd0000000ULL
#define MMIOTEST_BYTES          0x1000
#define MMIOTEST_DATA_BYTES     0x800
#define MMIOTEST_ID             0x800
#define MMIOTEST_READS          0x808
#define MMIOTEST_WRITES         0x810
#define MMIOTEST_SEQ            0x818
#define MMIOTEST_RESET          0x820
#define MMIOTEST_MARK           0x828
#define MMIOTEST_ID_VALUE       0x545345544f494d4dULL

struct mmiotest {
	uint8_t data[MMIOTEST_DATA_BYTES];
	uint64_t reads, writes, seq, mark;
};

void mmiotest_init(struct mmiotest *m);
extern const struct bus_device_ops mmiotest_bus_ops;    /* opaque: mmiotest */

/* ---- dev_testdev.c: QEMU's pc-testdev ----------------------------------
 *
 * What kvm-unit-tests' x86 tests expect of `-device pc-testdev`:
 *
 *   ports 0xe0-0xe3   DATA   a 32-bit value; an access of 1, 2 or 4 bytes
 *                            at port 0xe0 + n reads or writes its bytes from
 *                            byte n up (bytes past 3 are dropped); 0 at reset
 *   ports 0xe4-0xe7   FLUSH  writes are counted and otherwise ignored (QEMU
 *                            drops a page from its own TLB); reads 0
 *   ports 0x2000-0x2017 IRQ  a write of v (any size) to port 0x2000 + n
 *                            drives interrupt line n (the VMM's ISA IRQ n,
 *                            IO-APIC pins 16-23 above 15) to v != 0; reads 0
 *   0xff000000-0xff00ffff    IOMEM 64 KiB that read back what was written
 *                            (any size 1-8, cut at the end), 0 at reset
 */
#define TESTDEV_PORT            0xe0
#define TESTDEV_NPORTS          8
#define TESTDEV_DATA_NPORTS     4
#define TESTDEV_IRQ_PORT        0x2000
#define TESTDEV_IRQ_NPORTS      24
#define TESTDEV_IOMEM_GPA       0xff000000ULL
#define TESTDEV_IOMEM_BYTES     0x10000

typedef void testdev_irq_fn(void *ctx, unsigned line, int level);

struct testdev {
	testdev_irq_fn *irq;
	void *irq_ctx;
	uint32_t data;
	uint64_t flushes;
	uint8_t iomem[TESTDEV_IOMEM_BYTES];
};

void testdev_init(struct testdev *t, testdev_irq_fn *irq, void *irq_ctx);
extern const struct bus_device_ops testdev_port_ops;    /* opaque: testdev */
extern const struct bus_device_ops testdev_irq_ops;     /* opaque: testdev */
extern const struct bus_device_ops testdev_iomem_ops;   /* opaque: testdev */

#endif
