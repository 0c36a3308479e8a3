/*
 * Host unit tests for the VMM above the fake hypervisor (tests/fake_kvm.c):
 * VM creation and destruction (vm.c), the run loop and its exit handlers
 * (vmm_run.c): IO in and out, string IO both ways with REP, DF and address
 * sizes, CPUID, HLT, MMIO reads and writes, -EINTR and the escape key, fatal exits,
 * request failures, resumption after the exit port; interrupt injection
 * with the 2.6.21 handshake and HLT waiting for the timer (vmm_irq.c),
 * KVM_EXIT_DEBUG and stepping, the trace (vmm_trace.c); the reports
 * (vmm_report.c). `make test-ctl`.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "guests/ctl/kvm_client.h"
#include "guests/ctl/tests/fake_kvm.h"
#include "guests/ctl/vmm.h"

#define MiB (1024ULL * 1024)

static char out[16384];
static size_t out_len;
static bool want_interrupt;

static void host_write(const char *buf, size_t len)
{
	assert_true(out_len + len < sizeof(out));
	memcpy(out + out_len, buf, len);
	out_len += len;
	out[out_len] = '\0';
}

static void host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t o[4])
{
	o[0] = leaf + 1;
	o[1] = subleaf + 2;
	o[2] = 0x33333333;
	o[3] = 0x44444644;      /* bit 9: leaf 1's APIC flag */
}

/* The escape key, once, when a test asks for it. */
static int host_poll_key(void)
{
	if (!want_interrupt)
		return -1;
	want_interrupt = false;
	return VMM_CONSOLE_ESCAPE;
}

static const struct vmm_host host = {
	.write = host_write,
	.cpuid = host_cpuid,
	.poll_key = host_poll_key,
};

static struct vm *vm;

static int setup(void **state)
{
	(void)state;
	fake_kvm_reset();
	out[0] = '\0';
	out_len = 0;
	want_interrupt = false;
	vm = vm_create(&host, 4 * MiB);
	assert_non_null(vm);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (vm)
		vm_destroy(vm);
	vm = NULL;
	return 0;
}

/* ---- exits ---------------------------------------------------------------- */

static void vm_exit(struct kvm_run *run, uint32_t reason)
{
	memset(&run->exit_type, 0, sizeof(*run) - offsetof(struct kvm_run, exit_type));
	run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
	run->exit_reason = reason;
}

static void io_exit(struct kvm_run *run, int dir, uint16_t port, int size, uint32_t value)
{
	vm_exit(run, KVM_EXIT_IO);
	run->io.direction = (uint8_t)dir;
	run->io.port = port;
	run->io.size = (uint8_t)size;
	run->io.count = 1;
	if (dir == KVM_EXIT_IO_OUT)
		run->io.value = value;
}

static void string_exit(struct kvm_run *run, int dir, uint16_t port, int size,
			bool rep, uint64_t address)
{
	vm_exit(run, KVM_EXIT_IO);
	run->io.direction = (uint8_t)dir;
	run->io.port = port;
	run->io.size = (uint8_t)size;
	run->io.string = 1;
	run->io.rep = rep;
	run->io.address = address;
	run->io.string_down = (fake.regs.rflags >> 10) & 1;
}

static void exit_port(struct kvm_run *run, uint32_t status)
{
	io_exit(run, KVM_EXIT_IO_OUT, 0xf4, 1, status);
}

/* ---- creation ----------------------------------------------------------- */

static void test_create_and_destroy(void **state)
{
	(void)state;
	assert_int_equal(vm->index, 0);
	assert_ptr_equal(vm_get(0), vm);
	assert_ptr_equal(vm->ram, fake.ram);
	assert_int_equal(vm->ram_bytes, 4 * MiB);
	assert_int_equal(vm->vm_fd, 1);
	assert_int_equal(vm->vcpu_fd, 2);
	assert_int_equal(fake.calls[0].request, KVM_GET_API_VERSION);
	assert_int_equal(fake.calls[1].request, KVM_CREATE_VM);
	assert_int_equal(fake.calls[2].request, KVM_SET_MEMORY_REGION);
	assert_int_equal(fake.calls[3].request, KVM_BAREKVM_MMAP);
	assert_int_equal(fake.calls[4].request, KVM_CREATE_VCPU);
	assert_string_equal(vm->prefix, "[vm0] ");
	assert_non_null(io_bus_find(&vm->io, 0x3fd));
	assert_non_null(io_bus_find(&vm->io, 0xf4));
	assert_non_null(io_bus_find(&vm->io, 0x80));
	assert_int_equal(vm_destroy(vm), 0);
	vm = NULL;
	assert_null(vm_get(0));
	assert_int_equal(fake.closes, 2);
	assert_int_equal(fake.calls[fake.ncalls - 1].handle, 1);  /* VM last */
}

static void test_create_fails_cleanly(void **state)
{
	(void)state;
	vm_destroy(vm);
	vm = NULL;
	fake_kvm_reset();
	fake.fail_request = KVM_CREATE_VCPU;
	fake.fail_errno = 38;
	assert_null(vm_create(&host, 4 * MiB));
	assert_string_equal(out, "error: KVM_CREATE_VCPU: ENOSYS (-38)\n");
	assert_int_equal(fake.closes, 1);
	assert_int_equal(fake.calls[fake.ncalls - 1].request, KVM_BAREKVM_CLOSE);
	assert_null(vm_get(0));

	out_len = 0;
	fake_kvm_reset();
	fake.api_version = 12;
	assert_null(vm_create(&host, 4 * MiB));
	assert_string_equal(out, "error: the hypervisor speaks KVM API version 12, not 4\n");

	out_len = 0;
	fake_kvm_reset();
	fake.fail_request = KVM_SET_MEMORY_REGION;
	fake.fail_errno = ENOMEM;
	assert_null(vm_create(&host, 4 * MiB));
	assert_string_equal(out, "error: KVM_SET_MEMORY_REGION: ENOMEM (-12)\n");
}

