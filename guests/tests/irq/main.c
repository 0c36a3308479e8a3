/*
 * irq.bin: interrupts through the VMM's 8259 PICs and 8254 PIT, injected
 * with KVM_INTERRUPT (docs/test-guests.md, "irq.bin"). A 32-bit
 * protected-mode guest, entered like prot32.bin, with an IDT of its own.
 *
 * It programs the PICs (vectors 0x20-0x2f) and the PIT's counter 0 in rate
 * generator mode, then waits with STI; HLT for ten timer interrupts, checks
 * their vector, the in-service bit and the EOI; it checks that a masked
 * IRQ stays in IRR and arrives as soon as it is unmasked, that nothing
 * arrives while IF = 0 and that the request arrives right after STI, and
 * that an interrupt pending at STI; HLT is taken at the HLT. Last it
 * halts with IF = 1 and nothing programmed, so the run ends; the system
 * test then queues vectors 0x41 and 0x40 with `irq` and runs it again:
 * they must arrive lowest first. Every timer interrupt stops the PIT when
 * the guest has seen as many as it wanted, so the VMM's count of injected
 * interrupts is exact (13).
 */
#include "guest.h"

const char guest_name[] = "irq";
unsigned long entry_eflags;             /* recorded by prot32/entry.S */

int main(void);

#define TIMER_VECTOR    0x20
#define SLAVE_BASE      0x28
#define VMM_VECTOR_LOW  0x40
#define VMM_VECTOR_HIGH 0x41
#define PIT_MODE2_WORD  0x34            /* counter 0, LSB then MSB, mode 2 */
#define PIT_MODE0_WORD  0x30            /* counter 0, LSB then MSB, mode 0 */
#define PIT_LATCH0      0x00
#define PIT_READBACK_STATUS0 0xe2       /* read-back: status of counter 0 */
#define PORT61          0x61
#define TICK_COUNT      1193            /* about 1 kHz */
#define SHORT_COUNT     100

static volatile unsigned int ticks, stop_after;
static volatile unsigned int other_vectors, vmm_vectors;
static volatile uint8_t vmm_order[8];
static volatile unsigned long unexpected_vector;
static volatile uint8_t isr_in_handler = 0xff;
static volatile bool wrong_timer_vector;

static void pit_program(unsigned int count)
{
	outb(PIT_CMD, PIT_MODE2_WORD);
	outb(PIT_CH0, (uint8_t)count);
	outb(PIT_CH0, (uint8_t)(count >> 8));
}

/* Mode 0 with no count written: counter 0 waits, its output stays low. */
static void pit_stop(void)
{
	outb(PIT_CMD, PIT_MODE0_WORD);
}

static uint8_t pic_read(uint8_t ocw3)
{
	outb(PIC1_CMD, ocw3);
	return inb(PIC1_CMD);
}

static void handler(struct isr_frame *f)
{
	if (f->vector == TIMER_VECTOR) {
		if (isr_in_handler == 0xff)
			isr_in_handler = pic_read(PIC_READ_ISR);
		if (++ticks == stop_after)
			pit_stop();
		outb(PIC1_CMD, PIC_EOI);
	} else if (f->vector == VMM_VECTOR_LOW || f->vector == VMM_VECTOR_HIGH) {
		if (vmm_vectors < sizeof(vmm_order))
			vmm_order[vmm_vectors] = (uint8_t)f->vector;
		vmm_vectors++;
	} else {
		other_vectors++;
		unexpected_vector = f->vector;
		if (f->vector < 32)     /* an exception: do not return into it */
			guest_exit(255);
	}
}

/* Waits with STI; HLT until `ticks` reaches n. The NOP after HLT keeps
 * the loop's CLI out of the HLT's STI shadow. */
static void wait_ticks(unsigned int n)
{
	for (;;) {
		cli();
		if (ticks >= n)
			break;
		__asm__ volatile("sti; hlt; nop" ::: "memory");
	}
}

/* Each IN from port 0x61 is one exit, so one cycle of the VMM's clock. */
static void spin_exits(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		(void)inb(PORT61);
}

static void check_pic_init(void)
{
	outb(PIC1_CMD, 0x11);           /* ICW1: edge, cascade, ICW4 */
	outb(PIC1_DATA, TIMER_VECTOR);  /* ICW2: vectors 0x20-0x27 */
	outb(PIC1_DATA, 0x04);          /* ICW3: slave on IR2 */
	outb(PIC1_DATA, 0x01);          /* ICW4: 8086 mode */
	outb(PIC2_CMD, 0x11);
	outb(PIC2_DATA, SLAVE_BASE);
	outb(PIC2_DATA, 0x02);
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xfe);          /* only IRQ 0 */
	outb(PIC2_DATA, 0xff);
	check(inb(PIC1_DATA) == 0xfe && inb(PIC2_DATA) == 0xff &&
	      pic_read(PIC_READ_IRR) == 0 && pic_read(PIC_READ_ISR) == 0,
	      "pic: initialised (bases 0x20, 0x28), imr reads back 0xfe / 0xff, irr = isr = 0");
}

