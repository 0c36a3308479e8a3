/*
 * What the VMM prints (vmm.h): register dumps in a debugger's layout, the
 * `stats` report, one-line outcomes of a run, request errors. Output goes
 * through struct vmm_host, so host tests capture it. Control partition and
 * host tests.
 */
#include <stdarg.h>
#include <stdio.h>

#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

#define CR0_PE  (1ULL << 0)
#define CR0_PG  (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_LMA (1ULL << 10)
#define RFLAGS_VM (1ULL << 17)

void vmm_printf(const struct vmm_host *host, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	host->write(buf, (size_t)n);
}

void vmm_print_request_error(const struct vmm_host *host, const char *request,
			     int err)
{
	vmm_printf(host, "error: %s: %s (-%d)\n", request, kvm_errno_name(err), err);
}

const char *vmm_exception_name(uint32_t vector)
{
	static const char *const names[] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
		"#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
		"#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	};

	return vector < sizeof(names) / sizeof(names[0]) ? names[vector] : "#?";
}

static void print_segment(const struct vmm_host *host, const char *name,
			  const struct kvm_segment *s)
{
	vmm_printf(host, "%-3s=%04x base=%016llx limit=%08x type=%x s=%u p=%u dpl=%u db=%u l=%u g=%u avl=%u%s\n",
		   name, s->selector, (unsigned long long)s->base, s->limit,
		   s->type, s->s, s->present, s->dpl, s->db, s->l, s->g, s->avl,
		   s->unusable ? " unusable" : "");
}

static const char *cpu_mode_text(const struct kvm_regs *r, const struct kvm_sregs *s)
{
	if (!(s->cr0 & CR0_PE))
		return "real mode";
	if (r->rflags & RFLAGS_VM)
		return "virtual-8086 mode";
	if (s->efer & EFER_LMA)
		return s->cs.l ? "64-bit long mode" : "compatibility mode";
	if (s->cr0 & CR0_PG)
		return s->cs.db ? "32-bit protected mode, paging" :
				  "16-bit protected mode, paging";
	return s->cs.db ? "32-bit protected mode" : "16-bit protected mode";
}

/* KVM_INTERRUPT vectors the hypervisor holds, not yet delivered. */
static void print_queued(const struct vmm_host *host, const struct kvm_sregs *s)
{
	bool any = false;

	for (unsigned v = 0; v < KVM_NR_INTERRUPTS; v++) {
		if (!(s->interrupt_bitmap[v / 64] >> (v % 64) & 1))
			continue;
		vmm_printf(host, "%s 0x%02x", any ? "" : "queued interrupts:", v);
		any = true;
	}
	if (any)
		vmm_printf(host, "\n");
}

void vmm_print_regs(const struct vmm_host *host, const struct kvm_regs *r,
		    const struct kvm_sregs *s)
{
	static const struct { unsigned bit; const char *name; } flags[] = {
		{ 0, "CF" }, { 2, "PF" }, { 4, "AF" }, { 6, "ZF" }, { 7, "SF" },
		{ 8, "TF" }, { 9, "IF" }, { 10, "DF" }, { 11, "OF" },
		{ 14, "NT" }, { 16, "RF" }, { 17, "VM" }, { 18, "AC" },
	};
	char fl[64];
	size_t n = 0;

	vmm_printf(host, "RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n",
		   (unsigned long long)r->rax, (unsigned long long)r->rbx,
		   (unsigned long long)r->rcx, (unsigned long long)r->rdx);
	vmm_printf(host, "RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n",
		   (unsigned long long)r->rsi, (unsigned long long)r->rdi,
		   (unsigned long long)r->rbp, (unsigned long long)r->rsp);
	vmm_printf(host, "R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n",
		   (unsigned long long)r->r8, (unsigned long long)r->r9,
		   (unsigned long long)r->r10, (unsigned long long)r->r11);
	vmm_printf(host, "R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n",
		   (unsigned long long)r->r12, (unsigned long long)r->r13,
		   (unsigned long long)r->r14, (unsigned long long)r->r15);
	fl[0] = '\0';
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (r->rflags & (1ULL << flags[i].bit))
			n += (size_t)snprintf(fl + n, sizeof(fl) - n, "%s%s",
					      n ? " " : "", flags[i].name);
	vmm_printf(host, "RIP=%016llx RFL=%016llx [%s] IOPL=%u\n",
		   (unsigned long long)r->rip, (unsigned long long)r->rflags, fl,
		   (unsigned)((r->rflags >> 12) & 3));
	print_segment(host, "CS", &s->cs);
	print_segment(host, "DS", &s->ds);
	print_segment(host, "ES", &s->es);
	print_segment(host, "FS", &s->fs);
	print_segment(host, "GS", &s->gs);
	print_segment(host, "SS", &s->ss);
	print_segment(host, "TR", &s->tr);
	print_segment(host, "LDT", &s->ldt);
	vmm_printf(host, "GDT base=%016llx limit=%04x  IDT base=%016llx limit=%04x\n",
		   (unsigned long long)s->gdt.base, s->gdt.limit,
		   (unsigned long long)s->idt.base, s->idt.limit);
	vmm_printf(host, "CR0=%016llx CR2=%016llx CR3=%016llx CR4=%016llx\n",
		   (unsigned long long)s->cr0, (unsigned long long)s->cr2,
		   (unsigned long long)s->cr3, (unsigned long long)s->cr4);
	vmm_printf(host, "CR8=%016llx EFER=%016llx APIC_BASE=%016llx\n",
		   (unsigned long long)s->cr8, (unsigned long long)s->efer,
		   (unsigned long long)s->apic_base);
	vmm_printf(host, "mode: %s\n", cpu_mode_text(r, s));
	print_queued(host, s);
}

