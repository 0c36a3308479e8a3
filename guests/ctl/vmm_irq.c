/*
 * Interrupts and device time for a VM (vmm.h).
 *
 * The wiring is a PC's with an APIC (the MP specification's virtual wire
 * mode, as the MP table of load_linux.c describes it): every ISA line
 * (vmm_set_irq) goes to the 8259 pair and to the IO-APIC pin of the same
 * number, except IRQ 0 (the PIT), which is IO-APIC pin 2; the PIT drives
 * IRQ 0, the UART IRQ 4, the RTC IRQ 8, the ACPI SCI IRQ 9 (level), the
 * 8042 IRQs 1 and 12. The IO-APIC
 * sends its messages to the local APIC; the 8259's INTR reaches the CPU
 * through the local APIC's LINT0 in ExtINT mode (the state a BIOS leaves,
 * so guests that know only the 8259 work as before) or directly while the
 * APIC is globally disabled.
 *
 * Interrupts reach the vCPU through KVM_INTERRUPT with the handshake QEMU
 * used over 2.6.21 (docs/hypercall-abi.md 6.4): inject only when the
 * previous KVM_RUN returned ready_for_interrupt_injection and if_flag,
 * acknowledging the controller at that moment (so the vector the guest gets
 * is the one the controller chose: the 8259's INTA cycle, or the local
 * APIC's IRR-to-ISR move), and ask for an interrupt-window exit while a
 * request is left. The local APIC's TPR is kvm_run.cr8 (<< 4) both ways.
 *
 * Time: the VM clock (vmm_clock.c) moves on after every KVM_RUN return and
 * every device timer follows it; with a real clock the next device event
 * arms KVM_BAREKVM_ALARM, so a guest that never exits still gets its timer
 * interrupts. A halted guest waits for the next event (vmm_irq_wait).
 * Control partition and host tests.
 */
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

#define NS_PER_S        1000000000ULL
#define PIT_IRQ         0
#define PIT_IOAPIC_PIN  2
#define I8042_AUX_IRQ   12
/* Virtual clocks: events a halted guest may skip through that wake
 * nothing (a masked timer) before it counts as halted for good. */
#define WAIT_EVENTS_VIRTUAL 1000

void vmm_set_irq(struct vm *vm, unsigned irq, int level)
{
	pic8259_set_irq(&vm->pic, irq, level);
	ioapic_set_irq(&vm->ioapic, irq == PIT_IRQ ? PIT_IOAPIC_PIN : irq, level);
}

static void pit_irq(void *ctx, int level)
{
	vmm_set_irq(ctx, PIT_IRQ, level);
}

static void uart_irq(void *ctx, int level)
{
	vmm_set_irq(ctx, UART_COM1_IRQ, level);
}

static void rtc_irq(void *ctx, int level)
{
	vmm_set_irq(ctx, RTC_IRQ, level);
}

static void kbc_irq(void *ctx, unsigned irq, int level)
{
	vmm_set_irq(ctx, irq, level);
}

/* pc-testdev's line n is ISA IRQ n (0-15) or IO-APIC pin n (16-23), as
 * vmm_set_irq wires them. */
static void testdev_irq(void *ctx, unsigned line, int level)
{
	vmm_set_irq(ctx, line, level);
}

/* The 8042's reset line or port 0xcf9: the run ends, as a reboot would
 * end this machine's life; `reset N` and `load` start it again. */
static void kbc_reset(void *ctx)
{
	struct vm *vm = ctx;

	vm->stop.requested = true;
	vm->stop.reset_by = "the 8042 keyboard controller's reset line";
}

static void pci_reset(void *ctx)
{
	struct vm *vm = ctx;

	vm->stop.requested = true;
	vm->stop.reset_by = "the reset control register (port 0xcf9)";
}

static void acpi_sci(void *ctx, int level)
{
	vmm_set_irq(ctx, ACPI_SCI_IRQ, level);
}

/* SLP_EN with the \_S5 sleep type: the machine is off; the run ends. */
static void acpi_power_off(void *ctx)
{
	struct vm *vm = ctx;

	vm->stop.requested = true;
	vm->stop.power_off = true;
}

static uint64_t wall_clock(const struct vm *vm)
{
	return vm->host->wall_clock ? vm->host->wall_clock() : 0;
}