static void test_several_vms(void **state)
{
	struct vm *second;

	(void)state;
	second = vm_create(&host, 2 * MiB);
	assert_non_null(second);
	assert_int_equal(second->index, 1);
	assert_string_equal(second->prefix, "[vm1] ");
	vm_destroy(second);
}

/* ---- IO -------------------------------------------------------------------- */

static long run_hello(struct kvm_run *run, int call)
{
	static const char text[] = "Hi\r\nthere";

	if (call > 0)
		assert_int_equal(run->emulated, 1);     /* skip the OUT */
	if (call < (int)sizeof(text) - 1)
		io_exit(run, KVM_EXIT_IO_OUT, 0x3f8, 1, 0xabcd00 | (uint8_t)text[call]);
	else
		exit_port(run, 3);
	return 0;
}

static void test_uart_output_and_exit_port(void **state)
{
	(void)state;
	fake.run = run_hello;
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	assert_int_equal(vm->last.status, 3);
	/* the partial line is flushed at the end of the run */
	assert_string_equal(out, "[vm0] Hi\n[vm0] there\n");
	/* every run after an IO exit asked to skip the instruction */
	for (int i = 1; i < fake.ncalls; i++)
		if (fake.calls[i].request == KVM_RUN && i > 5)
			assert_int_equal(fake.calls[i].emulated, 1);
	assert_int_equal(vm->stats.exits[KVM_EXIT_IO], 10);
	assert_int_equal(vm->stats.kvm_runs, 10);
	assert_true(vm->resume_emulated);
}

static int resumed_calls;

static long run_resume(struct kvm_run *run, int call)
{
	(void)call;
	resumed_calls++;
	if (resumed_calls == 1) {
		exit_port(run, 0);
		return 0;
	}
	/* the next `run` starts by stepping over the OUT */
	assert_int_equal(run->emulated, 1);
	vm_exit(run, KVM_EXIT_HLT);
	fake.regs.rip = 0x1235;
	return 0;
}

static void test_resume_after_exit_port(void **state)
{
	(void)state;
	resumed_calls = 0;
	fake.run = run_resume;
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	assert_int_equal(vmm_run(vm), VMM_HALTED);
	assert_int_equal(vm->last.rip, 0x1235);
	assert_false(vm->resume_emulated);      /* HLT is never `emulated` */
	assert_int_equal(vm->stats.runs, 2);
}

static long run_in(struct kvm_run *run, int call)
{
	switch (call) {
	case 0:
		fake.regs.rax = 0x1234567812345600ULL;
		io_exit(run, KVM_EXIT_IO_IN, 0x3fd, 1, 0);      /* LSR */
		return 0;
	case 1:
		assert_int_equal(run->emulated, 1);
		assert_true(fake.regs.rax == 0x1234567812345660ULL);
		fake.regs.rax = 0x5a5a5a5a5a5a0000ULL;
		io_exit(run, KVM_EXIT_IO_IN, 0xe8, 2, 0);       /* unclaimed */
		return 0;
	case 2:
		assert_true(fake.regs.rax == 0x5a5a5a5a5a5affffULL);
		fake.regs.rax = 0xdeadbeef00000000ULL;
		io_exit(run, KVM_EXIT_IO_IN, 0xe8, 4, 0);
		return 0;
	case 3:
		/* IN EAX zero-extends */
		assert_true(fake.regs.rax == 0xffffffffULL);
		io_exit(run, KVM_EXIT_IO_IN, 0x80, 1, 0);       /* port 0x80 */
		return 0;
	default:
		assert_int_equal(fake.regs.rax & 0xff, 0);
		exit_port(run, 0);
		return 0;
	}
}

static void test_in(void **state)
{
	(void)state;
	fake.run = run_in;
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	assert_int_equal(vm->io.unclaimed_reads, 2);
	assert_int_equal(vm->io.last_unclaimed, 0xe8);
}

static long run_bad_size(struct kvm_run *run, int call)
{
	(void)call;
	io_exit(run, KVM_EXIT_IO_OUT, 0x80, 3, 0);
	return 0;
}

static void test_bad_io_size(void **state)
{
	(void)state;
	fake.run = run_bad_size;
	assert_int_equal(vmm_run(vm), VMM_FATAL);
	assert_non_null(strstr(vm->last.what, "size 3"));
}

/* ---- string IO ------------------------------------------------------------ */

static long run_outsb_up(struct kvm_run *run, int call)
{
	if (call == 0) {
		/* 16-bit real mode, DS base 0x10000: REP OUTSB of "hello\n"
		 * at DS:0x100, garbage above SI and CX */
		memcpy(fake.ram + 0x10100, "hello\n", 6);
		fake.sregs.cs.db = 0;
		fake.sregs.cs.base = 0x10000;
		fake.regs.rip = 0x20;
		memcpy(fake.ram + 0x10020, "\xf3\x6e", 2);    /* rep outsb */
		fake.regs.rsi = 0xdead0000dead0100ULL;
		fake.regs.rcx = 0xbeef0000beef0006ULL;
		fake.regs.rflags = 0x2;
		string_exit(run, KVM_EXIT_IO_OUT, 0x3f8, 1, true, 0x10100);
		return 0;
	}
	assert_int_equal(run->emulated, 1);
	assert_true(fake.regs.rsi == 0xdead0000dead0106ULL);
	assert_true(fake.regs.rcx == 0xbeef0000beef0000ULL);
	exit_port(run, 0);
	return 0;
}

static void test_outsb_up(void **state)
{
	(void)state;
	fake.run = run_outsb_up;
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	assert_string_equal(out, "[vm0] hello\n");
	assert_int_equal(vm->stats.string_io_elements, 6);
}

