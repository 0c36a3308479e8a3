/*
 * Host test: abi/kvm.h is byte-for-byte the x86-64 layout of Linux 2.6.21's
 * kvm.h. Every expected number below is a literal worked out by hand from
 * the 2.6.21 header with x86-64 alignment (docs/platforms.md gives a few),
 * so a change to the header that moves a byte fails here with the field's
 * name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "abi/kvm.h"
#include "abi/barekvm.h"

struct field_case {
	const char *name;
	size_t offset, expect_offset;
	size_t size, expect_size;       /* size (size_t)-1: flexible array */
};

#define MSIZE(T, m) sizeof(((T *)0)->m)
#define F(T, m, off, sz) { #T "." #m, offsetof(T, m), off, MSIZE(T, m), sz }
#define FLEX(T, m, off) { #T "." #m, offsetof(T, m), off, (size_t)-1, (size_t)-1 }

static void check_fields(const struct field_case *c, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		if (c[i].offset != c[i].expect_offset ||
		    c[i].size != c[i].expect_size) {
			print_error("%s: offset %zu size %zu, want offset %zu size %zu\n",
				    c[i].name, c[i].offset, c[i].size,
				    c[i].expect_offset, c[i].expect_size);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

#define CHECK_FIELDS(arr) check_fields(arr, sizeof(arr) / sizeof(arr[0]))

/* typedefs named like the structs so failures print "kvm_run.io.port" */
typedef struct kvm_memory_region kvm_memory_region;
typedef struct kvm_run kvm_run;
typedef struct kvm_regs kvm_regs;
typedef struct kvm_segment kvm_segment;
typedef struct kvm_dtable kvm_dtable;
typedef struct kvm_sregs kvm_sregs;
typedef struct kvm_msr_entry kvm_msr_entry;
typedef struct kvm_msrs kvm_msrs;
typedef struct kvm_msr_list kvm_msr_list;
typedef struct kvm_translation kvm_translation;
typedef struct kvm_interrupt kvm_interrupt;
typedef struct kvm_breakpoint kvm_breakpoint;
typedef struct kvm_debug_guest kvm_debug_guest;
typedef struct kvm_dirty_log kvm_dirty_log;

static void test_struct_sizes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct kvm_memory_region), 24);
	assert_int_equal(sizeof(struct kvm_run), 72);
	assert_int_equal(sizeof(struct kvm_regs), 144);
	assert_int_equal(sizeof(struct kvm_segment), 24);
	assert_int_equal(sizeof(struct kvm_dtable), 16);
	assert_int_equal(sizeof(struct kvm_sregs), 312);
	assert_int_equal(sizeof(struct kvm_msr_entry), 16);
	assert_int_equal(sizeof(struct kvm_msrs), 8);
	assert_int_equal(sizeof(struct kvm_msr_list), 4);
	assert_int_equal(sizeof(struct kvm_translation), 24);
	assert_int_equal(sizeof(struct kvm_interrupt), 4);
	assert_int_equal(sizeof(struct kvm_breakpoint), 16);
	assert_int_equal(sizeof(struct kvm_debug_guest), 80);
	assert_int_equal(sizeof(struct kvm_dirty_log), 16);
	/* the union inside kvm_run and its members */
	assert_int_equal(MSIZE(kvm_run, hw), 4);
	assert_int_equal(MSIZE(kvm_run, ex), 8);
	assert_int_equal(MSIZE(kvm_run, io), 24);
	assert_int_equal(MSIZE(kvm_run, mmio), 24);
	assert_int_equal(MSIZE(kvm_run, debug), 0);
	/* BareKVM's KVM_EXIT_CPUID member fits inside the union: the union
	 * and kvm_run keep their 2.6.21 sizes (checked above) */
	assert_int_equal(MSIZE(kvm_run, cpuid), 20);
	assert_int_equal(offsetof(struct kvm_run, cpuid.eax), 48);
	assert_int_equal(offsetof(struct kvm_run, cpuid.completed), 64);
}