/* IA32_APIC_BASE holds the APIC page's address (SDM 11.4.4): when the
 * guest moves it, the APIC's MMIO range moves with it and answers ahead
 * of any device under it. A page in guest RAM is the exception: the
 * guest's accesses there reach RAM without an exit, as under KVM. */
static void set_apic_base(struct vm *vm, uint64_t apic_base)
{
	uint64_t was = vm->lapic.apic_base & APIC_BASE_ADDR_MASK, page;

	lapic_set_base(&vm->lapic, apic_base);
	page = vm->lapic.apic_base & APIC_BASE_ADDR_MASK;
	if (io_bus_move(&vm->mmio, &vmm_timed_lapic_ops, page) == 0 &&
	    page != was && lapic_hw_enabled(&vm->lapic) && vm_gpa_in_slot(vm, page))
		vmm_printf(vm->host, "vm %d: the local APIC moved into RAM at %#llx; "
			   "accesses there reach RAM, not the APIC\n", vm->index,
			   (unsigned long long)page);
}

void vmm_irq_init(struct vm *vm)
{
	pic8259_init(&vm->pic);
	pit8254_init(&vm->pit, pit_irq, vm);
	ioapic_init(&vm->ioapic, lapic_deliver, &vm->lapic);
	lapic_init(&vm->lapic, ioapic_eoi_hook, &vm->ioapic);
	lapic_bios_init(&vm->lapic);
	set_apic_base(vm, vm->run.apic_base ? vm->run.apic_base : CPU_RESET_APIC_BASE);
	vm->cr8_set = vm->run.cr8;
	uart16550_connect_irq(&vm->uart, uart_irq, vm);
	rtc_init(&vm->rtc, rtc_irq, vm, wall_clock(vm));
	rtc_set_memory_size(&vm->rtc, vm->ram_bytes);
	i8042_init(&vm->kbc, kbc_irq, vm, kbc_reset, vm);
	pci_cfg_init(&vm->pci, pci_reset, vm);
	acpi_pm_init(&vm->acpi, acpi_sci, vm, acpi_power_off, vm);
	testdev_init(&vm->testdev, testdev_irq, vm);
	vmm_devices_changed(vm);
}

/* ---- time ------------------------------------------------------------------ */

static uint64_t pit_cycles(uint64_t ns)
{
	return vmm_scale(ns, PIT_HZ, NS_PER_S);
}

/* The first ns at which the PIT has counted `cycles`. */
static uint64_t pit_ns(uint64_t cycles)
{
	uint64_t ns = vmm_scale(cycles, NS_PER_S, PIT_HZ);

	while (pit_cycles(ns) < cycles)
		ns++;
	return ns;
}