static long run_outsw_down(struct kvm_run *run, int call)
{
	if (call == 0) {
		/* 32-bit, DF = 1: OUTSW x3 from 0x2004 downward to port 0x80 */
		fake.sregs.cs.db = 1;
		fake.sregs.cs.base = 0;
		fake.regs.rip = 0x1000;
		memcpy(fake.ram + 0x1000, "\xf3\x66\x6f", 3);
		memcpy(fake.ram + 0x2000, "\x11\x11\x22\x22\x33\x33", 6);
		fake.regs.rsi = 0x2004;
		fake.regs.rcx = 3;
		fake.regs.rflags = 0x402;
		string_exit(run, KVM_EXIT_IO_OUT, 0x80, 2, true, 0x2004);
		return 0;
	}
	assert_int_equal(fake.regs.rsi, 0x1ffe);
	assert_int_equal(fake.regs.rcx, 0);
	exit_port(run, 0);
	return 0;
}

static void test_outsw_down(void **state)
{
	(void)state;
	fake.run = run_outsw_down;
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	assert_int_equal(vm->port80.writes, 3);
	assert_int_equal(vm->port80.last, 0x1111);      /* last element sent */
	assert_int_equal(vm->port80.last_size, 2);
}

static long run_insb(struct kvm_run *run, int call)
{
	switch (call) {
	case 0:
		/* REP INSB x4 from an unclaimed port, DF = 0, guards around */
		memset(fake.ram + 0x3000, 0x55, 16);
		fake.sregs.cs.db = 1;
		fake.regs.rip = 0x1000;
		memcpy(fake.ram + 0x1000, "\xf3\x6c", 2);
		fake.regs.rdi = 0x3004;
		fake.regs.rcx = 4;
		fake.regs.rflags = 0x2;
		string_exit(run, KVM_EXIT_IO_IN, 0xe8, 1, true, 0x3004);
		return 0;
	case 1:
		assert_memory_equal(fake.ram + 0x3000, "\x55\x55\x55\x55\xff\xff\xff\xff\x55", 9);
		assert_int_equal(fake.regs.rdi, 0x3008);
		assert_int_equal(fake.regs.rcx, 0);
		/* DF = 1 */
		memset(fake.ram + 0x3000, 0x55, 16);
		fake.regs.rdi = 0x300b;
		fake.regs.rcx = 4;
		fake.regs.rflags = 0x402;
		string_exit(run, KVM_EXIT_IO_IN, 0xe8, 1, true, 0x300b);
		return 0;
	case 2:
		assert_memory_equal(fake.ram + 0x3007, "\x55\xff\xff\xff\xff\x55", 6);
		assert_int_equal(fake.regs.rdi, 0x3007);
		/* a single INSD without REP: RCX untouched */
		fake.regs.rdi = 0x3000;
		fake.regs.rcx = 77;
		fake.regs.rflags = 0x2;
		memcpy(fake.ram + 0x1000, "\x6d", 1);
		string_exit(run, KVM_EXIT_IO_IN, 0xe8, 4, false, 0x3000);
		return 0;
	default:
		assert_int_equal(fake.regs.rdi, 0x3004);
		assert_int_equal(fake.regs.rcx, 77);
		assert_memory_equal(fake.ram + 0x3000, "\xff\xff\xff\xff", 4);
		exit_port(run, 0);
		return 0;
	}
}

static void test_insb(void **state)
{
	(void)state;
	fake.run = run_insb;
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	assert_int_equal(vm->stats.string_io_elements, 9);
}

static long run_addr32_long(struct kvm_run *run, int call)
{
	if (call == 0) {
		/* 64-bit mode, addr32 rep outsb (67 f3 6e): ESI/ECX used and
		 * written back zero-extended; the text is above 4 GiB linear,
		 * mapped by the guest's tables at physical 0x5f00 */
		fake.sregs.cs.l = 1;
		fake.sregs.cs.db = 0;
		fake.sregs.efer = 0x500;
		fake.regs.rip = 0x1000;
		memcpy(fake.ram + 0x1000, "\x67\xf3\x6e", 3);
		memcpy(fake.ram + 0x5f00, "ok\n", 3);
		fake.regs.rsi = 0xdead0000ffffff00ULL;
		fake.regs.rcx = 0xbeef000000000003ULL;
		fake.regs.rflags = 0x2;
		string_exit(run, KVM_EXIT_IO_OUT, 0x3f8, 1, true, 0xffffff00);
		return 0;
	}
	assert_true(fake.regs.rsi == 0xffffff03ULL);
	assert_true(fake.regs.rcx == 0);
	exit_port(run, 0);
	return 0;
}

static void test_addr32_in_long_mode(void **state)
{
	(void)state;
	/* the page at linear 0xfffff000 -> physical 0x5000 */
	fake.alias_linear = 0xfffff000;
	fake.alias_bytes = 0x1000;
	fake.alias_phys = 0x5000;
	fake.run = run_addr32_long;
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	assert_string_equal(out, "[vm0] ok\n");
}

static long run_outsb_to_exit_port(struct kvm_run *run, int call)
{
	if (call == 0) {
		memcpy(fake.ram + 0x2000, "\x07\x08\x09", 3);
		fake.sregs.cs.db = 1;
		fake.regs.rip = 0x1000;
		memcpy(fake.ram + 0x1000, "\xf3\x6e", 2);
		fake.regs.rsi = 0x2000;
		fake.regs.rcx = 3;
		fake.regs.rflags = 0x2;
		string_exit(run, KVM_EXIT_IO_OUT, 0xf4, 1, true, 0x2000);
		return 0;
	}
	/* the instruction restarts with the rest */
	assert_int_equal(run->emulated, 0);
	assert_int_equal(fake.regs.rsi, 0x2001);
	assert_int_equal(fake.regs.rcx, 2);
	exit_port(run, 0);
	return 0;
}

static void test_string_io_stops_part_way(void **state)
{
	(void)state;
	fake.run = run_outsb_to_exit_port;
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	assert_int_equal(vm->last.status, 7);
	assert_false(vm->resume_emulated);
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	assert_int_equal(vm->last.status, 0);
}

