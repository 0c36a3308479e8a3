/*
 * The runtime of the C test guests (prot32, long64, mbhello): port IO,
 * CPUID, control registers, a polled 16550 console with a small printf,
 * and the PASS/FAIL tally that ends a run through the exit port.
 *
 * Freestanding, built twice (-m32 and -m64). The guests run with interrupts
 * off and no IDT: an exception means a triple fault (KVM_EXIT_SHUTDOWN).
 * The devices, the line format and every guest's expected output are
 * specified in docs/test-guests.md; keep the two in step.
 */
#ifndef GUESTS_TESTS_LIB_GUEST_H
#define GUESTS_TESTS_LIB_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the devices the VMM emulates for every test guest ------------------ */
#define COM1_PORT        0x3f8
#define UART_THR         (COM1_PORT + 0)  /* transmit holding (write) */
#define UART_FCR         (COM1_PORT + 2)  /* FIFO control (write) */
#define UART_LSR         (COM1_PORT + 5)  /* line status (read) */
#define UART_LSR_THRE    0x20             /* THR (FIFO mode: whole FIFO) empty */
#define UART_FCR_ENABLE_CLEAR 0x07        /* enable FIFOs, clear RX and TX */
#define UART_FIFO_BYTES  16               /* 16550A transmit FIFO depth */
#define DEBUG_EXIT_PORT  0xf4             /* isa-debug-exit: OUT v ends the run */
#define POST_PORT        0x80             /* POST codes */
#define UNCLAIMED_PORT   0xe8             /* no device: IN reads all ones */

/* PC interrupt controllers and timer (docs/test-guests.md, irq). */
#define PIC1_CMD         0x20             /* master 8259A: ICW1, OCW2, OCW3 */
#define PIC1_DATA        0x21             /* ICW2-4, IMR */
#define PIC2_CMD         0xa0             /* slave */
#define PIC2_DATA        0xa1
#define PIC_EOI          0x20             /* OCW2: non-specific EOI */
#define PIC_READ_IRR     0x0a             /* OCW3 */
#define PIC_READ_ISR     0x0b
#define PIT_CH0          0x40
#define PIT_CMD          0x43
#define PIT_HZ           1193182

/* The VMM's MMIO test device (guests/ctl/devices.h, dev_mmiotest.c). */
#define MMIOTEST_GPA     0xd0000000ul
#define MMIOTEST_DATA    0x000            /* 2 KiB of storage */
#define MMIOTEST_ID      0x800            /* "MMIOTEST" */
#define MMIOTEST_READS   0x808
#define MMIOTEST_WRITES  0x810
#define MMIOTEST_SEQ     0x818
#define MMIOTEST_RESET   0x820
#define MMIOTEST_MARK    0x828
#define MMIOTEST_ID_VALUE 0x545345544f494d4dull

/* ---- architectural bits (Intel SDM vol. 3A 2.5, vol. 1 3.4.3) ---------- */
#define X86_CR0_PE       (1ul << 0)
#define X86_CR0_PG       (1ul << 31)
#define X86_CR4_PAE      (1ul << 5)
#define X86_EFLAGS_IF    (1ul << 9)
#define X86_EFLAGS_DF    (1ul << 10)
#define X86_EFLAGS_VM    (1ul << 17)

/* Each guest defines its name: the prefix of every line it prints. */
extern const char guest_name[];

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %b0, %w1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %w0, %w1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %k0, %w1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %w1, %b0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void sti(void)
{
	__asm__ volatile("sti" ::: "memory");
}

static inline void cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}

/* STI; HLT: the STI shadow covers the HLT, so an interrupt that is
 * already pending wakes the HLT instead of slipping in before it. */
static inline void sti_hlt(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

static inline void hlt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}

static inline uint64_t rdmsr(uint32_t index)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(index));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t index, uint64_t value)
{
	__asm__ volatile("wrmsr" : : "c"(index), "a"((uint32_t)value),
			 "d"((uint32_t)(value >> 32)) : "memory");
}

static inline uint16_t read_cs(void)
{
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	return cs;
}

static inline void write_cr0(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline void write_cr4(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* r[0..3] = EAX, EBX, ECX, EDX of CPUID(leaf, subleaf). */
static inline void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(subleaf));
}

static inline unsigned long read_cr0(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline unsigned long read_cr3(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline unsigned long read_cr4(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* ---- console (console.c) ------------------------------------------------ */
/* Enable the UART FIFOs; the console works without this call too. */
void con_init(void);
/* Poll LSR until THRE (bounded: ~65 ms on hardware, then go on anyway). */
void con_wait_thre(void);
/* Polled output: each byte waits for LSR.THRE; '\n' goes out as "\r\n". */
void con_putc(char c);
void con_puts(const char *s);
void con_vprintf(const char *fmt, va_list ap);
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * REP OUTSB to the THR of *count bytes starting at *src, in chunks of at
 * most UART_FIFO_BYTES, each after LSR.THRE (FIFO empty) is seen, as a
 * 16550A driver does. backward: DF = 1 and *src is the last byte. Bytes go
 * out raw (no "\r\n" translation). On return *src and *count hold the source
 * and count registers as the last REP OUTSB left them (count 0 on success;
 * a non-zero count stops early).
 */
void con_rep_outsb(const char **src, unsigned long *count, bool backward);

/* ---- checks and tally (check.c) ----------------------------------------- */
/* "<guest>: <text>\n": an information line (values may vary by platform). */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "<guest>: PASS <text>\n" or "<guest>: FAIL <text>\n"; counts it; returns ok.
 * The text is stable: platform-dependent values go in say() lines. */
bool check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Counts a check whose PASS/FAIL line the caller printed itself. */
bool check_count(bool ok);
/* "<guest>: PASS n/n" or "<guest>: FAIL passed/n"; returns the failures. */
unsigned int finish(void);
/* OUT status to DEBUG_EXIT_PORT (capped at 255), then CLI; HLT forever. */
__attribute__((noreturn)) void guest_exit(unsigned int status);

/* ---- checks shared by prot32 and long64 (common_checks.c) --------------- */
void check_rep_outsb(bool backward);
void check_rep_insb(bool backward);
void check_in_unclaimed(void);
void check_cpuid(void);

/* ---- interrupts and exceptions (idt.c, isr.S) --------------------------- */
/* What the stubs save, lowest address first, then what the CPU pushed. */
struct isr_frame {
#ifdef __x86_64__
	unsigned long r11, r10, r9, r8, di, si, dx, cx, ax;
#else
	unsigned long di, si, bp, sp0, bx, dx, cx, ax;
#endif
	unsigned long vector, error;    /* error: 0 for vectors without one */
	unsigned long ip, cs, flags;    /* the return frame; handlers may edit ip */
};
typedef void isr_fn(struct isr_frame *f);
/* Loads an IDT whose 256 interrupt gates (current CS, DPL 0) all call
 * handler with the frame. */
void idt_install(isr_fn *handler);

/* ---- 64-bit paging (map_mmiotest.c) ------------------------------------- */
#ifdef __x86_64__
/* Loads an identity map of the first GiB and of the MMIO test device's. */
void mmiotest_map(void);
#endif

/* ---- freestanding string functions (string.c; GCC may call them) ------- */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
