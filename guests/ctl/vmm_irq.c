/*
 * Interrupts and virtual time for a VM (vmm.h): the PIT's counter 0 drives
 * IRQ 0 of the 8259 pair, and the pair's INTR reaches the vCPU through
 * KVM_INTERRUPT with the handshake QEMU used over 2.6.21 (docs/hypercall-abi.md
 * 6.4): inject only when the previous KVM_RUN returned
 * ready_for_interrupt_injection and if_flag, acknowledging the PIC at that
 * moment (so the vector the guest gets is the one the PIC chose), and ask
 * for an interrupt-window exit while a request is left.
 *
 * Time base: the PIT counts virtual cycles. Each KVM_RUN return advances
 * the clock by VMM_CYCLES_PER_RETURN cycle, and a guest halted with IF = 1
 * jumps to the timer's next interrupt. Deterministic and independent of
 * the host's speed; a guest that spins without exits sees time stand
 * still (docs/control-partition.md, "Interrupts and time").
 * Control partition and host tests.
 */
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

#define PIT_IRQ 0

static void pit_irq(void *ctx, int level)
{
	struct vm *vm = ctx;

	pic8259_set_irq(&vm->pic, PIT_IRQ, level);
}

void vmm_irq_init(struct vm *vm)
{
	pic8259_init(&vm->pic);
	pit8254_init(&vm->pit, pit_irq, vm);
}

#define NS_PER_S 1000000000ULL

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

/* Every device clock to the VM clock's time. */
static void advance_devices(struct vm *vm)
{
	pit8254_advance(&vm->pit, pit_cycles(vm->clock.ns));
}

/* The clock time of the next device event, or VMM_CLOCK_NEVER. */
static uint64_t next_event(const struct vm *vm)
{
	uint64_t next = pit8254_next_irq(&vm->pit);

	return next == PIT_NEVER ? VMM_CLOCK_NEVER : pit_ns(next);
}

int vmm_irq_before_run(struct vm *vm, struct kvm_run *run)
{
	bool intr = pic8259_intr(&vm->pic);

	if (intr && run->ready_for_interrupt_injection && run->if_flag) {
		uint8_t vector = pic8259_ack(&vm->pic);
		int r = kvm_interrupt(vm->vcpu_fd, vector);

		if (r < 0)
			return r;
		vm->stats.irqs_injected++;
		vm->stats.last_vector = vector;
		vmm_trace_event(vm, VMM_TRACE_IRQ, "inject vector 0x%02x", vector);
		/* queued in the hypervisor now: not ready until it is taken */
		run->ready_for_interrupt_injection = 0;
		intr = pic8259_intr(&vm->pic);
	}
	run->request_interrupt_window = intr;
	return vmm_clock_arm(vm, next_event(vm));
}

void vmm_irq_after_run(struct vm *vm)
{
	vmm_clock_tick(vm);
	advance_devices(vm);
}

bool vmm_irq_wait(struct vm *vm)
{
	uint64_t next;

	if (pic8259_intr(&vm->pic))
		return true;
	next = pit8254_next_irq(&vm->pit);
	if (next == PIT_NEVER || !pic8259_would_deliver(&vm->pic, PIT_IRQ))
		return false;
	vmm_trace_event(vm, VMM_TRACE_IRQ, "halted: clock %llu -> %llu",
			(unsigned long long)vm->pit.now, (unsigned long long)next);
	vmm_clock_wait_until(vm, pit_ns(next), NULL);
	advance_devices(vm);
	return pic8259_intr(&vm->pic);
}