static long run_outsb_unmapped(struct kvm_run *run, int call)
{
	(void)call;
	fake.unmapped_from = 0x100000;
	fake.sregs.cs.db = 1;
	fake.regs.rip = 0x1000;
	fake.regs.rsi = 0x200000;
	fake.regs.rcx = 1;
	string_exit(run, KVM_EXIT_IO_OUT, 0x3f8, 1, true, 0x200000);
	return 0;
}

static void test_string_io_unmapped(void **state)
{
	(void)state;
	fake.run = run_outsb_unmapped;
	assert_int_equal(vmm_run(vm), VMM_FATAL);
	assert_string_equal(vm->last.what, "OUTS at linear address 0x200000: not mapped");
}

/* OUTSW of a word whose first byte is the last of RAM and whose second
 * is in the MMIO hole: the second byte comes from the MMIO bus (unclaimed
 * there: 0), as a CPU's OUTS reads a device. */
static long run_outsw_ram_then_mmio(struct kvm_run *run, int call)
{
	if (call == 0) {
		fake.ram[4 * MiB - 1] = 0x5a;
		fake.sregs.cs.db = 1;
		fake.regs.rip = 0x1000;
		fake.regs.rsi = 4 * MiB - 1;
		fake.regs.rcx = 2;
		string_exit(run, KVM_EXIT_IO_OUT, 0x80, 2, false, 4 * MiB - 1);
		return 0;
	}
	assert_int_equal(run->emulated, 1);
	assert_int_equal(fake.regs.rsi, 4 * MiB + 1);
	assert_int_equal(fake.regs.rcx, 2);     /* no REP */
	exit_port(run, 0);
	return 0;
}

static void test_string_io_ram_then_mmio(void **state)
{
	(void)state;
	fake.run = run_outsw_ram_then_mmio;
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	assert_int_equal(vm->port80.last, 0x005a);
	assert_int_equal(vm->port80.writes, 1);
	assert_int_equal(vm->mmio.unclaimed_reads, 1);
}

/* REP INSB into a device's MMIO: each byte is one write on the MMIO bus
 * (the MMIO test device's DATA, which counts them). */
static long run_insb_to_mmio(struct kvm_run *run, int call)
{
	if (call == 0) {
		vm->port80.last = 0xa5;         /* what IN from port 0x80 reads */
		fake.sregs.cs.db = 1;
		fake.regs.rip = 0x1000;
		fake.regs.rdi = MMIOTEST_GPA;
		fake.regs.rcx = 3;
		string_exit(run, KVM_EXIT_IO_IN, 0x80, 1, true, MMIOTEST_GPA);
		return 0;
	}
	assert_int_equal(run->emulated, 1);
	assert_int_equal(fake.regs.rdi, MMIOTEST_GPA + 3);
	assert_int_equal(fake.regs.rcx, 0);
	exit_port(run, 0);
	return 0;
}

static void test_string_io_insb_to_mmio(void **state)
{
	(void)state;
	fake.run = run_insb_to_mmio;
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	assert_int_equal(vm->mmiotest.writes, 3);
	assert_int_equal(vm->mmiotest.data[0], 0xa5);
	assert_int_equal(vm->mmiotest.data[2], 0xa5);
	assert_int_equal(vm->mmiotest.data[3], 0);
}

/* ---- CPUID, HLT, MMIO ---------------------------------------------------- */

static long run_cpuid(struct kvm_run *run, int call)
{
	if (call == 0) {
		fake.regs.rax = 0xffffffff00000001ULL;
		fake.regs.rcx = 7;
		fake.regs.rbx = 0x123456789ULL;
		vm_exit(run, KVM_EXIT_CPUID);
		run->apic_base = CPU_RESET_APIC_BASE;   /* as the hypervisor reports it */
		return 0;
	}
	assert_int_equal(run->emulated, 1);
	assert_int_equal(fake.regs.rax, 2);
	assert_int_equal(fake.regs.rbx, 9);
	assert_int_equal(fake.regs.rcx, 0x33333333);
	assert_int_equal(fake.regs.rdx, 0x44444644);
	vm_exit(run, KVM_EXIT_HLT);
	return 0;
}

/* Leaf 1's APIC flag follows IA32_APIC_BASE's global enable (SDM 11.4.3);
 * other leaves keep the host's EDX. */
static void test_cpuid_apic_flag_follows_apic_base(void **state)
{
	uint32_t out[4];

	(void)state;
	vmm_cpuid(vm, 1, 0, out);
	assert_int_equal(out[3], 0x44444644);
	lapic_set_base(&vm->lapic, CPU_RESET_APIC_BASE & ~APIC_BASE_ENABLE);
	vmm_cpuid(vm, 1, 0, out);
	assert_int_equal(out[3], 0x44444444);
	vmm_cpuid(vm, 0x80000001, 0, out);
	assert_int_equal(out[3], 0x44444644);
	lapic_set_base(&vm->lapic, CPU_RESET_APIC_BASE);
	vmm_cpuid(vm, 1, 0, out);
	assert_int_equal(out[3], 0x44444644);
}

/* A CPU with leaves 0x15 and 0x16 (Intel's TSC and crystal leaves). */
static void host_cpuid_tsc_leaves(uint32_t leaf, uint32_t subleaf, uint32_t o[4])
{
	host_cpuid(leaf, subleaf, o);
	if (leaf == 0)
		o[0] = 0x16;
}

/* Leaf 0x15 as Linux's native_calibrate_tsc() reads it: the TSC's kHz is
 * (ECX / 1000) * EBX / EAX in 32-bit arithmetic, and the crystal (ECX) is
 * the APIC timer's input. For each measured TSC the product must not
 * wrap, and the kHz must be as close as a numerator below 4295 allows:
 * a convergent's error is below 1 / 4294 of the ratio (3 GHz minus 123
 * kHz reads as 3 GHz, 41 ppm); exact for Bochs's 20.001 MHz. */