static void test_alignment(void **state)
{
	(void)state;
	/* 8-byte aligned wherever a __u64 appears, as on x86-64 Linux */
	assert_int_equal(_Alignof(struct kvm_run), 8);
	assert_int_equal(_Alignof(struct kvm_regs), 8);
	assert_int_equal(_Alignof(struct kvm_sregs), 8);
	assert_int_equal(_Alignof(struct kvm_msrs), 8);
	assert_int_equal(_Alignof(struct kvm_msr_list), 4);
	assert_int_equal(_Alignof(struct kvm_interrupt), 4);
	assert_int_equal(_Alignof(struct kvm_dirty_log), 8);
	assert_int_equal(sizeof(__u8), 1);
	assert_int_equal(sizeof(__u16), 2);
	assert_int_equal(sizeof(__u32), 4);
	assert_int_equal(sizeof(__u64), 8);
}

static void test_kvm_memory_region(void **state)
{
	static const struct field_case c[] = {
		F(kvm_memory_region, slot, 0, 4),
		F(kvm_memory_region, flags, 4, 4),
		F(kvm_memory_region, guest_phys_addr, 8, 8),
		F(kvm_memory_region, memory_size, 16, 8),
	};
	(void)state;
	CHECK_FIELDS(c);
}

static void test_kvm_run(void **state)
{
	static const struct field_case c[] = {
		F(kvm_run, emulated, 0, 4),
		F(kvm_run, mmio_completed, 4, 4),
		F(kvm_run, request_interrupt_window, 8, 1),
		F(kvm_run, padding1, 9, 7),
		F(kvm_run, exit_type, 16, 4),
		F(kvm_run, exit_reason, 20, 4),
		F(kvm_run, instruction_length, 24, 4),
		F(kvm_run, ready_for_interrupt_injection, 28, 1),
		F(kvm_run, if_flag, 29, 1),
		F(kvm_run, padding2, 30, 2),
		F(kvm_run, cr8, 32, 8),
		F(kvm_run, apic_base, 40, 8),
		/* KVM_EXIT_UNKNOWN */
		F(kvm_run, hw, 48, 4),
		F(kvm_run, hw.hardware_exit_reason, 48, 4),
		/* KVM_EXIT_EXCEPTION */
		F(kvm_run, ex, 48, 8),
		F(kvm_run, ex.exception, 48, 4),
		F(kvm_run, ex.error_code, 52, 4),
		/* KVM_EXIT_IO */
		F(kvm_run, io, 48, 24),
		F(kvm_run, io.direction, 48, 1),
		F(kvm_run, io.size, 49, 1),
		F(kvm_run, io.string, 50, 1),
		F(kvm_run, io.string_down, 51, 1),
		F(kvm_run, io.rep, 52, 1),
		F(kvm_run, io.pad, 53, 1),
		F(kvm_run, io.port, 54, 2),
		F(kvm_run, io.count, 56, 8),
		F(kvm_run, io.address, 64, 8),
		F(kvm_run, io.value, 64, 4),
		/* KVM_EXIT_DEBUG */
		F(kvm_run, debug, 48, 0),
		/* KVM_EXIT_MMIO */
		F(kvm_run, mmio, 48, 24),
		F(kvm_run, mmio.phys_addr, 48, 8),
		F(kvm_run, mmio.data, 56, 8),
		F(kvm_run, mmio.len, 64, 4),
		F(kvm_run, mmio.is_write, 68, 1),
	};
	(void)state;
	CHECK_FIELDS(c);
}

static void test_kvm_regs(void **state)
{
	static const struct field_case c[] = {
		F(kvm_regs, rax, 0, 8),    F(kvm_regs, rbx, 8, 8),    F(kvm_regs, rcx, 16, 8),
		F(kvm_regs, rdx, 24, 8),   F(kvm_regs, rsi, 32, 8),   F(kvm_regs, rdi, 40, 8),
		F(kvm_regs, rsp, 48, 8),   F(kvm_regs, rbp, 56, 8),   F(kvm_regs, r8, 64, 8),
		F(kvm_regs, r9, 72, 8),    F(kvm_regs, r10, 80, 8),   F(kvm_regs, r11, 88, 8),
		F(kvm_regs, r12, 96, 8),   F(kvm_regs, r13, 104, 8),  F(kvm_regs, r14, 112, 8),
		F(kvm_regs, r15, 120, 8),  F(kvm_regs, rip, 128, 8),  F(kvm_regs, rflags, 136, 8),
	};
	(void)state;
	CHECK_FIELDS(c);
}

