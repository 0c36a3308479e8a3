/*
 * bench.bin / bench32.bin: exit round trips measured from inside a 64-bit
 * guest (entered like long64.bin) or a 32-bit one (entered like prot32.bin,
 * docs/test-guests.md). Under `qemu -icount shift=0` the
 * TSC advances once per executed instruction at every nesting level, so the
 * averages below are exact path lengths: guest + hypervisor + control
 * partition (tools/bench.py, `make bench`).
 *
 * Each figure is the average over ITERATIONS of one operation, minus the
 * cost of the empty loop, printed as "bench: <name>: <n> instructions".
 */
#include "guest.h"

#ifdef __x86_64__
const char guest_name[] = "bench";
unsigned long entry_rflags;             /* recorded by long64/entry.S */
#else
const char guest_name[] = "bench32";
unsigned long entry_eflags;             /* recorded by prot32/entry.S */
#endif

int main(void);

#define ITERATIONS 1000
/* Inside the VMM's identity map of the first GiB, outside the RAM slot:
 * accesses here are MMIO that no device claims (reads return 0). */
#define UNBACKED_GPA 0x20000000ul
#define MSR_MISC_ENABLE 0x1a0

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

enum op { OP_EMPTY, OP_OUT, OP_CPUID, OP_MMIO_READ, OP_MMIO_WRITE, OP_RDMSR };

static void do_op(enum op op)
{
	volatile uint32_t *mmio = (volatile uint32_t *)UNBACKED_GPA;
	uint32_t r[4], lo, hi;

	switch (op) {
	case OP_EMPTY:
		__asm__ volatile("" ::: "memory");
		break;
	case OP_OUT:
		outb(POST_PORT, 0x42);
		break;
	case OP_CPUID:
		cpuid(0, 0, r);
		break;
	case OP_MMIO_READ:
		(void)*mmio;
		break;
	case OP_MMIO_WRITE:
		*mmio = 0x1234;
		break;
	case OP_RDMSR:
		__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_MISC_ENABLE));
		break;
	}
}

/* The average per iteration. The total fits 32 bits (1000 iterations of
 * well under a million instructions), which spares 32-bit code a 64-bit
 * division helper. */
static unsigned long measure(enum op op)
{
	uint64_t t0 = rdtsc();

	for (int i = 0; i < ITERATIONS; i++)
		do_op(op);
	return (unsigned long)(uint32_t)(rdtsc() - t0) / ITERATIONS;
}

int main(void)
{
	static const struct {
		enum op op;
		const char *name;
	} ops[] = {
		{ OP_OUT, "out 0x80 served by the control partition" },
		{ OP_CPUID, "cpuid served by the control partition" },
		{ OP_MMIO_READ, "mmio read served by the control partition" },
		{ OP_MMIO_WRITE, "mmio write served by the control partition" },
		{ OP_RDMSR, "rdmsr handled inside the hypervisor" },
	};
	unsigned long empty = measure(OP_EMPTY);

	con_init();
	say("%d iterations each, empty loop %lu instructions per iteration",
	    ITERATIONS, empty);
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		unsigned long t = measure(ops[i].op);
		say("%s: %lu instructions", ops[i].name, t > empty ? t - empty : 0);
	}
	say("done");
	return 0;
}