static void test_cpuid_tsc_leaves_survive_32_bit_arithmetic(void **state)
{
	static const struct vmm_host tsc_host = {
		.write = host_write,
		.cpuid = host_cpuid_tsc_leaves,
		.poll_key = host_poll_key,
	};
	static const uint64_t measured_hz[] = {
		20001000,       /* Bochs at ips=20000000: wrapped to 2.821 MHz before */
		2999876543ULL, 1000000000, 3600000000ULL, 123456789, 4294967295ULL,
	};
	uint32_t out[4];

	(void)state;
	vm->host = &tsc_host;
	for (unsigned i = 0; i < sizeof(measured_hz) / sizeof(measured_hz[0]); i++) {
		uint64_t want_khz = measured_hz[i] / 1000;

		vm->clock.hz = measured_hz[i];
		vmm_cpuid(vm, 0x15, 0, out);
		assert_int_equal(out[2], 1000000000);
		assert_true(out[0] != 0 && out[1] != 0);
		uint32_t crystal_khz = out[2] / 1000;
		assert_true((uint64_t)crystal_khz * out[1] <= UINT32_MAX);
		uint32_t khz = crystal_khz * out[1] / out[0];
		uint64_t diff = khz > want_khz ? khz - want_khz : want_khz - khz;
		assert_true(diff <= want_khz / 4294 + 1);
		if (measured_hz[i] == 20001000)
			assert_int_equal(khz, 20001);
		vmm_cpuid(vm, 0x16, 0, out);
		assert_int_equal(out[0], measured_hz[i] / 1000000);
		assert_int_equal(out[2], 1000);
	}
	vm->host = &host;
}

static void test_cpuid_then_hlt(void **state)
{
	(void)state;
	fake.run = run_cpuid;
	fake.regs.rip = 0x4242;
	assert_int_equal(vmm_run(vm), VMM_HALTED);
	assert_int_equal(vm->last.rip, 0x4242);
	assert_int_equal(vm->stats.exits[KVM_EXIT_CPUID], 1);
	assert_int_equal(vm->stats.exits[KVM_EXIT_HLT], 1);
}

struct mmio_dev {
	uint64_t last_write, last_offset;
	unsigned last_size;
};

static uint64_t mmio_read(void *opaque, uint64_t offset, unsigned size)
{
	(void)opaque;
	(void)size;
	return 0x8877665544332211ULL + offset;
}

static void mmio_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct mmio_dev *d = opaque;

	d->last_write = value;
	d->last_offset = offset;
	d->last_size = size;
}

static const struct bus_device_ops mmio_ops = { mmio_read, mmio_write };