/* Every device timer to the VM clock's time. */
static void advance_devices(struct vm *vm)
{
	uint64_t now = vm->clock.ns;

	pit8254_advance(&vm->pit, pit_cycles(now));
	lapic_advance(&vm->lapic, now);
	rtc_advance(&vm->rtc, now);
	acpi_pm_advance(&vm->acpi, now);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The clock time of the next device event, or VMM_CLOCK_NEVER. */
static uint64_t next_event(const struct vm *vm)
{
	uint64_t pit = pit8254_next_irq(&vm->pit);
	uint64_t next = pit == PIT_NEVER ? VMM_CLOCK_NEVER : pit_ns(pit);

	next = earliest(next, lapic_next_event(&vm->lapic));
	next = earliest(next, acpi_pm_next_event(&vm->acpi));
	return earliest(next, rtc_next_event(&vm->rtc));
}

void vmm_devices_sync(struct vm *vm)
{
	advance_devices(vm);
}

void vmm_devices_changed(struct vm *vm)
{
	vm->next_device_event = next_event(vm);
}

void vmm_irq_after_run(struct vm *vm)
{
	struct kvm_run *run = &vm->run;

	/* the devices follow only when one of them has something due */
	if (vmm_clock_tick(vm) >= vm->next_device_event) {
		advance_devices(vm);
		vmm_devices_changed(vm);
	}
	if (run->apic_base != vm->lapic.apic_base)
		set_apic_base(vm, run->apic_base);
	/* a MOV to CR8 of the guest's: the TPR's priority class */
	if (run->cr8 != vm->cr8_set) {
		lapic_set_tpr(&vm->lapic, (uint8_t)((run->cr8 & 0xf) << 4));
		vm->cr8_set = run->cr8;
	}
}

/* ---- injection ------------------------------------------------------------- */

/* Where the vCPU's next interrupt comes from. */
enum irq_source { IRQ_NONE, IRQ_PIC, IRQ_LAPIC };

static enum irq_source pending_source(const struct vm *vm)
{
	if (lapic_accepts_pic(&vm->lapic) && pic8259_intr(&vm->pic))
		return IRQ_PIC;
	if (lapic_pending(&vm->lapic) >= 0)
		return IRQ_LAPIC;
	return IRQ_NONE;
}

/* The INTA cycle of the source: its vector, now in service. */
static uint8_t acknowledge(struct vm *vm, enum irq_source from)
{
	return from == IRQ_PIC ? pic8259_ack(&vm->pic) : lapic_ack(&vm->lapic);
}

int vmm_irq_before_run(struct vm *vm, struct kvm_run *run)
{
	enum irq_source from = pending_source(vm);
	int r;

	/* An NMI the local APIC accepted (ICR, IO-APIC message, LINT1 in NMI
	 * mode) goes to the hypervisor, which holds it until the guest can
	 * take it (NMI blocking is the CPU's state, not the VMM's); no IF,
	 * no window, no acknowledge cycle. */
	if (__builtin_expect(vm->lapic.nmi_pending, 0) && lapic_take_nmi(&vm->lapic)) {
		r = kvm_nmi(vm->vcpu_fd);
		if (r < 0) {
			vm->last_request = "KVM_NMI";
			return r;
		}
		vm->stats.nmis_injected++;
		vmm_trace_event(vm, VMM_TRACE_IRQ, "NMI");
	}

	if (from != IRQ_NONE && run->ready_for_interrupt_injection && run->if_flag) {
		uint8_t vector = acknowledge(vm, from);

		r = kvm_interrupt(vm->vcpu_fd, vector);
		if (r < 0) {
			vm->last_request = "KVM_INTERRUPT";
			return r;
		}
		vm->stats.irqs_injected++;
		vm->stats.last_vector = vector;
		vmm_trace_event(vm, VMM_TRACE_IRQ, "inject vector 0x%02x", vector);
		/* queued in the hypervisor now: not ready until it is taken */
		run->ready_for_interrupt_injection = 0;
		from = pending_source(vm);
	}
	run->request_interrupt_window = from != IRQ_NONE;
	/* TPR writes through the APIC page reach CR8 (2.6.21 sets CR8 from
	 * kvm_run.cr8 on every KVM_RUN) */
	run->cr8 = lapic_get_tpr(&vm->lapic) >> 4;
	vm->cr8_set = run->cr8;
	/* only a real clock needs the alarm: a virtual one stands still
	 * while the guest runs */
	if (!vm->clock.real)
		return 0;
	r = vmm_clock_arm(vm, vm->next_device_event);
	if (r < 0)
		vm->last_request = "KVM_BAREKVM_ALARM";
	return r;
}

/* ---- a halted guest -------------------------------------------------------- */

/* Console input while waiting: keys reach the UART (whose interrupt may
 * wake the guest); the escape key ends the wait. */
static bool wait_interrupted(struct vm *vm)
{
	if (vmm_console_poll(vm)) {
		vm->wait_escaped = true;
		return true;
	}
	vmm_console_feed(vm);
	return pending_source(vm) != IRQ_NONE || vm->lapic.nmi_pending;
}

enum vmm_wait vmm_irq_wait(struct vm *vm)
{
	vm->wait_escaped = false;
	for (unsigned events = 0;; events++) {
		uint64_t next;

		if (pending_source(vm) != IRQ_NONE || vm->lapic.nmi_pending)
			return VMM_WAIT_WOKEN;
		next = next_event(vm);
		if (next == VMM_CLOCK_NEVER ||
		    (!vm->clock.real && events >= WAIT_EVENTS_VIRTUAL))
			return VMM_WAIT_NEVER;
		vmm_trace_event(vm, VMM_TRACE_IRQ, "halted: clock %llu -> %llu ns",
				(unsigned long long)vm->clock.ns, (unsigned long long)next);
		vmm_clock_wait_until(vm, next, wait_interrupted);
		advance_devices(vm);
		vmm_devices_changed(vm);
		if (vm->wait_escaped)
			return VMM_WAIT_ESCAPED;
	}
}