static void test_kvm_segment(void **state)
{
	static const struct field_case c[] = {
		F(kvm_segment, base, 0, 8),
		F(kvm_segment, limit, 8, 4),
		F(kvm_segment, selector, 12, 2),
		F(kvm_segment, type, 14, 1),
		F(kvm_segment, present, 15, 1),
		F(kvm_segment, dpl, 16, 1),
		F(kvm_segment, db, 17, 1),
		F(kvm_segment, s, 18, 1),
		F(kvm_segment, l, 19, 1),
		F(kvm_segment, g, 20, 1),
		F(kvm_segment, avl, 21, 1),
		F(kvm_segment, unusable, 22, 1),
		F(kvm_segment, padding, 23, 1),
	};
	(void)state;
	CHECK_FIELDS(c);
}

static void test_kvm_dtable(void **state)
{
	static const struct field_case c[] = {
		F(kvm_dtable, base, 0, 8),
		F(kvm_dtable, limit, 8, 2),
		F(kvm_dtable, padding, 10, 6),
	};
	(void)state;
	CHECK_FIELDS(c);
}

static void test_kvm_sregs(void **state)
{
	static const struct field_case c[] = {
		F(kvm_sregs, cs, 0, 24),    F(kvm_sregs, ds, 24, 24),   F(kvm_sregs, es, 48, 24),
		F(kvm_sregs, fs, 72, 24),   F(kvm_sregs, gs, 96, 24),   F(kvm_sregs, ss, 120, 24),
		F(kvm_sregs, tr, 144, 24),  F(kvm_sregs, ldt, 168, 24),
		F(kvm_sregs, gdt, 192, 16), F(kvm_sregs, idt, 208, 16),
		F(kvm_sregs, cr0, 224, 8),  F(kvm_sregs, cr2, 232, 8),  F(kvm_sregs, cr3, 240, 8),
		F(kvm_sregs, cr4, 248, 8),  F(kvm_sregs, cr8, 256, 8),
		F(kvm_sregs, efer, 264, 8),
		F(kvm_sregs, apic_base, 272, 8),
		F(kvm_sregs, interrupt_bitmap, 280, 32),
		F(kvm_sregs, interrupt_bitmap[3], 304, 8),
		F(kvm_sregs, cs.selector, 12, 2),
		F(kvm_sregs, ldt.unusable, 190, 1),
		F(kvm_sregs, idt.limit, 216, 2),
	};
	(void)state;
	CHECK_FIELDS(c);
	assert_int_equal(KVM_NR_INTERRUPTS, 256);
	assert_int_equal(KVM_IRQ_BITMAP_SIZE_BYTES, 32);
	assert_int_equal(KVM_IRQ_BITMAP_SIZE(__u64), 4);
}

static void test_kvm_msrs(void **state)
{
	static const struct field_case c[] = {
		F(kvm_msr_entry, index, 0, 4),
		F(kvm_msr_entry, reserved, 4, 4),
		F(kvm_msr_entry, data, 8, 8),
		F(kvm_msrs, nmsrs, 0, 4),
		F(kvm_msrs, pad, 4, 4),
		FLEX(kvm_msrs, entries, 8),
		F(kvm_msr_list, nmsrs, 0, 4),
		FLEX(kvm_msr_list, indices, 4),
	};
	(void)state;
	CHECK_FIELDS(c);
	/* the arrays are contiguous after the header: +16 / +4 per element */
	assert_int_equal(offsetof(kvm_msrs, entries[2]), 8 + 2 * 16);
	assert_int_equal(offsetof(kvm_msrs, entries[1].data), 8 + 16 + 8);
	assert_int_equal(offsetof(kvm_msr_list, indices[3]), 4 + 3 * 4);
	assert_int_equal(MSIZE(kvm_msrs, entries[0]), 16);
	assert_int_equal(MSIZE(kvm_msr_list, indices[0]), 4);
}

static void test_kvm_translation(void **state)
{
	static const struct field_case c[] = {
		F(kvm_translation, linear_address, 0, 8),
		F(kvm_translation, physical_address, 8, 8),
		F(kvm_translation, valid, 16, 1),
		F(kvm_translation, writeable, 17, 1),
		F(kvm_translation, usermode, 18, 1),
		F(kvm_translation, pad, 19, 5),
	};
	(void)state;
	CHECK_FIELDS(c);
}