static void check_pit_counts(void)
{
	uint16_t c1, c2;
	uint8_t status;

	pit_program(TICK_COUNT);
	outb(PIT_CMD, PIT_LATCH0);
	c1 = inb(PIT_CH0);
	c1 |= (uint16_t)(inb(PIT_CH0) << 8);
	outb(PIT_CMD, PIT_LATCH0);
	c2 = inb(PIT_CH0);
	c2 |= (uint16_t)(inb(PIT_CH0) << 8);
	outb(PIT_CMD, PIT_READBACK_STATUS0);
	status = inb(PIT_CH0);
	say("pit: counter 0 latched %u then %u, status 0x%02x", c1, c2, status);
	check(c1 <= TICK_COUNT && c2 < c1 && (status & 0x3f) == 0x34,
	      "pit: counter 0 counts down from %u in mode 2 (latch, read-back status)",
	      TICK_COUNT);
}

static void check_timer(void)
{
	stop_after = 10;
	wait_ticks(10);
	check(ticks == 10 && !other_vectors, "10 timer interrupts taken with sti; hlt, all vector 0x20");
	check(isr_in_handler == 0x01 && pic_read(PIC_READ_ISR) == 0,
	      "pic: isr bit 0 set inside the handler, clear after the eoi");
}

/* A pending interrupt at STI; HLT is taken at the HLT: the handler has run
 * before the instruction after the HLT (SDM Vol. 3A 6.8.3: STI's shadow
 * covers the HLT; the interrupt ends it). */
static void check_hlt_wakeup(void)
{
	unsigned int seen;

	stop_after = 11;
	cli();
	pit_program(SHORT_COUNT);
	spin_exits(3 * SHORT_COUNT);    /* IRQ 0 pending, IF = 0 */
	check(ticks == 10, "with IF = 0 nothing is delivered across %u exits", 3 * SHORT_COUNT);
	__asm__ volatile("sti; hlt; movl %1, %0; cli" : "=r"(seen) : "m"(ticks) : "memory");
	if (!check(seen == 11, "sti; hlt with IRQ 0 pending: the interrupt is taken at the hlt"))
		say("  the instruction after hlt saw %u interrupts (want 11): taken one instruction late",
		    seen);
	wait_ticks(11);
}

static void check_masked(void)
{
	unsigned int before;
	uint8_t irr;

	stop_after = 12;
	outb(PIC1_DATA, 0xff);          /* mask IRQ 0 */
	pit_program(SHORT_COUNT);
	sti();
	spin_exits(3 * SHORT_COUNT);
	irr = pic_read(PIC_READ_IRR);
	before = ticks;
	outb(PIC1_DATA, 0xfe);          /* unmask: delivered at the next entry */
	__asm__ volatile("" ::: "memory");
	check(before == 11 && (irr & 1) && ticks == 12,
	      "masked IRQ 0 stays in irr (0x%02x) with IF = 1 and is taken right after the unmask",
	      irr);
	cli();
}

static void check_after_sti(void)
{
	unsigned int seen;

	stop_after = 13;
	pit_program(SHORT_COUNT);
	spin_exits(3 * SHORT_COUNT);
	__asm__ volatile("sti; nop; nop; movl %1, %0; cli" : "=r"(seen) : "m"(ticks) : "memory");
	check(seen == 13, "IRQ 0 pending under IF = 0 is taken right after sti (interrupt window)");
}

/* The VMM queues 0x41 and 0x40 with KVM_INTERRUPT while we are halted. */
static void check_vmm_vectors(void)
{
	outb(PIC1_DATA, 0xff);
	say("halting with IF = 1 for vectors 0x%x and 0x%x from the VMM (irq command)",
	    VMM_VECTOR_LOW, VMM_VECTOR_HIGH);
	for (;;) {
		cli();
		if (vmm_vectors >= 2)
			break;
		__asm__ volatile("sti; hlt; nop" ::: "memory");
	}
	check(vmm_vectors == 2 && vmm_order[0] == VMM_VECTOR_LOW &&
	      vmm_order[1] == VMM_VECTOR_HIGH,
	      "vectors queued by the VMM arrive lowest first: 0x%x, 0x%x",
	      vmm_order[0], vmm_order[1]);
}

int main(void)
{
	con_init();
	say("hello from 32-bit protected mode, with an IDT");
	idt_install(handler);
	check_pic_init();
	check_pit_counts();
	check_timer();
	check_hlt_wakeup();
	check_masked();
	check_after_sti();
	check_vmm_vectors();
	check(!other_vectors, "no other vector arrived");
	if (other_vectors)
		say("  last unexpected vector 0x%lx", unexpected_vector);
	say("interrupts taken: %u from the timer, %u from the VMM", ticks, vmm_vectors);
	return (int)finish();
}
