/*
 * Host unit tests for the console attached to a running guest
 * (vmm_console.c, and its use by the run loop in vmm_run.c) on the fake
 * hypervisor: the key queue and how it feeds the UART's receive FIFO
 * without overruns, the escape key and Ctrl-C attached and detached, keys
 * handed back to the CLI, partial output lines with their prefix, -EINTR
 * delivering keys to a polling guest, and HLT waiting for a key.
 * `make test-ctl`.
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

static char out[8192];
static size_t out_len;

/* Keys "typed" at the console: poll_key hands out keys[0..typed_len). */
static uint8_t keys[64];
static size_t typed_len, typed_pos;
static int polls;
/* What went back to the CLI. */
static char unread[64];
static size_t unread_len;

static void host_write(const char *buf, size_t len)
{
	assert_true(out_len + len < sizeof(out));
	memcpy(out + out_len, buf, len);
	out_len += len;
	out[out_len] = '\0';
}

static void host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t o[4])
{
	(void)leaf;
	(void)subleaf;
	memset(o, 0, 4 * sizeof(o[0]));
}

static int host_poll_key(void)
{
	polls++;
	return typed_pos < typed_len ? keys[typed_pos++] : -1;
}

static void host_unread_key(uint8_t byte)
{
	assert_true(unread_len + 1 < sizeof(unread));
	unread[unread_len++] = (char)byte;
	unread[unread_len] = '\0';
}

static const struct vmm_host host = {
	.write = host_write,
	.cpuid = host_cpuid,
	.poll_key = host_poll_key,
	.unread_key = host_unread_key,
};

/* Makes `n` bytes available to poll_key, after what was typed before. */
static void type(const void *bytes, size_t n)
{
	assert_true(typed_len + n <= sizeof(keys));
	memcpy(keys + typed_len, bytes, n);
	typed_len += n;
}

static struct vm *vm;