static void test_kvm_interrupt_breakpoint_debug(void **state)
{
	static const struct field_case c[] = {
		F(kvm_interrupt, irq, 0, 4),
		F(kvm_breakpoint, enabled, 0, 4),
		F(kvm_breakpoint, padding, 4, 4),
		F(kvm_breakpoint, address, 8, 8),
		F(kvm_debug_guest, enabled, 0, 4),
		F(kvm_debug_guest, pad, 4, 4),
		F(kvm_debug_guest, breakpoints, 8, 64),
		F(kvm_debug_guest, breakpoints[1], 24, 16),
		F(kvm_debug_guest, breakpoints[3].address, 64, 8),
		F(kvm_debug_guest, singlestep, 72, 4),
	};
	(void)state;
	CHECK_FIELDS(c);
}

static void test_kvm_dirty_log(void **state)
{
	static const struct field_case c[] = {
		F(kvm_dirty_log, slot, 0, 4),
		F(kvm_dirty_log, padding, 4, 4),
		F(kvm_dirty_log, dirty_bitmap, 8, 8),
		F(kvm_dirty_log, padding64, 8, 8),
	};
	struct kvm_dirty_log log = { .slot = 1 };

	(void)state;
	CHECK_FIELDS(c);
	/* dirty_bitmap is a 64-bit GPA, not a pointer, and shares its bytes
	 * with padding64 */
	log.dirty_bitmap = 0xfedcba9876543210ull;
	assert_int_equal(log.padding64, 0xfedcba9876543210ull);
	assert_int_equal(sizeof(log.dirty_bitmap), 8);
}

static void test_constants(void **state)
{
	(void)state;
	assert_int_equal(KVM_API_VERSION, 4);
	assert_int_equal(KVMIO, 0xae);
	assert_int_equal(KVM_MEM_LOG_DIRTY_PAGES, 1);
	assert_int_equal(KVM_EXIT_TYPE_FAIL_ENTRY, 1);
	assert_int_equal(KVM_EXIT_TYPE_VM_EXIT, 2);
	assert_int_equal(KVM_EXIT_IO_IN, 0);
	assert_int_equal(KVM_EXIT_IO_OUT, 1);
	assert_int_equal(KVM_EXIT_UNKNOWN, 0);
	assert_int_equal(KVM_EXIT_EXCEPTION, 1);
	assert_int_equal(KVM_EXIT_IO, 2);
	assert_int_equal(KVM_EXIT_CPUID, 3);
	assert_int_equal(KVM_EXIT_DEBUG, 4);
	assert_int_equal(KVM_EXIT_HLT, 5);
	assert_int_equal(KVM_EXIT_MMIO, 6);
	assert_int_equal(KVM_EXIT_IRQ_WINDOW_OPEN, 7);
	assert_int_equal(KVM_EXIT_SHUTDOWN, 8);
	assert_int_equal(sizeof(enum kvm_exit_reason), 4);
}

static void test_ioc_encoding(void **state)
{
	(void)state;
	assert_int_equal(_IOC_NONE, 0);
	assert_int_equal(_IOC_WRITE, 1);
	assert_int_equal(_IOC_READ, 2);
	assert_int_equal(_IOC_NRSHIFT, 0);
	assert_int_equal(_IOC_TYPESHIFT, 8);
	assert_int_equal(_IOC_SIZESHIFT, 16);
	assert_int_equal(_IOC_DIRSHIFT, 30);
	assert_int_equal(_IOC(_IOC_READ | _IOC_WRITE, 0x12, 0x34, 0x3fff), 0xffff1234u);
	assert_int_equal(_IOC(_IOC_WRITE, 0, 0, 0), 0x40000000u);
	assert_int_equal(_IOC(_IOC_READ, 0, 0, 0), 0x80000000u);
	assert_int_equal(_IO(0xab, 0xcd), 0xabcd);
	assert_int_equal(_IOR(0xab, 1, __u64), 0x8008ab01u);
	assert_int_equal(_IOW(0xab, 1, __u32), 0x4004ab01u);
	assert_int_equal(_IOWR(0xab, 1, __u16), 0xc002ab01u);
	assert_int_equal(_IOC_DIR(0xc048ae02u), 3);
	assert_int_equal(_IOC_TYPE(0xc048ae02u), 0xae);
	assert_int_equal(_IOC_NR(0xc048ae02u), 2);
	assert_int_equal(_IOC_SIZE(0xc048ae02u), 0x48);
	assert_int_equal(_IOC_SIZE(0xffffffffu), 0x3fff);
	assert_int_equal(_IOC_NR(0xffffffffu), 0xff);
	assert_int_equal(_IOC_TYPE(0xffffffffu), 0xff);
	assert_int_equal(_IOC_DIR(0xffffffffu), 3);
}