static long run_mmio(struct kvm_run *run, int call)
{
	switch (call) {
	case 0:                                         /* unclaimed read */
		vm_exit(run, KVM_EXIT_MMIO);
		run->mmio.phys_addr = 0xfed00030;
		run->mmio.len = 4;
		memset(run->mmio.data, 0xee, 8);
		return 0;
	case 1:
		assert_int_equal(run->mmio_completed, 1);
		assert_memory_equal(run->mmio.data, "\0\0\0\0\0\0\0\0", 8);
		vm_exit(run, KVM_EXIT_MMIO);                /* claimed read */
		run->mmio.phys_addr = 0xe0000000;
		run->mmio.len = 2;
		return 0;
	case 2:
		assert_int_equal(run->mmio_completed, 1);
		assert_memory_equal(run->mmio.data, "\x11\x22\0\0\0\0\0\0", 8);
		vm_exit(run, KVM_EXIT_MMIO);                /* claimed write */
		run->mmio.phys_addr = 0xe0000008;
		run->mmio.len = 8;
		run->mmio.is_write = 1;
		memcpy(run->mmio.data, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
		return 0;
	case 3:
		/* a write is complete: no mmio_completed */
		assert_int_equal(run->mmio_completed, 0);
		vm_exit(run, KVM_EXIT_MMIO);                /* unclaimed write */
		run->mmio.phys_addr = 0xfeb00000;
		run->mmio.len = 1;
		run->mmio.is_write = 1;
		return 0;
	case 4:
		assert_int_equal(run->mmio_completed, 0);
		vm_exit(run, KVM_EXIT_MMIO);
		run->mmio.len = 9;                          /* malformed */
		return 0;
	default:
		fail();
		return 0;
	}
}

static void test_mmio(void **state)
{
	struct mmio_dev dev = { 0 };

	(void)state;
	assert_int_equal(io_bus_register(&vm->mmio, 0xe0000000, 0x1000, &mmio_ops, &dev, "test"), 0);
	fake.run = run_mmio;
	assert_int_equal(vmm_run(vm), VMM_FATAL);
	assert_non_null(strstr(vm->last.what, "length 9"));
	assert_true(dev.last_write == 0x0807060504030201ULL);
	assert_int_equal(dev.last_offset, 8);
	assert_int_equal(dev.last_size, 8);
	assert_int_equal(vm->mmio.unclaimed_reads, 1);
	assert_int_equal(vm->mmio.unclaimed_writes, 1);
	assert_int_equal(vm->mmio.last_unclaimed, 0xfeb00000);
	assert_int_equal(vm->stats.exits[KVM_EXIT_MMIO], 5);
}

/* The guest moves its APIC with WRMSR IA32_APIC_BASE (kvm-unit-tests
 * apic's "relocate apic"): KVM_RUN reports the new base and the APIC
 * answers there, and no longer at the old page. */
static long run_apic_relocated(struct kvm_run *run, int call)
{
	switch (call) {
	case 0:
		vm_exit(run, KVM_EXIT_MMIO);
		run->mmio.phys_addr = 0xfed40030;           /* its version register */
		run->mmio.len = 4;
		run->apic_base = 0xfed40900;
		return 0;
	case 1:
		assert_int_equal(run->mmio_completed, 1);
		assert_memory_equal(run->mmio.data, "\x14\0\x05\0\0\0\0\0", 8);
		vm_exit(run, KVM_EXIT_MMIO);
		run->mmio.phys_addr = 0xfee00030;
		run->mmio.len = 4;
		run->apic_base = 0xfed40900;
		return 0;
	case 2:                                         /* nothing there now */
		assert_memory_equal(run->mmio.data, "\0\0\0\0\0\0\0\0", 8);
		assert_int_equal(vm->mmio.unclaimed_reads, 1);
		exit_port(run, 0);
		run->apic_base = 0x00100900;                /* into RAM */
		return 0;
	default:
		fail();
		return 0;
	}
}

static void test_apic_follows_apic_base(void **state)
{
	(void)state;
	fake.run = run_apic_relocated;
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	assert_non_null(strstr(out, "the local APIC moved into RAM at 0x100000"));
	assert_true(io_bus_find(&vm->mmio, 0x100030)->ops == &vmm_timed_lapic_ops);
}

/* ---- -EINTR, DEBUG, IRQ window ------------------------------------------- */

static long run_eintr(struct kvm_run *run, int call)
{
	switch (call) {
	case 0:
		run->exit_reason = KVM_EXIT_SHUTDOWN;   /* stale: ignored */
		return -EINTR;
	case 1:
	case 2:
		vm_exit(run, KVM_EXIT_IRQ_WINDOW_OPEN);
		return 0;
	default:
		want_interrupt = true;
		fake.regs.rip = 0x777;
		return -EINTR;
	}
}

static void test_eintr_and_interrupt(void **state)
{
	(void)state;
	fake.run = run_eintr;
	assert_int_equal(vmm_run(vm), VMM_INTERRUPTED);
	assert_int_equal(vm->last.rip, 0x777);
	assert_int_equal(vm->stats.eintr, 2);
	assert_int_equal(vm->stats.exits[KVM_EXIT_IRQ_WINDOW_OPEN], 2);
	assert_int_equal(vm->stats.exits[KVM_EXIT_SHUTDOWN], 0);
}

/* ---- interrupts: the KVM_INTERRUPT handshake (docs/hypercall-abi.md) --- */

static void program_pic(void)
{
	static const uint8_t seq[][2] = {
		{ 0x20, 0x11 }, { 0x21, 0x20 }, { 0x21, 0x04 }, { 0x21, 0x01 },
		{ 0xa0, 0x11 }, { 0xa1, 0x28 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
		{ 0x21, 0xfe }, { 0xa1, 0xff },
	};

	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		io_bus_write(&vm->io, seq[i][0], 1, seq[i][1]);
}

static void flags(struct kvm_run *run, int if_flag, int ready)
{
	run->if_flag = (uint8_t)if_flag;
	run->ready_for_interrupt_injection = (uint8_t)ready;
}

static long run_irq_window(struct kvm_run *run, int call)
{
	switch (call) {
	case 0:         /* nothing said yet: no injection, ask for the window */
		assert_int_equal(run->request_interrupt_window, 1);
		assert_int_equal(fake.ninterrupts, 0);
		io_exit(run, KVM_EXIT_IO_OUT, 0x80, 1, 0x55);
		flags(run, 0, 1);
		return 0;
	case 1:         /* IF = 0: still none */
		assert_int_equal(fake.ninterrupts, 0);
		assert_int_equal(run->request_interrupt_window, 1);
		vm_exit(run, KVM_EXIT_IRQ_WINDOW_OPEN);
		flags(run, 1, 1);
		return 0;
	case 2:         /* the window opened: acknowledged and injected */
		assert_int_equal(fake.ninterrupts, 1);
		assert_int_equal(fake.interrupts[0], 0x20);
		assert_int_equal(run->request_interrupt_window, 0);
		vm_exit(run, KVM_EXIT_HLT);
		flags(run, 1, 1);
		return 0;
	default:
		fail();
		return 0;
	}
}

/* ---- NMIs: the local APIC's go down with KVM_NMI before KVM_RUN -------- */

/* The local APIC stays enabled: what KVM_RUN reports is what the VMM
 * sets it to (vmm_irq_after_run). */
static long apic_on(struct kvm_run *run)
{
	run->apic_base = 0xfee00900;
	return 0;
}

static long run_nmi(struct kvm_run *run, int call)
{
	switch (call) {
	case 0:         /* the guest sends itself an NMI (its ICR: an MMIO exit) */
		assert_int_equal(fake.nmis, 0);
		lapic_bus_ops.write(&vm->lapic, 0x0f0, 4, 0x1ff);       /* SVR: on */
		lapic_bus_ops.write(&vm->lapic, 0x300, 4, 0x00044400);
		io_exit(run, KVM_EXIT_IO_OUT, 0x80, 1, 0x55);
		flags(run, 0, 1);
		return apic_on(run);
	case 1:         /* passed down before this KVM_RUN, once; IF plays no part */
		assert_int_equal(fake.nmis, 1);
		assert_int_equal(fake.nmi_before_run, 1);
		assert_int_equal(run->request_interrupt_window, 0);
		io_exit(run, KVM_EXIT_IO_OUT, 0x80, 1, 0x56);
		flags(run, 0, 1);
		return apic_on(run);
	case 2:         /* nothing more */
		assert_int_equal(fake.nmis, 1);
		vm_exit(run, KVM_EXIT_HLT);
		flags(run, 0, 1);
		return apic_on(run);
	default:
		fail();
		return 0;
	}
}

static void test_nmi_passed_down(void **state)
{
	(void)state;
	fake.run = run_nmi;
	assert_int_equal(vmm_run(vm), VMM_HALTED);
	assert_int_equal(fake.nmis, 1);
	assert_int_equal(vm->stats.nmis_injected, 1);
	assert_int_equal(fake.ninterrupts, 0);
}

static void test_irq_window_and_injection(void **state)
{
	(void)state;
	program_pic();
	pic8259_set_irq(&vm->pic, 0, 1);
	fake.run = run_irq_window;
	fake.regs.rip = 0x1234;
	/* HLT with IF = 1 but nothing that could wake the guest: the run ends */
	assert_int_equal(vmm_run(vm), VMM_HALTED);
	assert_int_equal(vm->last.rip, 0x1234);
	assert_int_equal(vm->stats.irqs_injected, 1);
	assert_int_equal(vm->stats.last_vector, 0x20);
	assert_int_equal(vm->pic.chip[0].isr, 0x01);
	/* the virtual clock: VMM_NS_PER_RETURN per KVM_RUN return, just over
	 * a PIT cycle; the PIT follows when synced (lazily, vmm_timed.c) */
	assert_int_equal(vm->clock.ns, 3 * VMM_NS_PER_RETURN);
	assert_int_equal(vm->pit.now, 0);
	vmm_devices_sync(vm);
	assert_int_equal(vm->pit.now, 3);
}

static long run_hlt_timer(struct kvm_run *run, int call)
{
	switch (call) {
	case 0:
		vm_exit(run, KVM_EXIT_HLT);
		flags(run, 1, 1);
		return 0;
	case 1:         /* the clock jumped to the timer's edge */
		assert_int_equal(fake.ninterrupts, 1);
		assert_int_equal(fake.interrupts[0], 0x20);
		exit_port(run, 0);
		return 0;
	default:
		fail();
		return 0;
	}
}

static void test_hlt_waits_for_the_timer(void **state)
{
	(void)state;
	program_pic();
	io_bus_write(&vm->io, 0x43, 1, 0x34);
	io_bus_write(&vm->io, 0x40, 1, 100);
	io_bus_write(&vm->io, 0x40, 1, 0);
	fake.run = run_hlt_timer;
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	assert_true(vm->pit.now >= 100 && vm->pit.now < 110);
	assert_int_equal(vm->pit.irq_edges, 1);
}

/* ---- KVM_EXIT_DEBUG, stepping ------------------------------------------------ */

static long run_debug(struct kvm_run *run, int call)
{
	(void)call;
	vm_exit(run, KVM_EXIT_DEBUG);
	return 0;
}

static void test_debug_exits(void **state)
{
	char line[192];

	(void)state;
	fake.sregs.cs.base = 0x10000;           /* real mode: linear = base + IP */
	fake.regs.rip = 0x10;
	vm->debug.enabled = 1;
	vm->debug.breakpoints[2] = (struct kvm_breakpoint){ .enabled = 1, .address = 0x10010 };
	fake.run = run_debug;
	assert_int_equal(vmm_run(vm), VMM_DEBUG);
	assert_int_equal(vm->last.debug, VMM_STOP_BREAKPOINT);
	vmm_describe_outcome(vm, line, sizeof(line));
	assert_string_equal(line, "breakpoint at RIP=0x10");
	vm->stepping = true;
	assert_int_equal(vmm_run(vm), VMM_DEBUG);
	vmm_describe_outcome(vm, line, sizeof(line));
	assert_string_equal(line, "step: RIP=0x10");
	vm->stepping = false;
	fake.regs.rip = 0x20;
	assert_int_equal(vmm_run(vm), VMM_DEBUG);
	vmm_describe_outcome(vm, line, sizeof(line));
	assert_string_equal(line, "debug exit at RIP=0x20");
	assert_int_equal(vm->stats.exits[KVM_EXIT_DEBUG], 3);
}

static long run_step_out(struct kvm_run *run, int call)
{
	assert_int_equal(call, 0);
	io_exit(run, KVM_EXIT_IO_OUT, 0x80, 1, 0x42);
	run->instruction_length = 1;
	return 0;
}

/* A step over an IO instruction ends at its exit: RIP moves past it by
 * SET_REGS, and no `emulated` is left for the next run. */
static void test_step_over_io(void **state)
{
	(void)state;
	fake.regs.rip = 0x2000;
	vm->stepping = true;
	fake.run = run_step_out;
	assert_int_equal(vmm_run(vm), VMM_DEBUG);
	assert_int_equal(vm->last.debug, VMM_STOP_STEP);
	assert_int_equal(vm->last.rip, 0x2001);
	assert_int_equal(fake.regs.rip, 0x2001);
	assert_false(vm->resume_emulated);
	assert_int_equal(vm->port80.last, 0x42);
}

/* ---- trace --------------------------------------------------------------------- */

static long run_traced(struct kvm_run *run, int call)
{
	switch (call) {
	case 0:
		vm_exit(run, KVM_EXIT_MMIO);
		run->mmio.phys_addr = MMIOTEST_GPA + MMIOTEST_ID;
		run->mmio.len = 8;
		return 0;
	case 1:
		vm_exit(run, KVM_EXIT_MMIO);
		run->mmio.phys_addr = MMIOTEST_GPA + 0x10;
		run->mmio.len = 2;
		run->mmio.is_write = 1;
		memcpy(run->mmio.data, "\x34\x12", 2);
		return 0;
	case 2:
		io_exit(run, KVM_EXIT_IO_IN, 0x3fd, 1, 0);
		return 0;
	case 3:
		vm_exit(run, KVM_EXIT_CPUID);
		return 0;
	default:
		exit_port(run, 0);
		return 0;
	}
}

static void test_trace(void **state)
{
	(void)state;
	vm->trace = VMM_TRACE_MMIO | VMM_TRACE_IO | VMM_TRACE_OTHER;
	fake.run = run_traced;
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	assert_string_equal(out,
		"vm 0: exit mmio read 0xd0000800 len 8 data 0x545345544f494d4d\n"
		"vm 0: exit mmio write 0xd0000010 len 2 data 0x1234\n"
		"vm 0: exit io in port 0x3fd size 1 value 0x60\n"
		"vm 0: exit cpuid\n"
		"vm 0: exit io out port 0xf4 size 1 value 0x0\n");
	assert_int_equal(vm->mmiotest.data[0x10], 0x34);
	assert_int_equal(vmm_trace_category("mmio"), VMM_TRACE_MMIO);
	assert_int_equal(vmm_trace_category("all"), VMM_TRACE_ALL);
	assert_int_equal(vmm_trace_category("nope"), 0);
}

/* ---- fatal exits and failures -------------------------------------------- */

static uint32_t fatal_reason, fatal_type;

static long run_fatal(struct kvm_run *run, int call)
{
	(void)call;
	vm_exit(run, fatal_reason);
	run->exit_type = fatal_type;
	run->ex.exception = 13;
	run->ex.error_code = 0x18;
	if (fatal_reason == KVM_EXIT_UNKNOWN)
		run->hw.hardware_exit_reason = 0x7b;
	return 0;
}

static void expect_fatal(uint32_t type, uint32_t reason, const char *what)
{
	fatal_type = type;
	fatal_reason = reason;
	fake.run = run_fatal;
	assert_int_equal(vmm_run(vm), VMM_FATAL);
	assert_string_equal(vm->last.what, what);
}

static void test_fatal_exits(void **state)
{
	char line[192];

	(void)state;
	expect_fatal(KVM_EXIT_TYPE_VM_EXIT, KVM_EXIT_SHUTDOWN,
		     "triple fault (KVM_EXIT_SHUTDOWN)");
	expect_fatal(KVM_EXIT_TYPE_VM_EXIT, KVM_EXIT_EXCEPTION,
		     "guest exception #GP (vector 13), error code 0x18 (KVM_EXIT_EXCEPTION)");
	expect_fatal(KVM_EXIT_TYPE_VM_EXIT, KVM_EXIT_UNKNOWN,
		     "unhandled exit (KVM_EXIT_UNKNOWN), hardware exit reason 0x7b");
	expect_fatal(KVM_EXIT_TYPE_FAIL_ENTRY, 0xffffffff,
		     "VM entry failed (KVM_EXIT_TYPE_FAIL_ENTRY), hardware reason 0xffffffff");
	expect_fatal(KVM_EXIT_TYPE_VM_EXIT, 42, "unknown exit reason 42");
	assert_int_equal(vm->stats.fail_entry, 1);
	assert_int_equal(vm->stats.exits_other, 1);
	vmm_describe_outcome(vm, line, sizeof(line));
	assert_string_equal(line, "fatal: unknown exit reason 42");
}

static void test_request_failure(void **state)
{
	char line[192];

	(void)state;
	fake.run = NULL;                        /* the fake answers -ENOSYS */
	assert_int_equal(vmm_run(vm), VMM_REQUEST_FAILED);
	assert_string_equal(vm->last.request, "KVM_RUN");
	assert_int_equal(vm->last.err, ENOSYS);
	vmm_describe_outcome(vm, line, sizeof(line));
	assert_string_equal(line, "error: KVM_RUN: ENOSYS (-38)");
	/* GET_REGS failing inside a handler */
	fake.run = run_in;
	fake.fail_request = KVM_GET_REGS;
	fake.fail_errno = EFAULT;
	assert_int_equal(vmm_run(vm), VMM_REQUEST_FAILED);
	assert_string_equal(vm->last.request, "KVM_GET_REGS");
	assert_int_equal(vm->last.err, EFAULT);
}

/* ---- reports ------------------------------------------------------------- */

static void test_reports(void **state)
{
	(void)state;
	fake.run = run_hello;
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	out_len = 0;
	vmm_print_stats(vm);
	assert_non_null(strstr(out, "runs: 1, KVM_RUN requests: 10, exits: 10\n"));
	assert_non_null(strstr(out, "  KVM_EXIT_IO                10\n"));
	assert_non_null(strstr(out, "  KVM_EXIT_HLT               0\n"));
	assert_non_null(strstr(out, "port 0x80: no writes\n"));
	assert_non_null(strstr(out, "uart: 9 bytes out\n"));
	assert_non_null(strstr(out, "last run: guest exited with status 3\n"));

	out_len = 0;
	fake.regs.rip = 0x100000;
	fake.regs.rflags = 0x246;
	assert_int_equal(vmm_dump_vcpu(vm), 0);
	assert_non_null(strstr(out, "RIP=0000000000100000 RFL=0000000000000246 [PF ZF IF] IOPL=0\n"));
	assert_non_null(strstr(out, "RDX=0000000000000600"));
	assert_non_null(strstr(out, "CS =f000 base=00000000000f0000 limit=0000ffff type=b"));
	assert_non_null(strstr(out, "CR0=0000000060000010"));
	assert_non_null(strstr(out, "mode: real mode\n"));
	assert_null(strstr(out, "events:"));            /* nothing held */
	/* KVM_GET_VCPU_EVENTS, when it holds something */
	out_len = 0;
	fake.events = (struct kvm_vcpu_events){ .nmi = { .pending = 1, .masked = 1 },
		.exception = { .injected = 1, .nr = 14, .has_error_code = 1, .error_code = 2 },
		.interrupt = { .shadow = KVM_X86_SHADOW_INT_MOV_SS } };
	assert_int_equal(vmm_dump_vcpu(vm), 0);
	assert_non_null(strstr(out, "events: delivering exception 14 (error 0x2), NMI latched, "
			       "NMIs blocked (handler before its IRET), MOV SS shadow\n"));
	assert_string_equal(vmm_exception_name(14), "#PF");
	assert_string_equal(vmm_exception_name(99), "#?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_fails_cleanly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_several_vms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uart_output_and_exit_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_after_exit_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_io_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outsb_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outsw_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr32_in_long_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_io_stops_part_way, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_io_unmapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_io_ram_then_mmio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_io_insb_to_mmio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpuid_then_hlt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpuid_apic_flag_follows_apic_base, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apic_follows_apic_base, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpuid_tsc_leaves_survive_32_bit_arithmetic,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eintr_and_interrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_window_and_injection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nmi_passed_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hlt_waits_for_the_timer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_debug_exits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_over_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fatal_exits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reports, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