size_t vmm_describe_events(const struct kvm_vcpu_events *e, char *line, size_t cap)
{
	size_t n = 0;

	/* MORE continues the last part, PART starts one (", " after the first) */
#define MORE(...) n += (size_t)snprintf(line + n, n < cap ? cap - n : 0, __VA_ARGS__)
#define PART(...) do { if (n) MORE(", "); MORE(__VA_ARGS__); } while (0)
	if (cap)
		line[0] = '\0';
	if (e->exception.injected || e->exception.pending) {
		PART("delivering exception %u", e->exception.nr);
		if (e->exception.has_error_code)
			MORE(" (error 0x%x)", e->exception.error_code);
	}
	if (e->interrupt.injected)
		PART("delivering %sinterrupt 0x%02x", e->interrupt.soft ? "software " : "",
		     e->interrupt.nr);
	if (e->nmi.injected)
		PART("delivering an NMI");
	if (e->nmi.pending)
		PART("NMI latched");
	if (e->nmi.masked)
		PART("NMIs blocked (handler before its IRET)");
	if (e->interrupt.shadow)
		PART("%s shadow", e->interrupt.shadow == KVM_X86_SHADOW_INT_STI ? "STI" :
		     e->interrupt.shadow == KVM_X86_SHADOW_INT_MOV_SS ? "MOV SS" : "STI/MOV SS");
#undef PART
#undef MORE
	return n < cap ? n : (cap ? cap - 1 : 0);
}

int vmm_dump_vcpu(struct vm *vm)
{
	struct kvm_vcpu_events events;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int r;

	r = kvm_get_regs(vm->vcpu_fd, &regs);
	if (r < 0) {
		vmm_print_request_error(vm->host, "KVM_GET_REGS", -r);
		return r;
	}
	r = kvm_get_sregs(vm->vcpu_fd, &sregs);
	if (r < 0) {
		vmm_print_request_error(vm->host, "KVM_GET_SREGS", -r);
		return r;
	}
	vmm_print_regs(vm->host, &regs, &sregs);
	r = kvm_get_vcpu_events(vm->vcpu_fd, &events);
	if (r < 0) {
		vmm_print_request_error(vm->host, "KVM_GET_VCPU_EVENTS", -r);
		return r;
	}
	char line[160];
	if (vmm_describe_events(&events, line, sizeof(line)))
		vmm_printf(vm->host, "events: %s\n", line);
	return 0;
}

void vmm_describe_outcome(const struct vm *vm, char *buf, size_t cap)
{
	const struct vmm_result *l = &vm->last;

	switch (l->outcome) {
	case VMM_NOT_RUN:
		snprintf(buf, cap, "not run yet");
		break;
	case VMM_EXITED:
		snprintf(buf, cap, "guest exited with status %u", l->status);
		break;
	case VMM_POWERED_OFF:
		snprintf(buf, cap, "guest powered the machine off (ACPI S5)");
		break;
	case VMM_RESET:
		snprintf(buf, cap, "guest reset the machine through %s", l->reset_by);
		break;
	case VMM_HALTED:
		snprintf(buf, cap, "guest halted at RIP=0x%llx",
			 (unsigned long long)l->rip);
		break;
	case VMM_INTERRUPTED:
		snprintf(buf, cap, "guest interrupted at RIP=0x%llx",
			 (unsigned long long)l->rip);
		break;
	case VMM_DEBUG:
		snprintf(buf, cap, "%s RIP=0x%llx",
			 l->debug == VMM_STOP_BREAKPOINT ? "breakpoint at" :
			 l->debug == VMM_STOP_STEP ? "step:" : "debug exit at",
			 (unsigned long long)l->rip);
		break;
	case VMM_FATAL:
		snprintf(buf, cap, "fatal: %s", l->what);
		break;
	case VMM_REQUEST_FAILED:
		snprintf(buf, cap, "error: %s: %s (-%d)", l->request,
			 kvm_errno_name(l->err), l->err);
		break;
	}
}