struct req_case {
	const char *name;
	unsigned long value, expect;
	size_t arg_size;        /* sizeof the argument the request names */
	unsigned dir, nr;
};

#define NONE  _IOC_NONE
#define RD    _IOC_READ
#define WR    _IOC_WRITE
#define RW    (_IOC_READ | _IOC_WRITE)
#define REQ(name, expect, argsz, dir, nr) { #name, name, expect, argsz, dir, nr }

static void test_request_numbers(void **state)
{
	static const struct req_case c[] = {
		REQ(KVM_GET_API_VERSION, 0x0000ae01, 0, NONE, 1),
		REQ(KVM_CREATE_VM, 0x0000ae02, 0, NONE, 2),
		REQ(KVM_GET_MSR_INDEX_LIST, 0xc004ae0f, sizeof(struct kvm_msr_list), RW, 15),
		REQ(KVM_SET_MEMORY_REGION, 0x4018ae0a, sizeof(struct kvm_memory_region), WR, 10),
		REQ(KVM_CREATE_VCPU, 0x4004ae0b, sizeof(int), WR, 11),
		REQ(KVM_GET_DIRTY_LOG, 0x4010ae0c, sizeof(struct kvm_dirty_log), WR, 12),
		REQ(KVM_RUN, 0xc048ae02, sizeof(struct kvm_run), RW, 2),
		REQ(KVM_GET_REGS, 0x8090ae03, sizeof(struct kvm_regs), RD, 3),
		REQ(KVM_SET_REGS, 0x4090ae04, sizeof(struct kvm_regs), WR, 4),
		REQ(KVM_GET_SREGS, 0x8138ae05, sizeof(struct kvm_sregs), RD, 5),
		REQ(KVM_SET_SREGS, 0x4138ae06, sizeof(struct kvm_sregs), WR, 6),
		REQ(KVM_TRANSLATE, 0xc018ae07, sizeof(struct kvm_translation), RW, 7),
		REQ(KVM_INTERRUPT, 0x4004ae08, sizeof(struct kvm_interrupt), WR, 8),
		REQ(KVM_DEBUG_GUEST, 0x4050ae09, sizeof(struct kvm_debug_guest), WR, 9),
		REQ(KVM_GET_MSRS, 0xc008ae0d, sizeof(struct kvm_msrs), RW, 13),
		REQ(KVM_SET_MSRS, 0x4008ae0e, sizeof(struct kvm_msrs), WR, 14),
	};
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		unsigned long v = c[i].value;

		if (v != c[i].expect || _IOC_SIZE(v) != c[i].arg_size ||
		    _IOC_DIR(v) != c[i].dir || _IOC_NR(v) != c[i].nr ||
		    _IOC_TYPE(v) != KVMIO) {
			print_error("%s = %#lx (dir %lu type %#lx nr %lu size %lu), "
				    "want %#lx (dir %u nr %u size %zu)\n",
				    c[i].name, v, (unsigned long)_IOC_DIR(v),
				    (unsigned long)_IOC_TYPE(v),
				    (unsigned long)_IOC_NR(v),
				    (unsigned long)_IOC_SIZE(v), c[i].expect,
				    c[i].dir, c[i].nr, c[i].arg_size);
			bad++;
		}
	}
	assert_int_equal(bad, 0);

	/* all sixteen are distinct (KVM_CREATE_VM and KVM_RUN share nr 2) */
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		for (size_t j = i + 1; j < sizeof(c) / sizeof(c[0]); j++)
			assert_true(c[i].value != c[j].value);
}

/* The requests of later Linux this ABI adds (abi/barekvm.h): Linux's
 * numbers (include/uapi/linux/kvm.h), distinct from every 2.6.21 one and
 * from BareKVM's own. */
