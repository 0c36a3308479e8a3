/*
 * Local APIC timer (Intel SDM Vol. 3 11.5.4). The hypervisor runs with
 * RFLAGS.IF = 0; physical interrupts that arrive while a guest runs make it
 * exit (SVM: INTR intercept with V_INTR_MASKING) and are taken right after,
 * through cpu_take_pending_interrupts(). The tick is not calibrated: its
 * period is LAPIC_TIMER_COUNT bus clocks x 16, tens of milliseconds on the
 * emulators we know, which is all preemption needs.
 */
#include "arch/x86/lapic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "core/log.h"

#define MSR_IA32_APIC_BASE  0x1b
#define APIC_BASE_ENABLE    (1ULL << 11)
#define APIC_BASE_ADDR_MASK 0xffffff000ULL

#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV 0x3e0
#define SVR_ENABLE      (1u << 8)
#define TIMER_DIV_16    0x3
#define LAPIC_TIMER_COUNT 0x100000

#define PDE_PWT (1ULL << 3)
#define PDE_PCD (1ULL << 4)

extern uint64_t boot_pd[];

static volatile uint32_t *lapic;
static volatile uint64_t ticks;
/* TSC cycles per timer count, 16.16 fixed point (0: not measured) */
static uint64_t tsc_per_count;
/* the deadline the running count was set for (0: the full period) */
static uint64_t armed_deadline;

static void lapic_write(uint32_t reg, uint32_t val)
{
	lapic[reg / 4] = val;
}

static uint32_t lapic_read(uint32_t reg)
{
	return lapic[reg / 4];
}

/* The timer's rate against the TSC, from 1/16 of a period: the alarm
 * (lapic_alarm_arm) turns TSC distances into counts with it. */
static void measure_timer(void)
{
	uint32_t c0, c1;
	uint64_t t0, t1;

	lapic_write(LAPIC_TIMER_INIT, LAPIC_TIMER_COUNT);
	c0 = lapic_read(LAPIC_TIMER_CUR);
	t0 = rdtsc();
	do {
		c1 = lapic_read(LAPIC_TIMER_CUR);
		t1 = rdtsc();
	} while (c1 <= c0 && c0 - c1 < LAPIC_TIMER_COUNT / 16);
	if (c1 < c0)
		tsc_per_count = ((t1 - t0) << 16) / (c0 - c1);
	printk("lapic: preemption tick every %u timer counts, %lu.%02lu TSC cycles per count\n",
	       LAPIC_TIMER_COUNT, tsc_per_count >> 16, ((tsc_per_count & 0xffff) * 100) >> 16);
}

/* One-shot, re-armed here for a full period: a period shortened for an
 * alarm then lasts one tick, never a storm of them. */
static void lapic_timer_irq(struct trap_frame *tf)
{
	(void)tf;
	ticks++;
	armed_deadline = 0;
	lapic_write(LAPIC_TIMER_INIT, LAPIC_TIMER_COUNT);
	lapic_write(LAPIC_EOI, 0);
}

static void spurious_irq(struct trap_frame *tf)
{
	(void)tf;               /* no EOI for the spurious vector (SDM 11.9) */
}

/* The boot identity map is write-back; the APIC's registers must be
 * uncached, so mark its 2 MiB page PCD|PWT and flush that translation. */
static void map_uncached(uint64_t pa)
{
	uint64_t *pde = &boot_pd[pa >> 21];

	*pde |= PDE_PCD | PDE_PWT;
	__asm__ volatile("invlpg (%0)" ::"r"(pa) : "memory");
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	uint64_t pa = base & APIC_BASE_ADDR_MASK;

	if (pa >= (4ULL << 30)) {
		printk("lapic: APIC at %#lx is outside the identity map; no "
		       "preemption tick\n", pa);
		return;
	}
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
	map_uncached(pa);
	lapic = (volatile uint32_t *)pa;
	trap_set_handler(LAPIC_TIMER_VECTOR, lapic_timer_irq);
	trap_set_handler(LAPIC_SPURIOUS_VECTOR, spurious_irq);
	lapic_write(LAPIC_SVR, SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_VECTOR);     /* one-shot */
	lapic_write(LAPIC_TIMER_INIT, LAPIC_TIMER_COUNT);
	measure_timer();
}

/*
 * The next tick comes no later than TSC `deadline`, and no sooner than a
 * minimum slice from now (MIN_SLICE_PER_S: 50 us): a deadline already
 * passed must still let the guest run a little, or a VMM whose timer is
 * faster than its round trip would never let it run at all. Called on
 * every guest entry while an alarm is set, so it writes the APIC only
 * when the deadline moved or a tick came since (the tick re-arms the full
 * period itself); a shortened count left running when the alarm goes
 * away costs one early tick, nothing more. Without a measured rate (no
 * APIC), the regular tick is all there is.
 */
#define MIN_SLICE_PER_S 20000

void lapic_alarm_arm(uint64_t deadline)
{
	uint64_t now, min, distance = 0, count;

	if (!lapic || !tsc_per_count || deadline == armed_deadline)
		return;
	now = rdtsc();
	min = tsc_hz() / MIN_SLICE_PER_S;
	if (deadline > now)
		distance = deadline - now;
	if (distance < min)
		distance = min;
	/* beyond 2^47 cycles the shift would overflow: a full period */
	count = distance >> 47 ? LAPIC_TIMER_COUNT :
		((distance << 16) + tsc_per_count - 1) / tsc_per_count;
	if (count > LAPIC_TIMER_COUNT)
		count = LAPIC_TIMER_COUNT;
	if (count == 0)
		count = 1;
	armed_deadline = deadline;
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)count);
}

uint64_t lapic_ticks(void)
{
	return ticks;
}

bool lapic_timer_running(void)
{
	return lapic && tsc_per_count;
}

void cpu_wait_for_interrupt(void)
{
	/* STI's shadow covers the HLT: an interrupt that is already pending
	 * wakes it rather than slipping in before it and being waited for */
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

void cpu_take_pending_interrupts(void)
{
	/* STI's one-instruction shadow: the NOP is where they arrive */
	__asm__ volatile("sti; nop; cli" ::: "memory");
}
