/*
 * TSC frequency (arch/x86/tsc.h). The architectural answer is CPUID leaf
 * 0x15 (SDM Vol. 3B 18.7.3: TSC = crystal Hz x EBX / EAX), which emulators
 * and older CPUs leave empty; the PC answer is the 8254's counter 2, whose
 * input is 1.193182 MHz on every PC (gated through port 0x61 bit 0, its
 * output readable at port 0x61 bit 5), which is how Linux calibrates too.
 * The hypervisor runs with interrupts off and alone at boot, so a 10 ms
 * polling loop is exact enough (one PIT input cycle is 0.01% of it).
 */
#include <stdbool.h>

#include "arch/x86/tsc.h"
#include "arch/x86/cpu.h"
#include "core/log.h"

#define PIT_HZ           1193182u
#define PIT_CH2          0x42
#define PIT_CMD          0x43
#define PORT61           0x61
#define PORT61_GATE2     0x01
#define PORT61_SPEAKER   0x02
#define PORT61_OUT2      0x20
#define PIT_CH2_MODE0    0xb0    /* counter 2, LSB then MSB, mode 0, binary */
#define CALIBRATE_CYCLES 11932u  /* 10 ms */
/* a PIT that never fires (absent, or gated off by the firmware) */
#define CALIBRATE_GIVE_UP (1ULL << 36)

static uint64_t hz;

static uint64_t from_cpuid(void)
{
	struct cpuid_regs max = cpuid_count(0, 0);

	if (max.eax < 0x15)
		return 0;
	struct cpuid_regs c = cpuid_count(0x15, 0);
	if (c.eax == 0 || c.ebx == 0 || c.ecx == 0)
		return 0;
	return (uint64_t)c.ecx * c.ebx / c.eax;
}

static uint64_t from_pit(void)
{
	uint8_t p61 = inb(PORT61);
	uint64_t start, now;

	/* gate on, speaker off; mode 0 counts down and raises OUT at 0 */
	outb(PORT61, (p61 & ~PORT61_SPEAKER) | PORT61_GATE2);
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, CALIBRATE_CYCLES & 0xff);
	start = rdtsc();
	outb(PIT_CH2, CALIBRATE_CYCLES >> 8);
	do {
		now = rdtsc();
		if (now - start > CALIBRATE_GIVE_UP) {
			outb(PORT61, p61);
			return 0;
		}
	} while (!(inb(PORT61) & PORT61_OUT2));
	outb(PORT61, p61);
	return (now - start) * PIT_HZ / CALIBRATE_CYCLES;
}

void tsc_calibrate(void)
{
	const char *how = "CPUID leaf 0x15";

	hz = from_cpuid();
	if (!hz) {
		how = "the 8254 timer";
		hz = from_pit();
	}
	if (hz)
		printk("tsc: %lu.%03lu MHz (measured with %s)\n", hz / 1000000,
		       hz / 1000 % 1000, how);
	else
		printk("tsc: frequency unknown (no CPUID leaf 0x15, the 8254 does "
		       "not count): VM clocks cannot follow time\n");
}

uint64_t tsc_hz(void)
{
	return hz;
}

#define MSR_TSC_AUX 0xc0000103u

void tsc_aux_clear(void)
{
	bool rdtscp = cpuid(0x80000000).eax >= 0x80000001 &&
		      (cpuid(0x80000001).edx & (1u << 27));
	bool rdpid = cpuid(0).eax >= 7 && (cpuid_count(7, 0).ecx & (1u << 22));

	if (rdtscp || rdpid)
		wrmsr(MSR_TSC_AUX, 0);
}