static void test_later_linux_numbers(void **state)
{
	static const unsigned long others[] = {
		KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_GET_MSR_INDEX_LIST,
		KVM_SET_MEMORY_REGION, KVM_CREATE_VCPU, KVM_GET_DIRTY_LOG, KVM_RUN,
		KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
		KVM_TRANSLATE, KVM_INTERRUPT, KVM_DEBUG_GUEST, KVM_GET_MSRS,
		KVM_SET_MSRS, KVM_BAREKVM_CLOSE, KVM_BAREKVM_MMAP, KVM_BAREKVM_ALARM,
	};

	(void)state;
	assert_int_equal(KVM_CHECK_EXTENSION, 0xae03);
	assert_int_equal(KVM_NMI, 0xae9a);
	assert_int_equal(_IOC_SIZE(KVM_NMI), 0);
	assert_int_equal(_IOC_DIR(KVM_NMI), _IOC_NONE);
	assert_int_equal(KVM_CAP_USER_NMI, 22);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		assert_true(others[i] != KVM_NMI);
		assert_true(others[i] != KVM_CHECK_EXTENSION);
		assert_true(others[i] != KVM_GET_VCPU_EVENTS);
		assert_true(others[i] != KVM_SET_VCPU_EVENTS);
	}
	/* Linux 2.6.32's: _IOR/_IOW(0xAE, 0x9f/0xa0) of the 64-byte struct */
	assert_int_equal(KVM_GET_VCPU_EVENTS, 0x8040ae9f);
	assert_int_equal(KVM_SET_VCPU_EVENTS, 0x4040aea0);
	assert_int_equal(KVM_CAP_VCPU_EVENTS, 41);
}

/* struct kvm_vcpu_events as Linux lays it out (x86 include/uapi/asm/kvm.h). */
static void test_kvm_vcpu_events(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct kvm_vcpu_events), 64);
	assert_int_equal(offsetof(struct kvm_vcpu_events, exception.injected), 0);
	assert_int_equal(offsetof(struct kvm_vcpu_events, exception.pending), 3);
	assert_int_equal(offsetof(struct kvm_vcpu_events, exception.error_code), 4);
	assert_int_equal(offsetof(struct kvm_vcpu_events, interrupt.injected), 8);
	assert_int_equal(offsetof(struct kvm_vcpu_events, interrupt.shadow), 11);
	assert_int_equal(offsetof(struct kvm_vcpu_events, nmi.injected), 12);
	assert_int_equal(offsetof(struct kvm_vcpu_events, nmi.masked), 14);
	assert_int_equal(offsetof(struct kvm_vcpu_events, sipi_vector), 16);
	assert_int_equal(offsetof(struct kvm_vcpu_events, flags), 20);
	assert_int_equal(offsetof(struct kvm_vcpu_events, smi.smm), 24);
	assert_int_equal(offsetof(struct kvm_vcpu_events, smi.latched_init), 27);
	assert_int_equal(offsetof(struct kvm_vcpu_events, triple_fault.pending), 28);
	assert_int_equal(offsetof(struct kvm_vcpu_events, exception_has_payload), 55);
	assert_int_equal(offsetof(struct kvm_vcpu_events, exception_payload), 56);
	assert_int_equal(KVM_X86_SHADOW_INT_MOV_SS, 1);
	assert_int_equal(KVM_X86_SHADOW_INT_STI, 2);
	assert_int_equal(KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |
			 KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM |
			 KVM_VCPUEVENT_VALID_PAYLOAD | KVM_VCPUEVENT_VALID_TRIPLE_FAULT, 0x3f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_struct_sizes),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_kvm_memory_region),
		cmocka_unit_test(test_kvm_run),
		cmocka_unit_test(test_kvm_regs),
		cmocka_unit_test(test_kvm_segment),
		cmocka_unit_test(test_kvm_dtable),
		cmocka_unit_test(test_kvm_sregs),
		cmocka_unit_test(test_kvm_msrs),
		cmocka_unit_test(test_kvm_translation),
		cmocka_unit_test(test_kvm_interrupt_breakpoint_debug),
		cmocka_unit_test(test_kvm_dirty_log),
		cmocka_unit_test(test_constants),
		cmocka_unit_test(test_later_linux_numbers),
		cmocka_unit_test(test_kvm_vcpu_events),
		cmocka_unit_test(test_ioc_encoding),
		cmocka_unit_test(test_request_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