static int setup(void **state)
{
	(void)state;
	fake_kvm_reset();
	out[0] = unread[0] = '\0';
	out_len = unread_len = typed_len = typed_pos = 0;
	polls = 0;
	vm = vm_create(&host, 4 * MiB);
	assert_non_null(vm);
	vm->console.attached = true;
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

static void vm_exit(struct kvm_run *run, uint32_t reason)
{
	memset(&run->exit_type, 0, sizeof(*run) - offsetof(struct kvm_run, exit_type));
	run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
	run->exit_reason = reason;
}

static void io_exit(struct kvm_run *run, int dir, uint16_t port, uint32_t value)
{
	vm_exit(run, KVM_EXIT_IO);
	run->io.direction = (uint8_t)dir;
	run->io.port = port;
	run->io.size = 1;
	run->io.count = 1;
	if (dir == KVM_EXIT_IO_OUT)
		run->io.value = value;
}

static void guest_writes(const char *text)
{
	for (; *text; text++)
		uart16550_write(&vm->uart, UART_THR, (uint8_t)*text);
}

static uint8_t guest_reads(void)
{
	return uart16550_read(&vm->uart, UART_RBR);
}

/* ---- the queue and the FIFO ---------------------------------------------- */

static void test_feed_fills_the_fifo_and_keeps_the_rest(void **state)
{
	(void)state;
	for (int i = 0; i < 20; i++)
		assert_true(vmm_console_enqueue(vm, (uint8_t)('a' + i)));
	vmm_console_feed(vm);
	assert_int_equal(vm->uart.rx_count, UART_RX_FIFO_BYTES);
	assert_int_equal(vm->console.count, 4);
	/* no overrun: the queue waits instead */
	assert_int_equal(vm->uart.rx_overruns, 0);
	assert_int_equal(uart16550_read(&vm->uart, UART_LSR) & UART_LSR_OE, 0);
	assert_int_equal(guest_reads(), 'a');
	assert_int_equal(guest_reads(), 'b');
	vmm_console_feed(vm);
	assert_int_equal(vm->console.count, 2);
	for (int i = 2; i < 18; i++)
		assert_int_equal(guest_reads(), 'a' + i);
	vmm_console_feed(vm);
	assert_int_equal(vm->console.count, 0);
	assert_int_equal(guest_reads(), 's');
	assert_int_equal(guest_reads(), 't');
	assert_int_equal(vm->uart.rx_count, 0);
	assert_int_equal(vm->console.keys_in, 20);
}

static void test_a_full_queue_drops_and_counts(void **state)
{
	(void)state;
	for (int i = 0; i < VMM_CONSOLE_QUEUE_BYTES; i++)
		assert_true(vmm_console_enqueue(vm, (uint8_t)i));
	assert_false(vmm_console_enqueue(vm, 'x'));
	assert_int_equal(vm->console.keys_dropped, 1);
	assert_int_equal(vm->console.keys_in, VMM_CONSOLE_QUEUE_BYTES);
	/* the queue is a ring: the first byte is still the first out */
	vmm_console_feed(vm);
	assert_int_equal(guest_reads(), 0);
	assert_int_equal(guest_reads(), 1);
}

static void test_loopback_disconnects_the_console(void **state)
{
	(void)state;
	vmm_console_enqueue(vm, 'k');
	uart16550_write(&vm->uart, UART_MCR, UART_MCR_LOOP);
	vmm_console_feed(vm);
	assert_int_equal(vm->uart.rx_count, 0);
	assert_int_equal(vm->console.count, 1);
	uart16550_write(&vm->uart, UART_MCR, 0);
	vmm_console_feed(vm);
	assert_int_equal(guest_reads(), 'k');
}

/* ---- keys ------------------------------------------------------------------ */

static void test_attached_keys_go_to_the_guest_until_the_escape(void **state)
{
	(void)state;
	type("ab\x03" "c\x1dxy", 7);
	assert_true(vmm_console_poll(vm));
	/* Ctrl-C is a byte for the guest; what follows Ctrl-] is the CLI's */
	assert_int_equal(vm->console.count, 4);
	vmm_console_feed(vm);
	assert_int_equal(guest_reads(), 'a');
	assert_int_equal(guest_reads(), 'b');
	assert_int_equal(guest_reads(), 0x03);
	assert_int_equal(guest_reads(), 'c');
	assert_string_equal(unread, "xy");
}

static void test_attached_without_escape_keeps_running(void **state)
{
	(void)state;
	type("ls\r", 3);
	assert_false(vmm_console_poll(vm));
	assert_int_equal(vm->console.count, 3);
	assert_int_equal(unread_len, 0);
}

static void test_detached_ctrl_c_stops_and_keys_stay_for_the_cli(void **state)
{
	(void)state;
	vm->console.attached = false;
	type("ab\x03" "cd", 5);
	assert_true(vmm_console_poll(vm));
	assert_string_equal(unread, "abcd");
	assert_int_equal(vm->console.count, 0);
	/* nothing typed: nothing happens */
	assert_false(vmm_console_poll(vm));
}

static void test_wait_returns_on_a_key_or_the_escape(void **state)
{
	(void)state;
	type("q", 1);
	assert_false(vmm_console_wait(vm));
	assert_int_equal(vm->console.count, 1);
	type("\x1d", 1);
	assert_true(vmm_console_wait(vm));
}

/* ---- output --------------------------------------------------------------- */

static void test_partial_lines_show_at_once_with_one_prefix(void **state)
{
	(void)state;
	guest_writes("/ # ");
	vmm_console_flush(vm);
	assert_string_equal(out, "[vm0] / # ");
	vmm_console_flush(vm);                  /* nothing new: nothing */
	assert_string_equal(out, "[vm0] / # ");
	guest_writes("l");
	vmm_console_flush(vm);
	guest_writes("s\n");
	assert_string_equal(out, "[vm0] / # ls\n");
	guest_writes("bin  etc\n");
	assert_string_equal(out, "[vm0] / # ls\n[vm0] bin  etc\n");
	vmm_console_end_line(vm);               /* at a line start: nothing */
	guest_writes("x");
	vmm_console_flush(vm);
	vmm_console_end_line(vm);
	assert_string_equal(out, "[vm0] / # ls\n[vm0] bin  etc\n[vm0] x\n");
	assert_false(vm->console.mid_line);
}

/* ---- the run loop ------------------------------------------------------------ */

/* A guest polling COM1 and echoing: keys come with -EINTR. */
static long run_echo(struct kvm_run *run, int call)
{
	switch (call) {
	case 0:
		type("hi\x03", 3);
		return -EINTR;
	case 1:
		io_exit(run, KVM_EXIT_IO_IN, UART_COM1_BASE + UART_RBR, 0);
		return 0;
	case 2:
		/* the IN completed with the first key */
		assert_int_equal(fake.regs.rax & 0xff, 'h');
		io_exit(run, KVM_EXIT_IO_OUT, UART_COM1_BASE + UART_THR, 'h');
		return 0;
	case 3:
		/* the echo is on the console already, without its newline */
		assert_string_equal(out, "[vm0] h");
		fake.regs.rip = 0x4321;
		type("\x1d" "x", 2);
		return -EINTR;
	default:
		fail();
		return 0;
	}
}

static void test_run_delivers_keys_and_escape_stops(void **state)
{
	(void)state;
	fake.run = run_echo;
	assert_int_equal(vmm_run(vm), VMM_INTERRUPTED);
	assert_int_equal(vm->last.rip, 0x4321);
	/* the end of the run ends the partial line */
	assert_string_equal(out, "[vm0] h\n");
	assert_int_equal(vm->uart.rx_count, 2);
	assert_int_equal(guest_reads(), 'i');
	assert_int_equal(guest_reads(), 0x03);
	assert_int_equal(vm->console.keys_in, 3);
	assert_string_equal(unread, "x");
	assert_int_equal(vm->stats.eintr, 2);
}

/* A guest that exits all the time may never see the hypervisor's tick:
 * keys are taken at ordinary exits too. */
static long run_busy(struct kvm_run *run, int call)
{
	switch (call) {
	case 0:
		type("a", 1);
		io_exit(run, KVM_EXIT_IO_IN, UART_COM1_BASE + UART_LSR, 0);
		return 0;
	case 1:
		assert_int_equal(vm->uart.rx_count, 1);
		type("\x1d", 1);
		io_exit(run, KVM_EXIT_IO_IN, UART_COM1_BASE + UART_LSR, 0);
		return 0;
	default:
		fail();
		return 0;
	}
}

static void test_keys_are_taken_at_every_exit(void **state)
{
	(void)state;
	fake.run = run_busy;
	assert_int_equal(vmm_run(vm), VMM_INTERRUPTED);
	assert_int_equal(vm->stats.eintr, 0);
	assert_int_equal(guest_reads(), 'a');
}

/* Other exits look at the keys every VMM_CONSOLE_POLL_EXITS-th time. */
static long run_port80(struct kvm_run *run, int call)
{
	if (call == 0)
		type("a", 1);
	if (call == VMM_CONSOLE_POLL_EXITS - 1)
		assert_int_equal(vm->uart.rx_count, 0);
	if (call == VMM_CONSOLE_POLL_EXITS) {
		assert_int_equal(vm->uart.rx_count, 1);
		io_exit(run, KVM_EXIT_IO_OUT, 0xf4, 0);
		return 0;
	}
	io_exit(run, KVM_EXIT_IO_OUT, 0x80, (uint32_t)call & 0xff);
	return 0;
}

static void test_other_exits_poll_now_and_then(void **state)
{
	(void)state;
	fake.run = run_port80;
	assert_int_equal(vmm_run(vm), VMM_EXITED);
	assert_int_equal(polls, 2);     /* the key, then none */
	assert_int_equal(guest_reads(), 'a');
}

/* Detached (`step`), output waits for its line and Ctrl-C stops. */
static long run_detached(struct kvm_run *run, int call)
{
	switch (call) {
	case 0:
		io_exit(run, KVM_EXIT_IO_OUT, UART_COM1_BASE + UART_THR, '$');
		return 0;
	case 1:
		assert_string_equal(out, "");
		type("a\x03", 2);
		return -EINTR;
	default:
		fail();
		return 0;
	}
}

static void test_detached_run_stops_on_ctrl_c(void **state)
{
	(void)state;
	vm->console.attached = false;
	fake.run = run_detached;
	assert_int_equal(vmm_run(vm), VMM_INTERRUPTED);
	assert_string_equal(out, "[vm0] $\n");
	assert_string_equal(unread, "a");
	assert_int_equal(vm->console.keys_in, 0);
}

static long run_hlt(struct kvm_run *run, int call)
{
	if (call > 0)
		fail();
	guest_writes("login: ");
	vm_exit(run, KVM_EXIT_HLT);
	run->if_flag = 1;
	fake.regs.rip = 0x1000;
	return 0;
}

/* Idle with receive interrupts on: the guest waits for keys, which go to
 * the FIFO, and the prompt is on the console meanwhile. Nothing here
 * raises an interrupt yet (vmm_uart_input_done is the UART's interrupt
 * wiring), so only the escape key ends the wait. */
static void test_hlt_waits_for_keys_when_the_uart_can_interrupt(void **state)
{
	(void)state;
	uart16550_write(&vm->uart, UART_IER, UART_IER_RDI);
	type("r\x1d", 2);
	fake.run = run_hlt;
	assert_int_equal(vmm_run(vm), VMM_INTERRUPTED);
	assert_int_equal(vm->last.rip, 0x1000);
	assert_string_equal(out, "[vm0] login: \n");
	assert_int_equal(vm->uart.rx_count, 1);
	assert_int_equal(guest_reads(), 'r');
	assert_int_equal(vm->stats.kvm_runs, 1);
}

static void test_hlt_without_receive_interrupts_ends_the_run(void **state)
{
	(void)state;
	type("r", 1);
	fake.run = run_hlt;
	assert_int_equal(vmm_run(vm), VMM_HALTED);
	assert_int_equal(vm->last.rip, 0x1000);
	assert_int_equal(polls, 0);
	assert_int_equal(vm->console.keys_in, 0);
}

static long run_traced(struct kvm_run *run, int call)
{
	switch (call) {
	case 0:
		io_exit(run, KVM_EXIT_IO_OUT, UART_COM1_BASE + UART_THR, '>');
		return 0;
	default:
		vm_exit(run, KVM_EXIT_HLT);
		return 0;
	}
}

/* Traced: the guest's output is not cut up per exit, but the trace line
 * after a prompt starts a line of its own. */
static void test_trace_keeps_guest_lines_whole(void **state)
{
	(void)state;
	vm->trace = VMM_TRACE_ALL;
	fake.run = run_traced;
	assert_int_equal(vmm_run(vm), VMM_HALTED);
	/* the OUT's trace line first: the '>' waited for the idle guest */
	assert_string_equal(out, "vm 0: exit io out port 0x3f8 size 1 value 0x3e\n"
			    "[vm0] >\nvm 0: exit hlt if 0\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_feed_fills_the_fifo_and_keeps_the_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_full_queue_drops_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback_disconnects_the_console, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attached_keys_go_to_the_guest_until_the_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attached_without_escape_keeps_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detached_ctrl_c_stops_and_keys_stay_for_the_cli, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_returns_on_a_key_or_the_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_lines_show_at_once_with_one_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_delivers_keys_and_escape_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_are_taken_at_every_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_exits_poll_now_and_then, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detached_run_stops_on_ctrl_c, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hlt_waits_for_keys_when_the_uart_can_interrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hlt_without_receive_interrupts_ends_the_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_keeps_guest_lines_whole, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