void vmm_print_stats(struct vm *vm)
{
	const struct vmm_host *h = vm->host;
	const struct vmm_stats *s = &vm->stats;
	char last[192];
	uint64_t total = s->exits_other + s->fail_entry;

	for (unsigned i = 0; i < VMM_EXIT_REASONS; i++)
		total += s->exits[i];
	vmm_printf(h, "vm %d: %llu MiB, handles vm %d vcpu %d\n", vm->index,
		   (unsigned long long)(vm->ram_bytes >> 20), vm->vm_fd, vm->vcpu_fd);
	vmm_printf(h, "runs: %llu, KVM_RUN requests: %llu, exits: %llu\n",
		   (unsigned long long)s->runs, (unsigned long long)s->kvm_runs,
		   (unsigned long long)total);
	for (unsigned i = 0; i < VMM_EXIT_REASONS; i++)
		vmm_printf(h, "  %-26s %llu\n", kvm_exit_reason_name(i),
			   (unsigned long long)s->exits[i]);
	vmm_printf(h, "  %-26s %llu\n", "other exit reasons",
		   (unsigned long long)s->exits_other);
	vmm_printf(h, "  %-26s %llu\n", "KVM_EXIT_TYPE_FAIL_ENTRY",
		   (unsigned long long)s->fail_entry);
	vmm_printf(h, "  %-26s %llu\n", "EINTR", (unsigned long long)s->eintr);
	vmm_printf(h, "string IO elements: %llu\n",
		   (unsigned long long)s->string_io_elements);
	vmm_printf(h, "unclaimed IO: %llu reads, %llu writes",
		   (unsigned long long)vm->io.unclaimed_reads,
		   (unsigned long long)vm->io.unclaimed_writes);
	if (vm->io.unclaimed_reads || vm->io.unclaimed_writes)
		vmm_printf(h, " (last port 0x%llx)",
			   (unsigned long long)vm->io.last_unclaimed);
	vmm_printf(h, "\nunclaimed MMIO: %llu reads, %llu writes",
		   (unsigned long long)vm->mmio.unclaimed_reads,
		   (unsigned long long)vm->mmio.unclaimed_writes);
	if (vm->mmio.unclaimed_reads || vm->mmio.unclaimed_writes)
		vmm_printf(h, " (last address 0x%llx)",
			   (unsigned long long)vm->mmio.last_unclaimed);
	vmm_printf(h, "\n");
	if (vm->port80.writes)
		vmm_printf(h, "port 0x80: last 0x%x, %llu writes\n", vm->port80.last,
			   (unsigned long long)vm->port80.writes);
	else
		vmm_printf(h, "port 0x80: no writes\n");
	vmm_printf(h, "uart: %llu bytes out\n", (unsigned long long)vm->uart.tx_bytes);
	vmm_printf(h, "console: %llu keys in, %u queued, %llu dropped (queue full)\n",
		   (unsigned long long)vm->console.keys_in, vm->console.count,
		   (unsigned long long)vm->console.keys_dropped);
	vmm_printf(h, "interrupts: %llu injected", (unsigned long long)s->irqs_injected);
	if (s->irqs_injected)
		vmm_printf(h, " (last vector 0x%02x)", s->last_vector);
	vmm_printf(h, "; PIC INTA %llu (spurious %llu)\n",
		   (unsigned long long)vm->pic.acks, (unsigned long long)vm->pic.spurious);
	vmm_printf(h, "nmis: %llu passed down (KVM_NMI)\n",
		   (unsigned long long)s->nmis_injected);
	for (unsigned i = 0; i < 2; i++) {
		const struct pic8259_chip *c = &vm->pic.chip[i];

		vmm_printf(h, "pic %s: base 0x%02x irr 0x%02x isr 0x%02x imr 0x%02x%s\n",
			   i ? "slave " : "master", c->irq_base, c->irr, c->isr, c->imr,
			   c->auto_eoi ? " aeoi" : "");
	}
	vmm_printf(h, "pit: clock %llu cycles; counter 0 mode %u count %u%s, IRQ 0 edges %llu\n",
		   (unsigned long long)vm->pit.now, vm->pit.ch[0].mode,
		   pit8254_count(&vm->pit, 0), vm->pit.ch[0].armed ? "" : " (idle)",
		   (unsigned long long)vm->pit.irq_edges);
	vmm_printf(h, "mmio test device: %llu reads, %llu writes, mark 0x%llx\n",
		   (unsigned long long)vm->mmiotest.reads,
		   (unsigned long long)vm->mmiotest.writes,
		   (unsigned long long)vm->mmiotest.mark);
	vmm_describe_outcome(vm, last, sizeof(last));
	vmm_printf(h, "last run: %s\n", last);
}
